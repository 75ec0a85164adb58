"""What intake returns: mentions with their spans and context, numbers, conflicts, the case."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hipdx.inference.case import Case
from hipdx.issues import Issue
from hipdx.kb.language import Side as Side  # re-exported: a mention's side
from hipdx.kb.schema import FindingKind


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Status(StrEnum):
    """What the text says about a finding at one place."""

    PRESENT = "present"
    ABSENT = "absent"  # negated: "denies fever", "FADIR was negative"
    HISTORICAL = "historical"  # in the past, not now: "history of sciatica"
    HYPOTHETICAL = "hypothetical"  # "return if fever develops"
    FAMILY = "family"  # "mother had a hip replacement"
    UNCERTAIN = "uncertain"  # "possible labral tear"


class Span(_Record):
    """A stretch of the input text: ``text[start:end]``."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str

    @classmethod
    def within(cls, text: str, start: int, end: int) -> Span:
        """``text[start:end]``."""
        return cls(start=start, end=end, text=text[start:end])

    @classmethod
    def of_tokens(cls, tokens: Any) -> Span:
        """The stretch a spaCy span or token covers (``doc.text`` is rebuilt on every access,
        so the characters are taken from the tokens themselves)."""
        start = tokens.idx if hasattr(tokens, "idx") else tokens.start_char
        return cls(start=start, end=start + len(tokens.text), text=tokens.text)


class Mention(_Record):
    """One place where the text names a finding, and what it says about it."""

    finding: str
    kind: FindingKind
    span: Span
    status: Status
    trigger: Span | None = None  # the words that negated or otherwise modified it
    side: Side | None = None
    test_result: bool = False  # an examiner's explicit result ("positive FABER")
    used: bool = False  # whether it set the finding in the case


class Measurement(_Record):
    """A number with its unit, mapped onto a numeric finding in the KB's unit."""

    finding: str
    value: float
    unit: str
    span: Span
    cue: Span | None = None  # the words that tied the number to the finding
    used: bool = False
    # A number written without its unit: its value in each other unit that converts to the
    # finding's and stays plausible ("CRP 9.5" is 9.5 mg/L, or 95 if it was mg/dL)
    alternatives: tuple[float, ...] = ()


class Conflict(_Record):
    """A finding said both ways; ``rule`` names how it was decided (see docs/intake.md)."""

    finding: str
    decided: bool | None  # None: left unanswered
    rule: str
    spans: tuple[Span, ...]


class ParsedCase(_Record):
    """The text, everything found in it, and the case built from it."""

    text: str
    case: Case
    mentions: tuple[Mention, ...]
    measurements: tuple[Measurement, ...]
    conflicts: tuple[Conflict, ...]
    # sentences that named no finding and no measurement, and pain phrases that named no finding
    # ("hip pain")
    unmapped: tuple[Span, ...]
    issues: tuple[Issue, ...]
    # clauses with a clinical word that set no finding and no number, inside understood
    # sentences too ("no swelling" in "Sudden onset, no swelling, no history of trauma")
    not_understood: tuple[Span, ...] = ()
