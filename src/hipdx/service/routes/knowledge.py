"""``GET /v1/conditions``, ``GET /v1/conditions/{id}``, ``GET /v1/findings``: the knowledge base."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from hipdx._suggest import did_you_mean
from hipdx._types import Asker
from hipdx.issues import error
from hipdx.kb.schema import Condition
from hipdx.service.audit import audit_alone
from hipdx.service.deps import CallerDep, EngineDep, RuntimeDep
from hipdx.service.models import ConditionSummary, FindingList
from hipdx.service.problems import ProblemError, responses

router = APIRouter(tags=["knowledge"])


@router.get(
    "/v1/conditions",
    name="list_conditions",
    response_model=list[ConditionSummary],
    responses=responses(401, 429, 503),
)
def list_conditions(
    caller: CallerDep, engine: EngineDep, runtime: RuntimeDep
) -> list[ConditionSummary]:
    """Every condition the knowledge base covers, by id."""
    audit_alone(runtime, caller, action="list_conditions", status=200)
    return [
        ConditionSummary(
            id=c.id,
            name=c.name,
            category=c.category,
            icd10cm=c.icd10cm,
            urgency=c.urgency,
            must_not_miss=c.must_not_miss,
        )
        for c in sorted(engine.knowledge.knowledge.conditions, key=lambda c: c.id)
    ]


@router.get(
    "/v1/conditions/{condition_id}",
    name="read_condition",
    response_model=Condition,
    responses=responses(401, 404, 422, 429, 503),
)
def read_condition(
    condition_id: Annotated[str, Path(max_length=80)],
    caller: CallerDep,
    engine: EngineDep,
    runtime: RuntimeDep,
) -> Condition:
    """One condition: summaries, priors, evidence with sources, management."""
    known = {c.id: c for c in engine.knowledge.knowledge.conditions}
    if condition_id not in known:
        fix = did_you_mean(condition_id, known, "GET /v1/conditions lists the known ids")
        message = f"unknown condition id '{condition_id}'"
        raise ProblemError(
            404, "Not found", f"{message}; {fix}", [error("condition_id", message, fix)]
        )
    audit_alone(runtime, caller, action="read_condition", status=200, resource_id=condition_id[:32])
    return known[condition_id]


@router.get(
    "/v1/findings",
    name="list_findings",
    response_model=FindingList,
    responses=responses(401, 422, 429, 503),
)
def list_findings(
    caller: CallerDep,
    engine: EngineDep,
    runtime: RuntimeDep,
    asker: Annotated[
        Asker, Query(description="Only what this asker can answer.")
    ] = Asker.CLINICIAN_WITH_IMAGING,
) -> FindingList:
    """The findings an asker can answer (a patient: history; a clinician: and examination;
    with imaging: everything), and the exclusive questions among them."""
    audit_alone(runtime, caller, action="list_findings", status=200)
    findings = [f for f in engine.knowledge.knowledge.findings if asker.can_answer(f.asker)]
    ids = {f.id for f in findings}
    groups = [g for g in engine.knowledge.knowledge.groups if set(g.members) <= ids]
    return FindingList(asker=asker, findings=findings, groups=groups)
