"""Pain regions beyond single matches: a match inside a longer one (kept for regions inside
regions and inside patient-reported pain findings), regions coordinated before one pain word
("perineal and suprapubic pain"), and pain phrases that name no region ("hip pain"), reported."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from typing import Any

from hipdx.intake._context import ContextWords, context_words, side_of
from hipdx.intake._lexicon import Lexicon
from hipdx.intake._models import Mention, Span, Status
from hipdx.kb.compiled import CompiledKB
from hipdx.kb.schema import FindingKind

#: Words that join coordinated regions before one pain word ("perineal and suprapubic pain").
_CONJUNCTIONS = frozenset({"and", "or", ",", "/", "&"})


class RegionReader:
    """Region rules over one knowledge base's lexicon (built once per `Parser`)."""

    def __init__(self, kb: CompiledKB, lexicon: Lexicon, nlp: Any, words: ContextWords) -> None:
        self._words = words
        #: Findings whose wording opens with a pain word ("Pain that began around the umbilicus
        #: and moved to the right lower quadrant"): a region named in their phrase is where the
        #: pain is.
        self._painful = frozenset(
            f.id
            for f in kb.knowledge.findings
            if f.kind.value in words.region_in_phrase_kinds
            and _first_word(f.clinician) in words.pain_words
        )
        #: The first word of each region's wording ("anterior" of "Anterior thigh pain").
        self._first_words = {
            f.id: _first_word(f.clinician)
            for f in kb.knowledge.findings
            if f.kind is FindingKind.REGION
        }
        self._regions = {
            _token_key(nlp, term.phrase): term.finding
            for term in lexicon.terms
            if kb.finding(term.finding).kind is FindingKind.REGION
        }

    def prune_contained(self, mentions: list[Mention]) -> list[Mention]:
        """Drop a match inside a longer match of another finding ("clicking" inside "clicking
        with range of motion"), and repeats of one finding at one place; keep text order.
        Regions are not exclusive, so a region inside a longer region stays ("flank" and "groin"
        inside "flank pain radiating to the groin"), unless the longer one only puts a word
        before it (side words aside) where the inner region's own wording has another ("posterior
        left thigh pain" is not "thigh pain", which the knowledge base words "Anterior thigh
        pain"; "lateral knee pain" is knee pain). A region affirmed inside a
        patient-reported pain finding stays too (`_region_in_phrase`), and so does an
        examination finding coordinated at the head of another (`_coordinated_head`)."""
        kept = []
        by_start = sorted(mentions, key=lambda m: m.span.start)
        starts = [m.span.start for m in by_start]
        longest = max((m.span.end - m.span.start for m in mentions), default=0)
        for mention in mentions:
            # only a match starting at most `longest` characters before can contain this one
            low = bisect.bisect_left(starts, mention.span.start - longest)
            high = bisect.bisect_right(starts, mention.span.start)
            inside = any(
                other is not mention
                and not _both_regions(other, mention, self._first_words)
                and not _region_in_phrase(other, mention, self._painful)
                and not _coordinated_head(other, mention)
                and not _coordinated_tail(other, mention)
                and mention.span.end <= other.span.end
                and (other.span.end - other.span.start) > (mention.span.end - mention.span.start)
                for other in by_start[low:high]
            )
            if not inside:
                kept.append(mention)
        unique = {(m.finding, m.span.start): m for m in kept}
        return sorted(unique.values(), key=lambda m: (m.span.start, m.span.end))

    def unmapped_pain(self, sentence: Any, covered: set[int]) -> list[Span]:
        """Pain phrases that name no finding, so that they are reported, not silently dropped:
        "hip pain" in "Right hip pain for 3 months" (the knowledge base has groin, lateral hip,
        buttock ... pain, but no generic hip pain). One or two words before a pain word, none of
        them a side, a determiner or a modifier (``pain_modifiers``), none in a mention (token
        indices in ``covered``)."""
        words = self._words
        skip = words.pain_modifiers | frozenset().union(*words.sides.values())
        found: list[Span] = []
        for token in sentence:
            if token.lower_ not in words.pain_words or token.i in covered:
                continue
            start = token.i
            while (
                start > max(sentence.start, token.i - 2)
                and sentence.doc[start - 1].is_alpha
                and sentence.doc[start - 1].lower_ not in skip
                and start - 1 not in covered
            ):
                start -= 1
            if start < token.i:
                phrase = sentence.doc[start : token.i + 1]
                found.append(Span.of_tokens(phrase))
        return found

    def coordinated(self, doc: Any, mentions: list[Mention]) -> list[Mention]:
        """Regions coordinated before one pain word: "perineal and suprapubic pain", "groin,
        buttock and lateral hip pain". Each word group before an "and" / "or" / comma that, with
        the head's pain word, is a region phrase ("perineal pain") is that region, with the
        head's status and its own side."""
        found: list[Mention] = []
        for head in mentions:
            span = doc.char_span(head.span.start, head.span.end, alignment_mode="expand")
            if head.kind is not FindingKind.REGION or span is None:
                continue
            if span[-1].lower_ not in self._words.pain_words:
                continue
            for start, end, finding in self._conjuncts(doc, span.start, span[-1].lower_):
                conjunct = doc[start:end]
                if any(
                    m.finding == finding and _overlaps(m.span, conjunct)
                    for m in (*mentions, *found)
                ):
                    continue
                found.append(
                    head.model_copy(
                        update={
                            "finding": finding,
                            "span": Span.of_tokens(conjunct),
                            "side": side_of(conjunct, self._words),
                        }
                    )
                )
        return found

    def _conjuncts(self, doc: Any, head: int, pain: str) -> Iterator[tuple[int, int, str]]:
        """(start, end, region) of each conjunct before token ``head`` in its sentence, nearest
        first, while each, with the ``pain`` word, is a region phrase."""
        sides = {w for spelled in self._words.sides.values() for w in spelled}
        while not doc[head].is_sent_start:
            end = head
            while not doc[end].is_sent_start and doc[end - 1].lower_ in sides:
                end -= 1  # "low back and left hip pain"
            side_words = head - end
            while not doc[end].is_sent_start and doc[end - 1].lower_ in _CONJUNCTIONS:
                end -= 1
            if end == head - side_words or doc[end].is_sent_start:
                return
            match = next(
                (
                    (end - size, self._regions[key])
                    for size in (3, 2, 1)
                    if end - size >= 0
                    and not any(doc[i].is_sent_start for i in range(end - size + 1, end))
                    and (key := _words_key(doc[end - size : end], pain)) in self._regions
                ),
                None,
            )
            if match is None:
                return
            head, finding = match
            yield head, end, finding


def _both_regions(outer: Mention, inner: Mention, first_words: dict[str, str]) -> bool:
    """Two regions, the outer not just one word put before the inner where the inner region's
    wording opens with another word ("posterior thigh pain" is not "thigh pain", the knowledge
    base's "Anterior thigh pain"; "lateral knee pain" is "Knee pain"). Side words do not count:
    both buttocks are buttocks, and "posterior left thigh pain" is "posterior thigh pain"."""
    if outer.kind is not FindingKind.REGION or inner.kind is not FindingKind.REGION:
        return False
    sides = context_words().sides.values()
    head = outer.span.text[: len(outer.span.text) - len(inner.span.text)].split()
    words = [w for w in head if not any(w.lower() in side for side in sides)]
    if outer.span.end != inner.span.end or len(words) != 1:
        return True
    return first_words.get(inner.finding, "") in re.findall(r"[a-z]+", inner.span.text.lower())


def _coordinated_head(outer: Mention, inner: Mention) -> bool:
    """An examination, laboratory or symptom finding that opens a longer one of another of its
    kind and is coordinated with the rest ("decreased abduction and internal rotation":
    restricted abduction as well as restricted internal rotation; "elevated ESR and CRP";
    "vaginal discharge or bleeding": discharge as well as bleeding)."""
    rest = outer.span.text[len(inner.span.text) :].lower()
    return (
        outer.kind in (FindingKind.EXAM, FindingKind.LAB, FindingKind.SYMPTOM)
        and inner.kind is outer.kind
        and outer.span.start == inner.span.start
        and outer.finding != inner.finding
        and rest.startswith((" and ", ", ", " or "))
    )


def _coordinated_tail(outer: Mention, inner: Mention) -> bool:
    """A laboratory finding that closes a longer one of another laboratory finding, joined to it
    by "and" ("CRP and ESR were elevated": a raised ESR as well as a raised CRP)."""
    head = outer.span.text[: inner.span.start - outer.span.start].lower()
    return (
        outer.kind is FindingKind.LAB
        and inner.kind is FindingKind.LAB
        and outer.span.end == inner.span.end
        and outer.finding != inner.finding
        and head.rstrip().endswith((" and", ","))
    )


def _region_in_phrase(outer: Mention, inner: Mention, painful: frozenset[str]) -> bool:
    """A region affirmed inside a patient-reported finding (a kind in ``region_in_phrase_kinds``)
    that is about pain: its own words ("alternating buttock pain") or the outer finding's wording
    ("migrated to the right iliac fossa", a pain that moved) say so. Only as present: "no
    alternating buttock pain" says nothing about buttock pain."""
    words = context_words()
    return (
        inner.kind is FindingKind.REGION
        and inner.status is Status.PRESENT
        and outer.kind.value in words.region_in_phrase_kinds
        and (
            outer.finding in painful
            or any(w in words.pain_words for w in inner.span.text.lower().split())
        )
    )


def covered_tokens(doc: Any, mentions: list[Mention]) -> set[int]:
    """Indices of the tokens inside any mention."""
    covered: set[int] = set()
    for mention in mentions:
        span = doc.char_span(mention.span.start, mention.span.end, alignment_mode="expand")
        if span is not None:
            covered.update(range(span.start, span.end))
    return covered


def _overlaps(span: Span, tokens: Any) -> bool:
    return bool(span.start < tokens.end_char and tokens.start_char < span.end)


def _first_word(text: str) -> str:
    return next(iter(re.findall(r"[a-z]+", text.lower())), "")


def _token_key(nlp: Any, phrase: str) -> str:
    return " ".join(token.lower_ for token in nlp.tokenizer(phrase))


def _words_key(tokens: Any, last: str) -> str:
    return " ".join([*(token.lower_ for token in tokens), last])
