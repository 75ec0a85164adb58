"""`Parser`: text -> `ParsedCase`. Holds its knowledge base and its spaCy pipeline (built once)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from hipdx._types import Setting
from hipdx.exceptions import InvalidCaseError
from hipdx.inference.answers import AGE_FINDING, SEX_FINDINGS
from hipdx.inference.case import Case
from hipdx.intake._context import (
    context_words,
    examiner_result,
    inner_negation,
    side_of,
    status_of,
)
from hipdx.intake._lexicon import build_lexicon, lexicon_rules
from hipdx.intake._measurements import MeasurementReader, measurement_rules
from hipdx.intake._models import Measurement, Mention, ParsedCase, Side, Span, Status
from hipdx.intake._pipeline import SPAN_GROUP, build_pipeline
from hipdx.intake._resolve import counts, resolve
from hipdx.issues import error
from hipdx.kb.compiled import CompiledKB
from hipdx.kb.schema import Finding, FindingKind

#: Kinds of finding that have a side (a pain region, a test, a scan finding).
_SIDED = {FindingKind.REGION, FindingKind.SYMPTOM, FindingKind.EXAM, FindingKind.IMAGING}
#: Words that join coordinated regions before one pain word ("perineal and suprapubic pain").
_CONJUNCTIONS = frozenset({"and", "or", ",", "/", "&"})
#: The longest text accepted, in characters (the same limit as `Case.text`).
MAX_TEXT_CHARS = 100_000


class Parser:
    """Turns clinical text into a case, with the lexicon of ``kb``."""

    def __init__(self, kb: CompiledKB) -> None:
        rules = measurement_rules()
        self._words = context_words()
        self.kb = kb
        self.lexicon = build_lexicon(
            kb, rules.cues, self._words.strip_prefixes, lexicon_rules().shared_phrases
        )
        self._measure = MeasurementReader(kb, self.lexicon.cues, rules)
        self._nlp: Any = build_pipeline(self.lexicon)
        pain_words = self._words.pain_words
        #: Findings whose wording opens with a pain word ("Pain that began around the umbilicus
        #: and moved to the right lower quadrant"): a region named in their phrase is where the
        #: pain is.
        self._painful = frozenset(
            f.id
            for f in kb.knowledge.findings
            if f.kind.value in self._words.region_in_phrase_kinds
            and _first_word(f.clinician) in pain_words
        )
        self._regions = {
            _token_key(self._nlp, term.phrase): term.finding
            for term in self.lexicon.terms
            if kb.finding(term.finding).kind is FindingKind.REGION
        }

    def parse(self, text: str, *, setting: Setting = Setting.PRIMARY_CARE) -> ParsedCase:
        """Everything the text says about the findings of the knowledge base."""
        _check(text)
        doc = self._nlp(text)
        spans = list(doc.spans[SPAN_GROUP])
        tests = frozenset(
            index
            for span in spans
            if self.kb.finding(span.label_).kind is FindingKind.EXAM
            for index in range(span.start, span.end)
        )
        mentions = _prune_contained([self._mention(s, tests) for s in spans], self._painful)
        mentions = self._anatomy_is_not_pain(doc, mentions)
        mentions.extend(self._coordinated(doc, mentions))
        mentions.extend(self._bilateral(text, mentions))
        measurements: list[Measurement] = []
        unmapped: list[Span] = []
        covered = _covered_tokens(doc, mentions)
        for sentence in doc.sents:
            found = self._measure.read(text, sentence.start_char, sentence.end_char)
            measurements.extend(found)
            mentions.extend(self._shorthand_sexes(text, sentence.start_char, sentence.end_char))
            named = any(sentence.start_char <= m.span.start < sentence.end_char for m in mentions)
            if not found and not named and sentence.text.strip():
                unmapped.append(_span(text, sentence.start_char, sentence.end_char))
            elif named or found:
                unmapped.extend(self._unmapped_pain(sentence, covered))
        mentions.sort(key=lambda m: (m.span.start, m.span.end))
        base = Case(setting=setting, text=text)
        case, conflicts = resolve(
            self.kb, mentions, measurements, base, self._words.current_only_findings
        )
        return ParsedCase(
            text=text,
            case=case,
            mentions=tuple(_mark_used(m, case) for m in mentions),
            measurements=tuple(_mark_measurement(m, case) for m in measurements),
            conflicts=tuple(conflicts),
            unmapped=tuple(unmapped),
            issues=self.lexicon.issues,
        )

    def _shorthand_sexes(self, text: str, start: int, end: int) -> list[Mention]:
        """The sex letter of a shorthand age ("67F"), as a mention of the sex finding."""
        return [
            Mention(
                finding=sex.finding,
                kind=FindingKind.DEMOGRAPHIC,
                span=sex.span,
                status=Status.PRESENT,
            )
            for _, sex in self._measure.shorthand_ages(text, start, end)
            if sex is not None and self.kb.has_finding(sex.finding)
        ]

    def _mention(self, span: Any, tests: frozenset[int]) -> Mention:
        finding = self.kb.finding(span.label_)
        status, trigger = status_of(span)
        if status is Status.HISTORICAL and (
            finding.id in SEX_FINDINGS.values()  # "a man treated ... years ago" is a man now
            or finding.clinician.lower().startswith(self._words.history_findings)
            or self._ongoing(finding, trigger)
        ):
            status, trigger = Status.PRESENT, None
        family = self._words.family_findings
        if status is Status.FAMILY and any(w in finding.clinician.lower() for w in family):
            status, trigger = Status.PRESENT, None  # "his father has ankylosing spondylitis"
        negation = inner_negation(span, self._words)
        if negation is not None and status is Status.PRESENT:
            status, trigger = Status.ABSENT, negation
        others = tests - set(range(span.start, span.end))
        needs_result = self._needs_result(finding, span)
        result = (
            examiner_result(span, self._words, others)
            if (finding.kind is FindingKind.EXAM or needs_result) and negation is None
            else None
        )
        if result is not None and status in (Status.PRESENT, Status.ABSENT):
            positive, trigger_span = result
            status = Status.PRESENT if positive else Status.ABSENT
            trigger = None if positive else trigger_span
        elif needs_result and status in (Status.PRESENT, Status.ABSENT):
            # "a pregnancy test was sent", "no pregnancy test was done": no result
            status, trigger = Status.UNCERTAIN, None
        return Mention(
            finding=finding.id,
            kind=finding.kind,
            span=_span(span.doc.text, span.start_char, span.end_char),
            status=status,
            trigger=trigger,
            side=side_of(span, self._words) if finding.kind in _SIDED else None,
            test_result=result is not None,
        )

    def _ongoing(self, finding: Finding, trigger: Span | None) -> bool:
        """An activity "with a history of" it goes on ("a history of marathon running"); only a
        word that puts it in the past ("used to", "previously", "as a child") ends it."""
        words = self._words
        return (
            finding.id in words.current_only_findings
            and trigger is not None
            and bool(words.ongoing_triggers & set(trigger.text.lower().split()))
        )

    def _needs_result(self, finding: Finding, span: Any) -> bool:
        """A laboratory finding that is a test's positive result (``result_findings`` words in
        its wording), named without a result word ("pregnancy test", "beta-hCG"): only a result
        word near it ("the pregnancy test was negative", "pregnancy test: negative") says
        anything; a negation is not a result ("no pregnancy test was done")."""
        words = self._words
        return (
            finding.kind is FindingKind.LAB
            and any(w in words.result_findings for w in finding.clinician.lower().split())
            and not any(
                t.lower_ in words.positive | words.negative | words.phrase_results for t in span
            )
        )

    def _anatomy_is_not_pain(self, doc: Any, mentions: list[Mention]) -> list[Mention]:
        """Drop a region named without a pain word in a sentence that reports imaging: "MRI of
        the sacroiliac joints", "avulsion from the ischial tuberosity" name anatomy, not pain."""
        imaging = {
            (sentence.start_char, sentence.end_char)
            for sentence in doc.sents
            if any(
                m.kind is FindingKind.IMAGING
                and sentence.start_char <= m.span.start < sentence.end_char
                for m in mentions
            )
        }
        return [
            m
            for m in mentions
            if m.kind is not FindingKind.REGION
            or not any(start <= m.span.start < end for start, end in imaging)
            or any(w in self._words.pain_words for w in m.span.text.lower().split())
        ]

    def _unmapped_pain(self, sentence: Any, covered: set[int]) -> list[Span]:
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
                found.append(_span(sentence.doc.text, phrase.start_char, phrase.end_char))
        return found

    def _coordinated(self, doc: Any, mentions: list[Mention]) -> list[Mention]:
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
                            "span": _span(doc.text, conjunct.start_char, conjunct.end_char),
                            "side": side_of(conjunct, self._words),
                        }
                    )
                )
        return found

    def _conjuncts(self, doc: Any, head: int, pain: str) -> Iterator[tuple[int, int, str]]:
        """(start, end, region) of each conjunct before token ``head`` in its sentence, nearest
        first, while each, with the ``pain`` word, is a region phrase."""
        while not doc[head].is_sent_start:
            end = head
            while not doc[end].is_sent_start and doc[end - 1].lower_ in _CONJUNCTIONS:
                end -= 1
            if end == head or doc[end].is_sent_start:
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

    def _bilateral(self, text: str, mentions: list[Mention]) -> list[Mention]:
        """A region said to be on both sides ("bilateral lower abdominal pain", "both
        buttocks": the side word in the phrase or just before it) is also the "pain on both
        sides" finding (named in the rules file), where the knowledge base has it."""
        finding = self._words.bilateral_finding
        if finding is None or not self.kb.has_finding(finding):
            return []
        both = self._words.sides[Side.BILATERAL]
        return [
            m.model_copy(update={"finding": finding, "trigger": None})
            for m in mentions
            if m.kind is FindingKind.REGION
            and m.finding != finding
            and m.status is Status.PRESENT
            and both & {*text[: m.span.start].lower().split()[-1:], *m.span.text.lower().split()}
        ]


@lru_cache(maxsize=1)
def default_parser() -> Parser:
    """The parser of the packaged knowledge base, built once per process."""
    from hipdx.knowledge_base import packaged_knowledge

    return Parser(packaged_knowledge())


def parse(
    text: str, *, setting: Setting = Setting.PRIMARY_CARE, parser: Parser | None = None
) -> ParsedCase:
    """Parse clinical text into a `ParsedCase` (its ``.case`` is what `hipdx.assess` takes)."""
    return (parser or default_parser()).parse(text, setting=setting)


def _check(text: str) -> None:
    if not isinstance(text, str) or not text.strip():
        raise InvalidCaseError(
            "there is no text to parse", [error("text", "the text is empty", "give a note")]
        )
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidCaseError(
            "the text is too long to parse",
            [
                error(
                    "text",
                    f"{len(text)} characters; at most {MAX_TEXT_CHARS} are accepted",
                    "parse one encounter's note at a time",
                )
            ],
        )


def _prune_contained(mentions: list[Mention], painful: frozenset[str]) -> list[Mention]:
    """Drop a match inside a longer match of another finding ("clicking" inside "clicking with
    range of motion"), and repeats of one finding at one place; keep text order. Regions are not
    exclusive, so a region inside a longer region stays ("flank" and "groin" inside "flank pain
    radiating to the groin"), unless the longer one only puts a word before it ("posterior thigh
    pain" is not "thigh pain"). A region named, as present, inside a patient-reported finding
    about pain (in ``painful``) stays too (see `_region_in_phrase`)."""
    kept = []
    for mention in mentions:
        inside = any(
            other is not mention
            and not _both_regions(other, mention)
            and not _region_in_phrase(other, mention, painful)
            and other.span.start <= mention.span.start
            and mention.span.end <= other.span.end
            and (other.span.end - other.span.start) > (mention.span.end - mention.span.start)
            for other in mentions
        )
        if not inside:
            kept.append(mention)
    unique = {(m.finding, m.span.start): m for m in kept}
    return sorted(unique.values(), key=lambda m: (m.span.start, m.span.end))


def _both_regions(outer: Mention, inner: Mention) -> bool:
    """Two regions, the outer not just one word put before the inner (a side word, as in "both
    buttocks", does not count: both buttocks are buttocks)."""
    if outer.kind is not FindingKind.REGION or inner.kind is not FindingKind.REGION:
        return False
    head = outer.span.text[: len(outer.span.text) - len(inner.span.text)].split()
    if outer.span.end != inner.span.end or len(head) != 1:
        return True
    return any(head[0].lower() in words for words in context_words().sides.values())


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


def _mark_used(mention: Mention, case: Case) -> Mention:
    if not counts(mention):
        return mention
    if mention.finding in SEX_FINDINGS.values():
        used = case.sex is not None and SEX_FINDINGS[case.sex.value] == mention.finding
    else:
        used = mention.finding in case.findings
    return mention.model_copy(update={"used": used}) if used else mention


def _mark_measurement(measurement: Measurement, case: Case) -> Measurement:
    if measurement.finding == AGE_FINDING:
        used = case.age == measurement.value
    else:
        used = case.findings.get(measurement.finding) == measurement.value
    return measurement.model_copy(update={"used": used}) if used else measurement


def _covered_tokens(doc: Any, mentions: list[Mention]) -> set[int]:
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


def _span(text: str, start: int, end: int) -> Span:
    return Span(start=start, end=end, text=text[start:end])
