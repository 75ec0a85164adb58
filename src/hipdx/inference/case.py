"""What is known about one patient: demographics, care setting and answered findings.

`case_from` is the one validation layer for case input: the Python API, the CLI and the REST
service all pass what they receive through it, so a bad case gets the same message everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from hipdx._types import Setting, Sex
from hipdx.exceptions import InvalidCaseError
from hipdx.issues import Issue, error, shorten

#: The longest note accepted, in characters (intake refuses longer text the same way).
MAX_TEXT_CHARS = 100_000
#: The most findings one case may answer.
MAX_FINDINGS = 2000
#: The oldest age accepted, in years.
MAX_AGE = 120


def _kind(value: object) -> str:
    """How JSON would name the type of ``value``."""
    kinds = {str: "a string", list: "a list", tuple: "a list", dict: "an object"}
    if value is None or isinstance(value, bool):
        return "null" if value is None else str(value).lower()
    return next((name for t, name in kinds.items() if isinstance(value, t)), type(value).__name__)


def _finite(value: int | float) -> float:
    """``value`` as a finite float, or a validation error saying why it is not one."""
    try:
        number = float(value)
    except OverflowError:
        raise PydanticCustomError(
            "number_too_large", "the number is too large (over 1e308)"
        ) from None
    if not math.isfinite(number):
        raise PydanticCustomError(
            "number_not_finite", "give a finite number, not {value}", {"value": str(number)}
        )
    return number


def _answer(value: object) -> bool | int | float:
    """A finding's answer: true, false or a finite number (never a string, null or a list)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        _finite(value)
        return value
    raise PydanticCustomError(
        "answer_type", "give true, false or a number, not {kind}", {"kind": _kind(value)}
    )


def _age(value: object) -> float:
    """The age in years: a finite number from 0 to `MAX_AGE` (not true/false, not a string)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError(
            "age_type", "give the age as a number of years, not {kind}", {"kind": _kind(value)}
        )
    age = _finite(value)
    if not 0 <= age <= MAX_AGE:
        raise PydanticCustomError(
            "age_range",
            "give an age from 0 to {most} years, not {age}",
            {"most": MAX_AGE, "age": shorten(f"{age:g}", 20)},
        )
    return age


#: A finding's answer: present / absent, or a measured number (finite; strings are refused).
Answer = Annotated[
    bool | int | float,
    PlainValidator(_answer),
    WithJsonSchema({"anyOf": [{"type": "boolean"}, {"type": "number"}]}),
]
#: An age in years, 0 to 120 (true/false and strings are refused).
Age = Annotated[
    float,
    PlainValidator(_age),
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": MAX_AGE}),
]


class Case(BaseModel):
    """The input of an assessment, as it arrives from JSON, a form or the interview."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    age: Age | None = None
    sex: Sex | None = None
    setting: Setting = Setting.PRIMARY_CARE
    findings: dict[str, Answer] = Field(default_factory=dict, max_length=MAX_FINDINGS)
    text: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)


def case_from(raw: Case | Mapping[str, Any] | object) -> Case:
    """``raw`` (a case, or a mapping as it arrives from JSON or a form) as a valid `Case`;
    raises `InvalidCaseError` naming each problem where it is (``findings.groin_pain``)."""
    if isinstance(raw, Case):
        return raw
    if not isinstance(raw, Mapping):
        raise InvalidCaseError(
            "not a valid case",
            [error("case", f"expected an object, got {_kind(raw)}", "give a JSON object")],
        )
    try:
        return Case.model_validate(raw)
    except ValidationError as exc:
        raise InvalidCaseError("not a valid case", validation_issues(exc)) from None
    except RecursionError:
        raise InvalidCaseError(
            "not a valid case", [error("case", "nested too deeply to read")]
        ) from None


def validation_issues(exc: ValidationError) -> list[Issue]:
    """One issue per problem pydantic found, located by its path in the input (each part of
    the path shortened, so that a huge key is not echoed whole)."""
    return [
        error(".".join(shorten(str(p)) for p in e["loc"]) or "case", e["msg"])
        for e in exc.errors(include_url=False, include_input=False)
    ]
