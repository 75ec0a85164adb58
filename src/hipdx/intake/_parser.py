"""`Parser`: text -> `ParsedCase`. Holds its knowledge base and its spaCy pipeline (built once).

Reading one block of text is a pipeline of small steps, each in its own module: the matches are
read in context into mentions (`_mention`), mentions that their surroundings rule out are dropped
(`_filters`), mentions read off others are added (`_derived`, `_regions`), numbers are read
(`_measurements`); a long text is read in blocks (`_blocks`); the case is decided from all of it
(`_resolve`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any

from hipdx._types import Setting
from hipdx.exceptions import InvalidCaseError
from hipdx.inference.answers import AGE_FINDING, SEX_FINDINGS
from hipdx.inference.case import Case
from hipdx.intake._blanket import BlanketReader
from hipdx.intake._blocks import BLOCK_CHARS, blocks, shifted
from hipdx.intake._context import context_words
from hipdx.intake._derived import (
    bilateral,
    onsets,
    presenting,
    readings,
    shorthand_sexes,
    with_analytes,
)
from hipdx.intake._filters import (
    anatomy_is_not_pain,
    examined_anatomy,
    named_findings,
    overridden,
    workup_diagnoses,
)
from hipdx.intake._lexicon import DENIAL, build_lexicon, lexicon_rules
from hipdx.intake._matcher import FACTORY as MATCHER
from hipdx.intake._matcher import PrefilteredMatcher
from hipdx.intake._measurements import MeasurementReader, measurement_rules
from hipdx.intake._mention import MentionReader
from hipdx.intake._models import Measurement, Mention, ParsedCase, Span
from hipdx.intake._pipeline import SPAN_GROUP, build_pipeline
from hipdx.intake._regions import RegionReader, covered_tokens
from hipdx.intake._resolve import counts, resolve
from hipdx.intake._understood import ClinicalVocabulary, not_understood
from hipdx.issues import error
from hipdx.kb.compiled import CompiledKB
from hipdx.kb.schema import FindingKind

if TYPE_CHECKING:  # importing it imports medspaCy, which only building a pipeline needs
    from hipdx.intake._modifiers import PrefilteredConText

#: The name of the ConText component (`hipdx.intake._modifiers.FACTORY`).
CONTEXT = "hipdx_context"
#: The longest text accepted, in characters (the same limit as `Case.text`).
MAX_TEXT_CHARS = 100_000
#: How many notes `Parser.parse_many` sends through spaCy together.
BATCH_NOTES = 64

#: What one block gives: mentions, measurements, unmapped sentences, clauses not understood.
_BlockRead = tuple[list[Mention], list[Measurement], list[Span], list[Span]]


class Parser:
    """Turns clinical text into a case, with the lexicon of ``kb``."""

    def __init__(self, kb: CompiledKB) -> None:
        rules = measurement_rules()
        lexicon = lexicon_rules()
        self._words = context_words()
        self.kb = kb
        self.lexicon = build_lexicon(
            kb,
            rules.cues,
            self._words.strip_prefixes,
            lexicon.shared_phrases,
            {
                "absent": lexicon.absence_only,
                "present": lexicon.presence_only,
                DENIAL: lexicon.denials,
            },
        )
        self._mentions = MentionReader(kb, self.lexicon, lexicon, self._words)
        self._not_findings = lexicon.not_findings_pattern()
        self._overrides = lexicon.overrides
        self._parts = {f.id: list(f.parts) for f in kb.knowledge.findings if f.parts}
        self._workup = lexicon.workup_diagnoses
        self._measure = MeasurementReader(kb, self.lexicon.cues, rules)
        self._nlp: Any = build_pipeline(
            self.lexicon, self._mentions.analytes, (kb, lexicon.imaging_sites)
        )
        self._regions = RegionReader(kb, self.lexicon, self._nlp, self._words)
        self._blanket = BlanketReader(kb, lexicon.blanket_normals)
        self.vocabulary = ClinicalVocabulary(self.lexicon, lexicon)

    @property
    def matcher(self) -> PrefilteredMatcher:
        """The target matcher of the pipeline (to see which rules a note is matched against)."""
        matcher: PrefilteredMatcher = self._nlp.get_pipe(MATCHER)
        return matcher

    @property
    def context(self) -> PrefilteredConText:
        """The ConText component of the pipeline (to see the modifiers a note is read with)."""
        context: PrefilteredConText = self._nlp.get_pipe(CONTEXT)
        return context

    def parse(self, text: str, *, setting: Setting = Setting.PRIMARY_CARE) -> ParsedCase:
        """Everything the text says about the findings of the knowledge base. A long text is
        read in blocks that end at a paragraph or sentence (ConText pairs every trigger with
        every match of a document, so one huge document would take quadratic time)."""
        _check(text)
        pieces = blocks(text, BLOCK_CHARS)
        reads = [(offset, self._read(block, self._nlp(block))) for offset, block in pieces]
        return self._case(text, setting, reads)

    def parse_many(
        self, notes: Iterable[tuple[str, Setting]], *, batch_size: int = BATCH_NOTES
    ) -> Iterator[ParsedCase | InvalidCaseError]:
        """`parse` of each (text, setting), in order, the blocks of ``batch_size`` notes at a
        time through spaCy's ``nlp.pipe``. A note that cannot be read gives its error as a
        value, so that one bad note does not stop the others."""
        stream = iter(notes)
        while chunk := list(islice(stream, max(1, batch_size))):
            yield from self._parse_chunk(chunk)

    def _parse_chunk(
        self, chunk: Sequence[tuple[str, Setting]]
    ) -> Iterator[ParsedCase | InvalidCaseError]:
        pieces: list[list[tuple[int, str]] | InvalidCaseError] = []
        for text, _ in chunk:
            try:
                _check(text)
                pieces.append(blocks(text, BLOCK_CHARS))
            except InvalidCaseError as problem:
                pieces.append(problem)
        texts = (b for p in pieces if not isinstance(p, InvalidCaseError) for _, b in p)
        docs = iter(self._nlp.pipe(texts, batch_size=len(chunk)))
        for (text, setting), piece in zip(chunk, pieces, strict=True):
            if isinstance(piece, InvalidCaseError):
                yield piece
                continue
            reads = [(offset, self._read(block, next(docs))) for offset, block in piece]
            yield self._case(text, setting, reads)

    def _case(self, text: str, setting: Setting, reads: list[tuple[int, _BlockRead]]) -> ParsedCase:
        """The case of ``text`` from what was read in each of its blocks (at their offsets)."""
        mentions: list[Mention] = []
        measurements: list[Measurement] = []
        unmapped: list[Span] = []
        unread: list[Span] = []
        for offset, (found, measured, ignored, missed) in reads:
            mentions.extend(shifted(m, offset) for m in found)
            measurements.extend(shifted(m, offset) for m in measured)
            unmapped.extend(shifted(s, offset) for s in ignored)
            unread.extend(shifted(s, offset) for s in missed)
        mentions.sort(key=lambda m: (m.span.start, m.span.end))
        base = Case(setting=setting, text=text)
        case, conflicts = resolve(
            self.kb, mentions, measurements, base, self._words.current_only_findings, self._parts
        )
        return ParsedCase(
            text=text,
            case=case,
            mentions=tuple(_mark_used(m, case) for m in mentions),
            measurements=tuple(_mark_measurement(m, case) for m in measurements),
            conflicts=tuple(conflicts),
            unmapped=tuple(unmapped),
            issues=self.lexicon.issues,
            not_understood=tuple(unread),
        )

    def _read(self, text: str, doc: Any) -> _BlockRead:
        """The mentions, measurements, unmapped sentences and clauses not understood of one
        block of text, ``doc`` being the pipeline's reading of it."""
        spans = named_findings(text, list(doc.spans[SPAN_GROUP]), self._not_findings)
        tests = frozenset(
            index
            for span in spans
            if self.kb.finding(span.label_).kind is FindingKind.EXAM
            for index in range(span.start, span.end)
        )
        targets = [(span.start, span.end) for span in spans]
        matched = [
            m for s in spans if (m := self._mentions.read(text, s, tests, targets)) is not None
        ]
        mentions = with_analytes(self._regions.prune_contained(matched), matched, spans)
        mentions = anatomy_is_not_pain(doc, mentions, self._words)
        mentions = examined_anatomy(doc, mentions, self._words)
        mentions = overridden(doc, mentions, self._overrides)
        mentions = workup_diagnoses(doc, mentions, self._workup)
        mentions.extend(self._regions.coordinated(doc, mentions))
        mentions.extend(bilateral(self.kb, self._words, text, mentions))
        mentions.extend(onsets(self.kb, self._words, doc, mentions))
        measurements: list[Measurement] = []
        unmapped: list[Span] = []
        unmapped_pains: list[Span] = []
        covered = covered_tokens(doc, mentions)
        for sentence in doc.sents:
            bounds = (sentence.start_char, sentence.end_char)
            found = self._measure.read(text, *bounds)
            measurements.extend(found)
            mentions.extend(shorthand_sexes(self.kb, self._measure, text, *bounds))
            mentions.extend(readings(self.kb, self._measure, text, *bounds))
            mentions.extend(self._blanket.read(text, *bounds, mentions))
            named = any(sentence.start_char <= m.span.start < sentence.end_char for m in mentions)
            if not found and not named and sentence.text.strip():
                unmapped.append(Span.of_tokens(sentence))
            elif named or found:
                pains = self._regions.unmapped_pain(sentence, covered)
                unmapped.extend(pains)
                unmapped_pains.extend(pains)
        sentences = [(s.start_char, s.end_char) for s in doc.sents]
        mentions = [presenting(self._words, m, measurements, sentences) for m in mentions]
        missed = not_understood(
            text, sentences, mentions, measurements, self.vocabulary, unmapped_pains
        )
        return mentions, measurements, unmapped, missed


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
        value = case.findings.get(measurement.finding)
        if isinstance(value, float) and value in measurement.alternatives:
            # read in the other unit that the words around it agree with (`unit_from_words`)
            return measurement.model_copy(update={"value": value, "used": True})
        used = value == measurement.value
    return measurement.model_copy(update={"used": used}) if used else measurement
