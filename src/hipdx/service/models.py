"""Request and response bodies of the API. They wrap the engine's own types (`Case`,
`Assessment`, `ParsedCase`, `Condition`, `Finding`) and are separate from the tables."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from hipdx._types import Asker, Setting, Sex, TriageLevel
from hipdx.inference.assessment import Assessment
from hipdx.inference.case import Case
from hipdx.kb.schema import Finding, FindingGroup

#: The longest note accepted (the same as a case's ``text``).
MAX_NOTE_CHARS = 100_000
#: An assessment's or interview's id: 32 hexadecimal digits.
ID_PATTERN = r"^[0-9a-f]{32}$"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AssessRequest(_Body):
    """A structured case, or a clinical note to read first (one of the two)."""

    case: Case | None = None
    note: str | None = Field(default=None, min_length=1, max_length=MAX_NOTE_CHARS)
    setting: Setting = Field(
        default=Setting.PRIMARY_CARE, description="The care setting of a note."
    )

    @model_validator(mode="after")
    def _one_input(self) -> AssessRequest:
        if (self.case is None) == (self.note is None):
            raise ValueError("give either 'case' or 'note' (one of them, not both)")
        return self


class ParseRequest(_Body):
    """A clinical note to read into findings."""

    note: str = Field(min_length=1, max_length=MAX_NOTE_CHARS)
    setting: Setting = Setting.PRIMARY_CARE


class AssessmentRecord(BaseModel):
    """A saved assessment: its id, when, from what kind of input, and the result document."""

    id: str = Field(pattern=ID_PATTERN)
    created: datetime
    source: Literal["case", "note", "interview"]
    assessment: Assessment


class StartInterview(_Body):
    """Who answers, where, and the intake: age, sex, where it hurts (all optional)."""

    asker: Asker = Asker.PATIENT
    setting: Setting = Setting.PRIMARY_CARE
    budget: int | None = Field(default=None, ge=1, le=500, description="Most questions asked.")
    age: float | None = Field(default=None, ge=0, le=120)
    sex: Sex | None = None
    regions: list[str] | None = Field(
        default=None,
        max_length=50,
        description="The pain regions chosen (finding ids); the others are then absent.",
    )
    side: Literal["left", "right", "both"] | None = None


class InterviewAnswer(_Body):
    """The answer to the question being asked: true or false for a yes/no question, the chosen
    option's finding id for a choice, null for don't know."""

    question: str = Field(min_length=1, max_length=100)
    answer: StrictBool | Annotated[str, Field(max_length=100)] | None


class InterviewRecord(BaseModel):
    """A saved interview: where it stands (the question with why it is asked, or why it
    stopped; triage, red flags, the leading conditions) and, once ended, its assessment."""

    id: str = Field(pattern=ID_PATTERN)
    status: Literal["open", "finished"]
    created: datetime
    updated: datetime
    answers: int = Field(ge=0, description="Answers and take-backs recorded so far.")
    assessment_id: str | None
    interview: dict[str, Any]


class ConditionSummary(BaseModel):
    id: str
    name: str
    category: str
    icd10cm: str
    urgency: TriageLevel
    must_not_miss: bool


class FindingList(BaseModel):
    """The findings an asker can answer, and the exclusive questions made of them."""

    asker: Asker
    findings: list[Finding]
    groups: list[FindingGroup]


class Health(BaseModel):
    status: Literal["ok"]
    hipdx_version: str
    kb_version: str
    schema_revision: str
    database: Literal["sqlite", "postgresql"]
