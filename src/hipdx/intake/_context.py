"""Reading one match in its context: status (negated, historical, ...), the examiner's explicit
result, and the side. The words come from ``knowledge/language/context_words.yaml``."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from hipdx.intake._models import Side, Span, Status
from hipdx.kb.language import ContextWords, read_resource
from hipdx.kb.loader import packaged_language

__all__ = [
    "ContextWords",
    "context_words",
    "examiner_result",
    "inner_negation",
    "side_of",
    "status_of",
]

#: How many tokens away an examiner's result word may be ("FADIR was negative").
_RESULT_REACH = 3
#: Marks that list tests ("negative SLR, FABER/FADIR"): not a clause break before another test.
_LIST_MARKS = frozenset({",", "/"})
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

_PAST_FIRST = tuple(sorted(_CATEGORIES, key=lambda pair: pair[0] != "HISTORICAL"))


@lru_cache(maxsize=1)
def context_words() -> ContextWords:
    return read_resource(packaged_language(), "context_words.yaml", ContextWords)


def status_of(
    span: Any, targets: Sequence[tuple[int, int]], *, past_over_negation: bool = False
) -> tuple[Status, Span | None]:
    """The ConText status of a matched span and the trigger that set it. A trigger inside a
    matched span ("can't bear weight", or "improves with exercise but not with rest" before
    "naproxen helps") is part of that finding's wording, not context for any finding; a trigger
    cut off from the span by a terminating modifier does not reach it (see `_cut_off`).
    ``targets`` are the token ranges of every matched span of the document (computed once).
    ``past_over_negation``: a denied past ("did not have a history of back pain", "denied prior
    groin pain") says nothing about now, so the history decides (for pains and symptoms; a denied
    history of trauma or cancer is still their absence)."""
    modifiers = list(span.doc._.context_graph.modifiers)
    order = _PAST_FIRST if past_over_negation else _CATEGORIES
    for category, status in order:
        for modifier in span._.modifiers:
            start, end = modifier.modifier_span
            if modifier.category != category or any(
                t_start <= start < end <= t_end for t_start, t_end in targets
            ):
                continue
            if _cut_off(modifier, span, modifiers):
                continue
            trigger = span.doc[start:end]
            return status, Span.of_tokens(trigger)
    return Status.PRESENT, None


def _cut_off(modifier: Any, span: Any, modifiers: list[Any]) -> bool:
    """Whether a terminating modifier (direction TERMINATE, or a category the rule names in
    ``terminated_by``) lies between the trigger and the span. medspaCy means to cut scopes so,
    but its overlap test misses a terminator whose scope contains the trigger's (narrowed)
    scope: in "NAAT was positive for chlamydia, and a pregnancy test was negative", "and a"
    did not stop "was negative" from reaching "positive for chlamydia"."""
    start, end = modifier.modifier_span
    ends = modifier.rule.terminated_by
    for other in modifiers:
        if other is modifier or not (
            other.direction.upper() == "TERMINATE" or other.category in ends
        ):
            continue
        o_start, o_end = other.modifier_span
        if (end <= o_start and o_end <= span.start) or (span.end <= o_start and o_end <= start):
            return True
    return False


def inner_negation(span: Any, words: ContextWords) -> Span | None:
    """A negation inside the matched phrase itself: a word that states absence ("afebrile",
    "neurologically intact", "urinalysis was unremarkable"), or a negation after the phrase's
    copula ("the greater trochanter was not tender", "... was non-tender", "... nontender")."""
    after_copula = False
    for token in span:
        lower = token.lower_
        if lower in words.absent_words:
            return Span.of_tokens(token)
        if after_copula and (
            lower in words.copula_negations or (lower.startswith("non") and len(lower) > 5)
        ):
            return Span.of_tokens(token)
        after_copula = after_copula or lower in words.copulas
    return None


def examiner_result(
    span: Any, words: ContextWords, tests: frozenset[int] = frozenset()
) -> tuple[bool, Span] | None:
    """The nearest result word in the span's clause: (positive?, the word), or None. Filler
    words ("test", "the", "were", "and") and other tests named on the way (token indices in
    ``tests``, reached through fillers only) do not count towards the distance, so one result
    word serves coordinated tests:
    "FABER and FADIR were negative", "the FAIR test and the seated piriformis stretch test were
    positive". Clause breaks in ``result_passes`` are read across after the test, like fillers
    ("FABER: negative", "urine pregnancy test: negative")."""
    sentence = span.sent
    best: tuple[int, bool, Any] | None = None
    results = words.positive | words.negative

    def listed(index: int, step: int) -> bool:
        """A test next, or one word and then a result word (a test the knowledge base does not
        name, listed first: "negative Stinchfield, SLR, FABER")."""
        after = index + 2 * step
        return index + step in tests or (
            sentence.start <= after < sentence.end and span.doc[after].lower_ in results
        )

    for step in (-1, 1):
        index = span.start - 1 if step < 0 else span.end
        passes = words.result_passes if step > 0 else frozenset()
        distance = 1
        while sentence.start <= index < sentence.end and distance <= _RESULT_REACH:
            token = span.doc[index]
            lower = token.lower_
            in_list = lower in _LIST_MARKS and listed(index, step)
            if lower in words.clause_breaks and lower not in passes and not in_list:
                break
            if lower in words.positive or lower in words.negative:
                if best is None or distance < best[0]:
                    best = (distance, lower in words.positive, token)
                break
            if index in tests and distance > 1:
                break  # another test, not coordinated with this one: its result is its own
            index += step
            if (
                lower not in words.result_fillers | passes
                and index - step not in tests
                and not in_list
            ):
                distance += 1  # a comma or slash before another test lists it ("SLR, FABER/FADIR")
    if best is None:
        return None
    return best[1], Span.of_tokens(best[2])


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
