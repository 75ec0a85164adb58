"""Reading one match in its context: status (negated, historical, ...), the examiner's explicit
result, and the side. The words come from ``resources/test_results.yaml``."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from hipdx.intake._models import Side, Span, Status

#: How many tokens away an examiner's result word may be ("FADIR was negative").
_RESULT_REACH = 3
#: How many tokens away a side word may be ("left hip pain", "pain in the right groin").
_SIDE_REACH = 4
#: ConText category -> status, in order of precedence.
_CATEGORIES = (
    ("FAMILY", Status.FAMILY),
    ("HYPOTHETICAL", Status.HYPOTHETICAL),
    ("NEGATED_EXISTENCE", Status.ABSENT),
    ("HISTORICAL", Status.HISTORICAL),
    ("POSSIBLE_EXISTENCE", Status.UNCERTAIN),
)


class ContextWords(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    positive: frozenset[str]
    negative: frozenset[str]
    clause_breaks: frozenset[str]
    sides: dict[Side, frozenset[str]]
    strip_prefixes: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def context_words() -> ContextWords:
    data = resources.files("hipdx.intake").joinpath("resources/test_results.yaml").read_text()
    return ContextWords.model_validate(yaml.safe_load(data))


def status_of(span: Any) -> tuple[Status, Span | None]:
    """The ConText status of a matched span and the trigger that set it. A trigger inside the
    span itself ("can't bear weight") is part of the finding, not context."""
    for category, status in _CATEGORIES:
        for modifier in span._.modifiers:
            start, end = modifier.modifier_span
            if modifier.category == category and not span.start <= start < end <= span.end:
                trigger = span.doc[start:end]
                return status, Span(
                    start=trigger.start_char, end=trigger.end_char, text=trigger.text
                )
    return Status.PRESENT, None


def examiner_result(span: Any, words: ContextWords) -> tuple[bool, Span] | None:
    """The nearest result word in the span's clause: (positive?, the word), or None."""
    sentence = span.sent
    best: tuple[int, bool, Any] | None = None
    for step in (-1, 1):
        index = span.start - 1 if step < 0 else span.end
        distance = 1
        while sentence.start <= index < sentence.end and distance <= _RESULT_REACH:
            token = span.doc[index]
            lower = token.lower_
            if lower in words.clause_breaks:
                break
            if lower in words.positive or lower in words.negative:
                if best is None or distance < best[0]:
                    best = (distance, lower in words.positive, token)
                break
            index += step
            distance += 1
    if best is None:
        return None
    token = best[2]
    return best[1], Span(start=token.idx, end=token.idx + len(token.text), text=token.text)


def side_of(span: Any, words: ContextWords) -> Side | None:
    """The side named nearest the span, within a few tokens and the same sentence."""
    sentence = span.sent
    best: tuple[int, Side] | None = None
    lo = max(sentence.start, span.start - _SIDE_REACH)
    hi = min(sentence.end, span.end + _SIDE_REACH)
    for index in range(lo, hi):
        lower = span.doc[index].lower_
        for side, spellings in words.sides.items():
            if lower in spellings:
                distance = span.start - index if index < span.start else index - span.end + 1
                if best is None or distance < best[0]:
                    best = (distance, side)
    return None if best is None else best[1]
