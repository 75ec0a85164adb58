"""Interview sessions that persist: ``POST /v1/interviews`` starts one,
``POST /v1/interviews/{id}/answers`` answers the question asked, ``POST /v1/interviews/{id}/back``
takes the last answer back, ``GET /v1/interviews/{id}`` says where it stands. When the
interview stops, its assessment is made and saved, and the interview is finished."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hipdx.engine import Engine
from hipdx.interview.session import InterviewSession
from hipdx.service.audit import audit
from hipdx.service.deps import Caller, CallerDep, EngineDep, RuntimeDep
from hipdx.service.models import ID_PATTERN, InterviewAnswer, InterviewRecord, StartInterview
from hipdx.service.problems import ProblemError, responses
from hipdx.store import (
    EncodedJSON,
    StoredInterview,
    finish_interview,
    get_interview,
    save_assessment,
    save_interview,
    update_interview,
)

router = APIRouter(tags=["interviews"])
InterviewId = Annotated[str, Path(pattern=ID_PATTERN)]


@router.post(
    "/v1/interviews",
    name="start_interview",
    status_code=status.HTTP_201_CREATED,
    response_model=InterviewRecord,
    responses=responses(400, 401, 413, 422, 429, 503),
)
def start_interview(
    body: StartInterview,
    caller: CallerDep,
    runtime: RuntimeDep,
    engine: EngineDep,
    response: Response,
) -> dict[str, Any]:
    """Start an interview with its intake; the answer holds the first question and why it is
    asked. Its id is in ``Location``."""
    session = engine.start_interview(asker=body.asker, setting=body.setting, budget=body.budget)
    if body.age is not None or body.sex is not None:
        session.set_patient(age=body.age, sex=body.sex)
    if body.regions is not None or body.side is not None:
        session.set_regions(body.regions, body.side)
    runtime.check_database_file()
    with runtime.transaction() as db:
        stored = save_interview(
            db, state=session.to_json(), kb_version=engine.version, api_key_id=caller.key.id
        )
        stored = _finish_if_stopped(db, engine, session, stored, caller)
        audit(db, caller, action="start_interview", status=201, resource_id=stored.id)
    response.headers["Location"] = f"/v1/interviews/{stored.id}"
    return _record(stored, session)


@router.post(
    "/v1/interviews/{interview_id}/answers",
    name="answer_interview",
    response_model=InterviewRecord,
    responses=responses(400, 401, 404, 409, 413, 422, 429, 503),
)
def answer_interview(
    interview_id: InterviewId,
    body: InterviewAnswer,
    caller: CallerDep,
    runtime: RuntimeDep,
    engine: EngineDep,
) -> dict[str, Any]:
    """Answer the question being asked; the answer holds the next question, or, when the
    interview stops, the id of its assessment."""
    runtime.check_database_file()
    with runtime.transaction() as db:
        stored, session = _open(db, engine, interview_id)
        session.answer(body.question, body.answer)
        stored = _save(db, stored, session, question=body.question, value=body.answer)
        stored = _finish_if_stopped(db, engine, session, stored, caller)
        audit(db, caller, action="answer_interview", status=200, resource_id=stored.id)
    return _record(stored, session)


@router.post(
    "/v1/interviews/{interview_id}/back",
    name="interview_back",
    response_model=InterviewRecord,
    responses=responses(401, 404, 409, 422, 429, 503),
)
def interview_back(
    interview_id: InterviewId, caller: CallerDep, runtime: RuntimeDep, engine: EngineDep
) -> dict[str, Any]:
    """Take the last answer back: its question is asked again."""
    runtime.check_database_file()
    with runtime.transaction() as db:
        stored, session = _open(db, engine, interview_id)
        question = session.back()
        if question is None:
            raise ProblemError(409, "Nothing to take back", "no question has been answered yet")
        stored = _save(db, stored, session, question="back", value=question)
        audit(db, caller, action="interview_back", status=200, resource_id=stored.id)
    return _record(stored, session)


@router.get(
    "/v1/interviews/{interview_id}",
    name="read_interview",
    response_model=InterviewRecord,
    responses=responses(401, 404, 422, 429, 503),
)
def read_interview(
    interview_id: InterviewId, caller: CallerDep, runtime: RuntimeDep, engine: EngineDep
) -> dict[str, Any]:
    """Where the interview stands: the question (with why), or why it stopped; triage, red
    flags, the current differential; its assessment once finished."""
    with runtime.transaction() as db:
        stored = _stored(db, interview_id)
        audit(db, caller, action="read_interview", status=200, resource_id=stored.id)
    return _record(stored, engine.resume_interview(stored.state))


def _stored(db: Session, interview_id: str, *, for_update: bool = False) -> StoredInterview:
    stored = get_interview(db, interview_id=interview_id, for_update=for_update)
    if stored is None:
        raise ProblemError(404, "Not found", f"no interview with id '{interview_id}'")
    return stored


def _open(
    db: Session, engine: Engine, interview_id: str
) -> tuple[StoredInterview, InterviewSession]:
    """The interview, locked for this transaction where the database can, if still open."""
    stored = _stored(db, interview_id, for_update=True)
    if stored.status == "finished":
        raise ProblemError(
            409,
            "The interview has ended",
            f"the interview ended in assessment {stored.assessment_id}; start a new one",
        )
    return stored, engine.resume_interview(stored.state)


def _save(
    db: Session, stored: StoredInterview, session: InterviewSession, *, question: str, value: Any
) -> StoredInterview:
    try:
        with db.begin_nested():
            return update_interview(
                db,
                interview_id=stored.id,
                question=question,
                value=value,
                state=session.to_json(),
            )
    except IntegrityError:
        raise ProblemError(
            409,
            "The interview changed",
            "another answer to this interview arrived at the same time; read it and answer "
            "the question it asks now",
        ) from None


def _finish_if_stopped(
    db: Session,
    engine: Engine,
    session: InterviewSession,
    stored: StoredInterview,
    caller: Caller,
) -> StoredInterview:
    """When the interview has stopped: assess what it learnt, save that, finish the interview."""
    if session.step().stop is None:
        return stored
    assessment = engine.assess(session.case())
    saved = save_assessment(
        db,
        source="interview",
        input=assessment.input.model_dump(mode="json"),
        document=EncodedJSON(assessment.model_dump_json()),
        kb_version=assessment.metadata.kb_version,
        hipdx_version=assessment.metadata.hipdx_version,
        api_key_id=caller.key.id,
    )
    audit(db, caller, action="assess", status=201, resource_id=saved.id)
    return finish_interview(db, interview_id=stored.id, assessment_id=saved.id)


def _record(stored: StoredInterview, session: InterviewSession) -> dict[str, Any]:
    return {
        "id": stored.id,
        "status": stored.status,
        "created": stored.created_at,
        "updated": stored.updated_at,
        "answers": stored.answers,
        "assessment_id": stored.assessment_id,
        "interview": session.document(),
    }
