"""``POST /v1/assess`` (a case or a note) and ``GET /v1/assessments/{id}``."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from hipdx.service import core
from hipdx.service.audit import audit, audit_alone
from hipdx.service.deps import CallerDep, EngineDep, RuntimeDep
from hipdx.service.models import ID_PATTERN, AssessmentRecord, AssessRequest
from hipdx.service.problems import ProblemError, responses
from hipdx.store import EncodedJSON, StoredAssessment, get_assessment, save_assessment

router = APIRouter(tags=["assessments"])


@router.post(
    "/v1/assess",
    name="assess",
    status_code=status.HTTP_201_CREATED,
    response_model=AssessmentRecord,
    responses=responses(400, 401, 413, 422, 429, 503),
)
def assess(
    body: AssessRequest,
    caller: CallerDep,
    runtime: RuntimeDep,
    engine: EngineDep,
) -> Response:
    """Assess a structured case, or a note read first; the assessment is saved before the
    answer is sent, and its id is in ``Location``."""
    case = body.case
    if case is None:
        case = core.parse(engine, str(body.note), setting=body.setting).case
    assessment = core.assess(engine, case)
    runtime.check_database_file()
    with runtime.transaction() as session:
        stored = save_assessment(
            session,
            source="case" if body.case is not None else "note",
            input=case.model_dump(mode="json"),
            document=EncodedJSON(assessment.model_dump_json()),
            kb_version=assessment.metadata.kb_version,
            hipdx_version=assessment.metadata.hipdx_version,
            api_key_id=caller.key.id,
        )
        audit(session, caller, action="assess", status=201, resource_id=stored.id)
    return record_response(stored, status=201, location=f"/v1/assessments/{stored.id}")


@router.get(
    "/v1/assessments/{assessment_id}",
    name="read_assessment",
    response_model=AssessmentRecord,
    responses=responses(401, 404, 422, 429, 503),
)
def read_assessment(
    assessment_id: Annotated[str, Path(pattern=ID_PATTERN)],
    caller: CallerDep,
    runtime: RuntimeDep,
) -> Response:
    """A saved assessment, as it was sent when it was made."""
    with runtime.sessions() as session:
        stored = get_assessment(session, assessment_id=assessment_id)
    if stored is None:
        raise ProblemError(404, "Not found", f"no assessment with id '{assessment_id}'")
    audit_alone(runtime, caller, action="read_assessment", status=200, resource_id=stored.id)
    return record_response(stored)


def record_response(
    stored: StoredAssessment, *, status: int = 200, location: str | None = None
) -> Response:
    """The `AssessmentRecord` as JSON, the document spliced in as stored (already checked when
    it was made: validating and encoding 100-odd kB again would cost more than assessing)."""
    head = {
        "id": stored.id,
        "created": stored.created_at.isoformat().replace("+00:00", "Z"),
        "source": stored.source,
    }
    document = stored.document
    text = document.text if isinstance(document, EncodedJSON) else _compact(document)
    body = _compact(head)[:-1] + ',"assessment":' + text + "}"
    headers = {"Location": location} if location else None
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def _compact(document: object) -> str:
    return json.dumps(document, separators=(",", ":"))
