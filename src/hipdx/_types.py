"""Named types shared by every layer: ids, probabilities, and the closed vocabularies."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, NewType

from pydantic import Field

ConditionId = NewType("ConditionId", str)
FindingId = NewType("FindingId", str)
ReferenceId = NewType("ReferenceId", str)
RedFlagId = NewType("RedFlagId", str)

#: A probability strictly between 0 and 1 (0 and 1 would make a likelihood ratio infinite).
OpenProbability = Annotated[float, Field(gt=0.0, lt=1.0)]
#: A likelihood ratio: any positive number.
LikelihoodRatio = Annotated[float, Field(gt=0.0)]

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=80)]
ReferenceKey = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.\-]*$", max_length=80)]


class Grade(StrEnum):
    """How strong the evidence behind a number is."""

    META_ANALYSIS = "meta-analysis"
    STUDY = "study"
    GUIDELINE = "guideline"
    EXPERT_ESTIMATE = "expert-estimate"


class Setting(StrEnum):
    """The care setting a patient presents in; each has its own priors."""

    PRIMARY_CARE = "primary_care"
    SPORTS = "sports"
    EMERGENCY = "emergency"


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"


class TriageLevel(StrEnum):
    """How soon the patient should be seen, most urgent first."""

    EMERGENCY = "emergency"
    URGENT = "urgent"
    SOON = "soon"
    ROUTINE = "routine"
    SELF_CARE = "self_care"

    @property
    def rank(self) -> int:
        """0 for self care up to 4 for emergency: larger is more urgent."""
        return _TRIAGE_ORDER.index(self)

    @classmethod
    def most_urgent(cls, *levels: TriageLevel) -> TriageLevel:
        return max(levels, key=lambda level: level.rank)


_TRIAGE_ORDER = [
    TriageLevel.SELF_CARE,
    TriageLevel.ROUTINE,
    TriageLevel.SOON,
    TriageLevel.URGENT,
    TriageLevel.EMERGENCY,
]


class Asker(StrEnum):
    """Who answers a question: each can answer everything the ones before it can."""

    PATIENT = "patient"
    CLINICIAN = "clinician"
    CLINICIAN_WITH_IMAGING = "clinician_with_imaging"

    def can_answer(self, needed: Asker) -> bool:
        order = list(Asker)
        return order.index(self) >= order.index(needed)
