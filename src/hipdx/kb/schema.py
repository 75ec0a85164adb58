"""The knowledge-base file format: pydantic models that reject unknown keys.

A knowledge file is a YAML mapping whose keys are the lists below; any file may hold any list,
so knowledge can be split by region or by kind. Numbers carry their provenance: a reference id and
a grade, or the grade ``expert-estimate`` with a note that says why.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hipdx._types import (
    Asker,
    Grade,
    Identifier,
    LikelihoodRatio,
    OpenProbability,
    ReferenceKey,
    Setting,
    Sex,
    TriageLevel,
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Provenance(_Model):
    """Where a number comes from."""

    ref: ReferenceKey | None = None
    grade: Grade
    note: str = ""


class NumberSource(_Model):
    """Where one number of an evidence row comes from, when its two numbers have different
    sources: a study that measured the sensitivity in confirmed cases, say, beside a specificity
    estimated against the presenting population (the KB's convention)."""

    ref: ReferenceKey | None = None
    grade: Grade
    note: str = ""


#: Evidence grades, strongest first.
GRADE_STRENGTH: tuple[Grade, ...] = tuple(Grade)


def weakest_grade(grades: list[Grade]) -> Grade:
    return max(grades, key=GRADE_STRENGTH.index)


class Reference(_Model):
    id: ReferenceKey
    citation: str = Field(min_length=10)
    year: int = Field(ge=1900, le=2100)
    doi: str | None = Field(default=None, pattern=r"^10\.\d{4,9}/\S+$")
    pmid: str | None = Field(default=None, pattern=r"^\d{1,9}$")
    url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    note: str = ""


class FindingKind(StrEnum):
    DEMOGRAPHIC = "demographic"
    REGION = "region"
    HISTORY = "history"
    SYMPTOM = "symptom"
    RISK_FACTOR = "risk_factor"
    EXAM = "exam"
    IMAGING = "imaging"
    LAB = "lab"


class Threshold(_Model):
    """Sets a boolean finding from a number: present inside the bounds, absent outside."""

    finding: Identifier
    above: float | None = None
    at_least: float | None = None
    below: float | None = None
    at_most: float | None = None

    @model_validator(mode="after")
    def _has_a_bound(self) -> Threshold:
        if self.above is not None and self.at_least is not None:
            raise ValueError("give 'above' or 'at_least', not both")
        if self.below is not None and self.at_most is not None:
            raise ValueError("give 'below' or 'at_most', not both")
        if self.lower is None and self.upper is None:
            raise ValueError("a threshold needs at least one bound")
        return self

    @property
    def lower(self) -> float | None:
        return self.above if self.above is not None else self.at_least

    @property
    def upper(self) -> float | None:
        return self.below if self.below is not None else self.at_most

    def contains(self, value: float) -> bool:
        if self.above is not None and not value > self.above:
            return False
        if self.at_least is not None and not value >= self.at_least:
            return False
        if self.below is not None and not value < self.below:
            return False
        return not (self.at_most is not None and not value <= self.at_most)


class NumericSpec(_Model):
    """A measured value (age, a distance, a lab result) and the boolean findings it sets."""

    unit: str
    plausible_min: float
    plausible_max: float
    derive: list[Threshold] = Field(min_length=1)


class AllOf(_Model):
    all: list[Rule] = Field(min_length=1)


class AnyOf(_Model):
    any: list[Rule] = Field(min_length=1)


class Absent(_Model):
    absent: Identifier


class AtLeast(_Model):
    at_least: int = Field(ge=1)
    of: list[Rule] = Field(min_length=1)


#: A rule over answered findings: a finding id (present), or a combination.
Rule = Annotated[Identifier | AllOf | AnyOf | Absent | AtLeast, Field(union_mode="left_to_right")]


class Finding(_Model):
    id: Identifier
    kind: FindingKind
    clinician: str = Field(min_length=3)
    lay: str = Field(min_length=3)
    asker: Asker
    synonyms: list[str] = []
    numeric: NumericSpec | None = None
    derived: Rule | None = None
    #: The pain regions its question presupposes ("Is the back pain so bad that..."): not asked
    #: when every one of them has been denied, unless a red flag needs it.
    regions: list[Identifier] = []
    #: Findings that each name a part of what this vaguer one names ("hip pain": groin, front,
    #: side or back of the hip). Where a part is known this one adds nothing: the reader drops it
    #: when a part is affirmed, the interview does not ask it once a part is answered, and the
    #: region picker offers the parts instead.
    parts: list[Identifier] = []
    note: str = ""


class FindingGroup(_Model):
    """Mutually exclusive, exhaustive answers to one question (exactly one member is present)."""

    id: Identifier
    clinician: str = Field(min_length=3)
    lay: str = Field(min_length=3)
    members: list[Identifier] = Field(min_length=2)


class Applicability(_Model):
    sex: Sex | None = None
    age_min: float | None = Field(default=None, ge=0)
    age_max: float | None = Field(default=None, ge=0)


class Prior(Provenance):
    value: OpenProbability


class Management(_Model):
    first_line: list[str] = Field(min_length=1)
    refer_when: list[str] = Field(min_length=1)
    refer_to: list[str] = []
    massage: str = Field(min_length=3)


class EvidenceRow(Provenance):
    """How a finding behaves in a condition.

    ``sensitivity`` is P(present | condition); ``specificity`` is 1 - P(present | other
    conditions). Either both, or likelihood ratios (``lr_pos`` and/or ``lr_neg``).

    The row's ``ref`` and ``grade`` cover both numbers. When the two numbers come from different
    places, ``sensitivity_source`` and ``specificity_source`` give each its own provenance; the
    row's ``grade`` is then the weaker of the two (what every summary of the row reports).
    """

    finding: Identifier
    sensitivity: OpenProbability | None = None
    specificity: OpenProbability | None = None
    lr_pos: LikelihoodRatio | None = None
    lr_neg: LikelihoodRatio | None = None
    range: str = ""
    population: str = ""
    sensitivity_source: NumberSource | None = None
    specificity_source: NumberSource | None = None

    @model_validator(mode="after")
    def _one_form(self) -> EvidenceRow:
        has_probabilities = self.sensitivity is not None or self.specificity is not None
        has_ratios = self.lr_pos is not None or self.lr_neg is not None
        if has_probabilities and has_ratios:
            raise ValueError("give sensitivity/specificity or lr_pos/lr_neg, not both")
        if has_probabilities and (self.sensitivity is None or self.specificity is None):
            raise ValueError("sensitivity and specificity go together")
        if not has_probabilities and not has_ratios:
            raise ValueError("an evidence row needs sensitivity/specificity or lr_pos/lr_neg")
        sources = (self.sensitivity_source, self.specificity_source)
        if any(s is not None for s in sources):
            if not has_probabilities:
                raise ValueError("number sources go with sensitivity/specificity rows only")
            if self.sensitivity_source is None or self.specificity_source is None:
                raise ValueError("give both sensitivity_source and specificity_source, or neither")
            weaker = weakest_grade([self.sensitivity_source.grade, self.specificity_source.grade])
            if self.grade is not weaker:
                raise ValueError(
                    f"the row's grade must be the weaker of its numbers' grades ('{weaker.value}')"
                )
        return self

    def number_grades(self) -> tuple[Grade, Grade]:
        """The grades of the row's two numbers (sensitivity or LR+, specificity or LR-)."""
        if self.sensitivity_source is not None and self.specificity_source is not None:
            return self.sensitivity_source.grade, self.specificity_source.grade
        return self.grade, self.grade

    @property
    def is_probabilistic(self) -> bool:
        return self.sensitivity is not None


class Condition(_Model):
    id: Identifier
    name: str = Field(min_length=3)
    #: a short lay name ("hip arthritis"); missing only in test fixtures (kb check warns)
    plain_name: str | None = Field(default=None, min_length=3)
    synonyms: list[str] = []
    icd10cm: str
    snomed: str | None = Field(default=None, pattern=r"^\d{6,18}$")
    category: str
    urgency: TriageLevel
    must_not_miss: bool
    applies: Applicability = Applicability()
    priors: dict[Setting, Prior]
    summary: str = Field(min_length=20)
    plain_summary: str = Field(min_length=20)
    management: Management
    references: list[ReferenceKey] = []
    evidence: list[EvidenceRow] = []


class RedFlag(Provenance):
    id: Identifier
    name: str = Field(min_length=3)
    level: TriageLevel
    when: Rule
    suggests: list[Identifier] = []
    advice: str = Field(min_length=3)


class LevelThreshold(Provenance):
    level: TriageLevel
    mass: OpenProbability


class OtherCause(_Model):
    name: str
    plain_name: str
    priors: dict[Setting, Prior]


class UnlinkedFindings(Provenance):
    """How a finding of these kinds counts for a condition that has no evidence row for it.

    The knowledge base links each condition to the findings its descriptions name; a finding it
    does not link is taken to occur in that condition at ``rate_ratio`` times the finding's rate
    among other presenters (the median comparator rate of the finding's rows). 1 makes unlinked
    findings neutral (LR 1). Risk factors and demographics are not caused by a condition, so a
    missing link says nothing about them; leave them out of ``kinds``. Findings a red-flag rule
    mentions always stay neutral where unlinked: rules, not rows, make them count. So does a
    finding more common among presenters than ``max_comparator_rate``: a test positive in most
    presenters is linked only where it discriminates, and its absence would otherwise raise every
    unlinked condition by (1 - rate_ratio x rate) / (1 - rate), about 4 at a rate of 0.8.
    """

    rate_ratio: float = Field(gt=0.0, le=1.0)
    kinds: list[FindingKind] = Field(min_length=1)
    max_comparator_rate: float = Field(default=1.0, gt=0.0, le=1.0)


class PriorWeight(Provenance):
    """How strongly the setting priors separate the conditions before any finding: each
    condition's prior is raised to ``value`` and the conditions are scaled back to their share
    (the other-cause share is kept). 1 takes the priors as written; below 1 the prior odds of a
    common against an uncommon condition shrink to that power of their ratio (0.5: a ratio of
    400 becomes 20)."""

    value: float = Field(gt=0.0, le=1.0)


class TriagePolicy(_Model):
    """How the posterior turns into a triage level (red flags are separate and only raise it),
    and the two numbers that shape the posterior itself: how much the priors weigh and how an
    unlinked finding counts."""

    base_mass: Prior
    must_not_miss_thresholds: list[LevelThreshold] = Field(min_length=1)
    other_cause: OtherCause
    unlinked_findings: UnlinkedFindings | None = None
    prior_weight: PriorWeight | None = None


class PolicyNumber(Provenance):
    """A non-negative tuning number of a policy (a weight, a gain in bits)."""

    value: float = Field(ge=0.0)


class PolicyCount(Provenance):
    value: int = Field(ge=1, le=500)


class OpeningOption(_Model):
    finding: Identifier
    lay: str = Field(min_length=3)  # a short label ("sitting for a while")


class OpeningChoice(Provenance):
    """The chief-complaint choice offered with the regions at the start: findings a patient may
    pick (what brings the pain on); the ones picked are present, the others stay unanswered."""

    question: str = Field(min_length=10)
    options: list[OpeningOption] = Field(min_length=2)

    @property
    def findings(self) -> list[str]:
        return [o.finding for o in self.options]


class Caution(Provenance):
    """Something not yet excluded that the assessment says and the interview asks: while
    ``when`` holds and none of ``unless_answered`` has an answer, the caution stands."""

    id: Identifier
    when: Rule
    unless_answered: list[Identifier] = Field(min_length=1)
    lay: str = Field(min_length=10)
    clinician: str = Field(min_length=10)


class InterviewPolicy(_Model):
    """How the adaptive interview chooses its questions and when it stops (docs/interview.md)."""

    must_not_miss_weight: PolicyNumber
    red_flag_weight: PolicyNumber
    leader_probability: Prior
    minimum_gain: PolicyNumber
    background_rate: Prior
    question_budget: PolicyCount
    safety_probability: Prior
    red_flag_finding_rate: Prior
    triage_rise_probability: Prior
    emergency_condition_weight: PolicyNumber
    urgent_condition_weight: PolicyNumber
    safety_reserve: PolicyCount
    unresolved_probability: Prior
    leading_three_probability: Prior | None = None
    opening: OpeningChoice | None = None
    region_labels: list[OpeningOption] = []  # short lay names for the region picker
    cautions: list[Caution] = []


class KnowledgeFile(_Model):
    references: list[Reference] = []
    findings: list[Finding] = []
    groups: list[FindingGroup] = []
    conditions: list[Condition] = []
    red_flags: list[RedFlag] = []
    triage: TriagePolicy | None = None
    interview: InterviewPolicy | None = None


AllOf.model_rebuild()
AnyOf.model_rebuild()
AtLeast.model_rebuild()
Finding.model_rebuild()
RedFlag.model_rebuild()
Caution.model_rebuild()
