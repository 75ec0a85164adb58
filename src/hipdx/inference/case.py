"""What is known about one patient: demographics, care setting and answered findings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationError,
)

from hipdx._types import Setting, Sex
from hipdx.exceptions import InvalidCaseError
from hipdx.issues import Issue, error

#: A finding's answer: present / absent, or a measured number.
Answer = StrictBool | StrictInt | StrictFloat


class Case(BaseModel):
    """The input of an assessment, as it arrives from JSON, a form or the interview."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    age: float | None = Field(default=None, ge=0, le=120)
    sex: Sex | None = None
    setting: Setting = Setting.PRIMARY_CARE
    findings: dict[str, Answer] = Field(default_factory=dict, max_length=2000)
    text: str | None = Field(default=None, max_length=100_000)


def case_from(raw: Case | Mapping[str, Any] | object) -> Case:
    """``raw`` (a case, or a mapping as it arrives from JSON or a form) as a valid `Case`;
    raises `InvalidCaseError` naming each problem where it is (``findings.groin_pain``)."""
    if isinstance(raw, Case):
        return raw
    if not isinstance(raw, Mapping):
        kind = type(raw).__name__
        raise InvalidCaseError(
            "not a valid case",
            [error("case", f"expected an object, got {kind}", "give a JSON object")],
        )
    try:
        return Case.model_validate(raw)
    except ValidationError as exc:
        raise InvalidCaseError("not a valid case", validation_issues(exc)) from None


def validation_issues(exc: ValidationError) -> list[Issue]:
    """One issue per problem pydantic found, located by its path in the input."""
    return [error(".".join(str(p) for p in e["loc"]) or "case", e["msg"]) for e in exc.errors()]
