"""What is known about one patient: demographics, care setting and answered findings."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt

from hipdx._types import Setting, Sex

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
