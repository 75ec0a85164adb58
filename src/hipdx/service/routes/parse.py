"""``POST /v1/parse``: what intake reads in a note (nothing is saved)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from hipdx.intake import ParsedCase
from hipdx.service import core
from hipdx.service.audit import audit_alone
from hipdx.service.deps import CallerDep, EngineDep, RuntimeDep
from hipdx.service.models import ParseRequest
from hipdx.service.problems import responses

router = APIRouter(tags=["parse"])


@router.post(
    "/v1/parse",
    name="parse",
    response_model=ParsedCase,
    responses=responses(400, 401, 413, 422, 429, 503),
)
def parse(
    body: ParseRequest, caller: CallerDep, engine: EngineDep, runtime: RuntimeDep
) -> dict[str, Any]:
    """The findings a note names (negated ones absent), its numbers, conflicts, and the case."""
    parsed = core.parse(engine, body.note, setting=body.setting)
    audit_alone(runtime, caller, action="parse", status=200)
    return parsed.model_dump(mode="json")
