"""The result document of an assessment: input, metadata, results (immutable, range-checked).

Explanations are records (finding, answer, likelihood ratio, why, reference), never sentences;
interfaces render them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from hipdx._types import Grade, TriageLevel
from hipdx.inference.case import Case
from hipdx.issues import Issue

Probability = Annotated[float, Field(ge=0.0, le=1.0)]

DISCLAIMER = (
    "hipdx is decision support, not a diagnosis. It does not replace an examination by a "
    "qualified clinician. If you are worried, or your symptoms get worse, seek care."
)


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ContributionKind(StrEnum):
    """Why a likelihood ratio applies (the match type)."""

    PRESENT = "present"  # the finding is present: LR+
    ABSENT = "absent"  # the finding is absent: LR-
    ANSWER = "answer"  # the answer of an exclusive question, with its own evidence row
    ANSWER_BY_COMPLEMENT = "answer_by_complement"  # an answer with no row: what the rows leave
    ANSWERS_RULED_OUT = "answers_ruled_out"  # only "no" to some answers of a question
    UNLINKED_PRESENT = "unlinked_present"  # present, but no row links it to this condition
    UNLINKED_ABSENT = "unlinked_absent"  # absent, and no row links it to this condition


class Contribution(_Record):
    finding: str
    question: str | None = None
    kind: ContributionKind
    log_lr: float
    likelihood_ratio: float = Field(gt=0.0)
    references: tuple[str, ...] = ()
    grade: Grade | None = None


class RankedCondition(_Record):
    condition: str
    name: str
    rank: int = Field(ge=1)
    pretest_probability: Probability
    probability: Probability
    must_not_miss: bool
    urgency: TriageLevel
    explanation: tuple[Contribution, ...]

    @property
    def raised_by(self) -> tuple[Contribution, ...]:
        return tuple(c for c in self.explanation if c.log_lr > 0)

    @property
    def lowered_by(self) -> tuple[Contribution, ...]:
        return tuple(c for c in self.explanation if c.log_lr < 0)


class FiredRedFlag(_Record):
    red_flag: str
    name: str
    level: TriageLevel
    advice: str
    suggests: tuple[str, ...]
    reference: str | None
    grade: Grade


class TriageReasonKind(StrEnum):
    RED_FLAG = "red_flag"
    MUST_NOT_MISS = "must_not_miss"
    POSTERIOR = "posterior"
    UNRESOLVED = "unresolved"  # the interview ended before a dangerous condition was settled


class TriageReason(_Record):
    kind: TriageReasonKind
    level: TriageLevel
    red_flag: str | None = None
    conditions: tuple[str, ...] = ()
    #: each named condition's own probability (for must-not-miss and unresolved reasons), so
    #: that the mass, the sum over every condition of that urgency, is not read as each one's
    probabilities: tuple[Probability, ...] = ()
    mass: Probability | None = None
    threshold: Probability | None = None


class Triage(_Record):
    level: TriageLevel
    reasons: tuple[TriageReason, ...]


class Metadata(_Record):
    hipdx_version: str
    kb_version: str
    created: str
    options: dict[str, str]


class Results(_Record):
    differential: tuple[RankedCondition, ...]
    other_cause_probability: Probability
    triage: Triage
    red_flags: tuple[FiredRedFlag, ...]
    must_not_miss: tuple[str, ...]
    warnings: tuple[Issue, ...]
    disclaimer: str = DISCLAIMER


class Assessment(_Record):
    input: Case
    metadata: Metadata
    results: Results

    @property
    def differential(self) -> tuple[RankedCondition, ...]:
        return self.results.differential

    @property
    def triage(self) -> Triage:
        return self.results.triage

    def rank_of(self, condition_id: str) -> int | None:
        """1-based rank of a condition, or None when it is impossible for this patient."""
        for ranked in self.results.differential:
            if ranked.condition == condition_id:
                return ranked.rank
        return None

    def document(self) -> dict[str, Any]:
        """The full three-part result document (input, metadata, results)."""
        return self.model_dump(mode="json")

    def machine_form(self) -> dict[str, Any]:
        """The compact form for scripts: kb_version, differential, triage, disclaimer."""
        return {
            "kb_version": self.metadata.kb_version,
            "differential": [
                {
                    "condition": r.condition,
                    "name": r.name,
                    "probability": r.probability,
                    "must_not_miss": r.must_not_miss,
                    "explanation": [c.model_dump(mode="json") for c in r.explanation],
                }
                for r in self.results.differential
            ],
            "triage": self.results.triage.model_dump(mode="json"),
            "other_cause_probability": self.results.other_cause_probability,
            "red_flags": [f.model_dump(mode="json") for f in self.results.red_flags],
            "disclaimer": self.results.disclaimer,
        }
