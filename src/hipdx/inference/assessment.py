"""The result document of an assessment: input, metadata, results (immutable, range-checked).

Explanations are records (finding, answer, likelihood ratio, why, reference), never sentences;
interfaces render them. An assessment builds a condition's records only when its explanation is
read (`Explanation`), from arrays computed for every condition at once
(`hipdx.inference.explanation`); likewise a ranked condition is built when it is read
(`Differential`). Both validate, compare, pickle and serialise as plain tuples of records.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Generic, Protocol, TypeVar, overload

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler
from pydantic_core import core_schema

from hipdx._types import Grade, TriageLevel
from hipdx.inference.case import Case
from hipdx.issues import Issue

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
_Item = TypeVar("_Item")
_Item_co = TypeVar("_Item_co", covariant=True)

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


class ItemSource(Protocol[_Item_co]):
    """Where a lazily built sequence of records takes them from, one at a time or all at
    once (the same records)."""

    def __len__(self) -> int: ...

    def item(self, index: int) -> _Item_co: ...

    def items(self) -> tuple[_Item_co, ...]: ...


class RecordSequence(Generic[_Item]):
    """A read-only sequence of records that compares, hashes, pickles and serialises as their
    tuple. Given a source, it builds each record on first use (its length is known at once),
    so a result can hold many records and pay only for those that are read."""

    __slots__ = ("_built", "_items", "_source")
    #: The record type, for validation and serialisation (set by each subclass).
    item_type: ClassVar[type[BaseModel]]

    def __init__(self, items: Iterable[_Item] = (), *, source: ItemSource[_Item] | None = None):
        self._source = source
        self._items: tuple[_Item, ...] | None = tuple(items) if source is None else None
        self._built: list[_Item | None] = [None] * len(source) if source is not None else []

    def records(self) -> tuple[_Item, ...]:
        """Every record (built on the first call)."""
        if self._items is None:
            if self._source is not None and not any(self._built):
                self._items = self._source.items()
            else:
                self._items = tuple(self._get(i) for i in range(len(self._built)))
        return self._items

    def _get(self, index: int) -> _Item:
        built = self._built[index]
        if built is None:
            assert self._source is not None
            built = self._built[index] = self._source.item(index)
        return built

    def __len__(self) -> int:
        return len(self._items) if self._items is not None else len(self._built)

    @overload
    def __getitem__(self, item: int) -> _Item: ...
    @overload
    def __getitem__(self, item: slice) -> tuple[_Item, ...]: ...
    def __getitem__(self, item: int | slice) -> _Item | tuple[_Item, ...]:
        if self._items is not None:
            return self._items[item]
        if isinstance(item, slice):
            return tuple(self._get(i) for i in range(*item.indices(len(self._built))))
        return self._get(range(len(self._built))[item])

    def __iter__(self) -> Iterator[_Item]:
        return iter(self.records()) if self._items is not None else self._lazily()

    def _lazily(self) -> Iterator[_Item]:
        for index in range(len(self._built)):
            yield self._get(index)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RecordSequence):
            return self.records() == other.records()
        if isinstance(other, tuple):
            return self.records() == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.records())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.records()!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.records(),))

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        """Validated from a list of records (an instance is taken as it is); serialised as the
        tuple of records, so documents and JSON schemas are those of the tuple."""
        as_records = handler.generate_schema(tuple[cls.item_type, ...])  # type: ignore[name-defined]
        from_records = core_schema.no_info_after_validator_function(cls, as_records)
        return core_schema.json_or_python_schema(
            json_schema=from_records,
            python_schema=core_schema.union_schema(
                [core_schema.is_instance_schema(cls), from_records], mode="left_to_right"
            ),
            serialization=core_schema.plain_serializer_function_ser_schema(
                cls.records, return_schema=as_records
            ),
        )


class Explanation(RecordSequence[Contribution]):
    """A condition's contributions, strongest first."""

    __slots__ = ()
    item_type = Contribution


class RankedCondition(_Record):
    condition: str
    name: str
    rank: int = Field(ge=1)
    pretest_probability: Probability
    probability: Probability
    must_not_miss: bool
    urgency: TriageLevel
    explanation: Explanation

    @property
    def raised_by(self) -> tuple[Contribution, ...]:
        return tuple(c for c in self.explanation if c.log_lr > 0)

    @property
    def lowered_by(self) -> tuple[Contribution, ...]:
        return tuple(c for c in self.explanation if c.log_lr < 0)


class Differential(RecordSequence[RankedCondition]):
    """The possible conditions, most probable first."""

    __slots__ = ()
    item_type = RankedCondition


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
    differential: Differential
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
    def differential(self) -> Differential:
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
