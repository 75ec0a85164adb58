"""`Parser`: text -> `ParsedCase`. Holds its knowledge base and its spaCy pipeline (built once)."""

from __future__ import annotations

import re
from typing import Any, TypeVar

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
from hipdx.intake._pipeline import ANALYTE, SPAN_GROUP, build_pipeline
from hipdx.intake._regions import RegionReader, covered_tokens
from hipdx.intake._resolve import counts, resolve
from hipdx.issues import error
from hipdx.kb.compiled import CompiledKB
from hipdx.kb.schema import Finding, FindingKind

#: Kinds of finding that have a side (a pain region, a test, a scan finding).
_SIDED = {FindingKind.REGION, FindingKind.SYMPTOM, FindingKind.EXAM, FindingKind.IMAGING}
#: The longest text accepted, in characters (the same limit as `Case.text`).
MAX_TEXT_CHARS = 100_000
#: A long text is read in blocks of about this many characters (see `Parser.parse`).
_BLOCK_CHARS = 4_000
#: Where a block may end: after a blank line, or after a sentence's closing punctuation.
_BLOCK_END = re.compile(r"\n\s*\n|(?<=[.!?;])\s+")


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
            {"absent": lexicon.absence_only, "present": lexicon.presence_only},
        )
        self._only = {
            (t.phrase.lower(), t.finding): Status(t.only) for t in self.lexicon.terms if t.only
        }
        self._not_findings = lexicon.not_findings_pattern()
        self._result_phrases = frozenset(
            t.phrase.lower()
            for t in self.lexicon.terms
            if self._is_result_finding(kb.finding(t.finding))
        )
        self._overrides = lexicon.overrides
        self._required = frozenset(" ".join(p.lower().split()) for p in lexicon.result_required)
        self._analytes = lexicon.test_analytes.model_copy(
            update={
                "findings": {
                    f: test
                    for f, test in lexicon.test_analytes.findings.items()
                    if kb.has_finding(f)
                }
            }
        )
        self._workup = lexicon.workup_diagnoses
        self._measure = MeasurementReader(kb, self.lexicon.cues, rules)
        self._nlp: Any = build_pipeline(self.lexicon, self._analytes)
        self._regions = RegionReader(kb, self.lexicon, self._nlp, self._words)

    def parse(self, text: str, *, setting: Setting = Setting.PRIMARY_CARE) -> ParsedCase:
        """Everything the text says about the findings of the knowledge base. A long text is
        read in blocks that end at a paragraph or sentence (ConText pairs every trigger with
        every match of a document, so one huge document would take quadratic time)."""
        _check(text)
        mentions: list[Mention] = []
        measurements: list[Measurement] = []
        unmapped: list[Span] = []
        for offset, block in _blocks(text, _BLOCK_CHARS):
            found, measured, ignored = self._read(block)
            mentions.extend(_shifted(m, offset) for m in found)
            measurements.extend(_shifted(m, offset) for m in measured)
            unmapped.extend(_shifted(s, offset) for s in ignored)
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

    def _read(self, text: str) -> tuple[list[Mention], list[Measurement], list[Span]]:
        """The mentions, measurements and unmapped sentences of one block of text."""
        doc = self._nlp(text)
        spans = self._named_findings(text, list(doc.spans[SPAN_GROUP]))
        tests = frozenset(
            index
            for span in spans
            if self.kb.finding(span.label_).kind is FindingKind.EXAM
            for index in range(span.start, span.end)
        )
        targets = [(span.start, span.end) for span in spans]
        matched = [m for s in spans if (m := self._mention(text, s, tests, targets)) is not None]
        mentions = _with_analytes(self._regions.prune_contained(matched), matched, spans)
        mentions = self._anatomy_is_not_pain(doc, mentions)
        mentions = self._examined_anatomy(doc, mentions)
        mentions = self._overridden(doc, mentions)
        mentions = self._workup_diagnoses(doc, mentions)
        mentions.extend(self._regions.coordinated(doc, mentions))
        mentions.extend(self._bilateral(text, mentions))
        mentions.extend(self._onsets(doc, mentions))
        measurements: list[Measurement] = []
        unmapped: list[Span] = []
        covered = covered_tokens(doc, mentions)
        for sentence in doc.sents:
            found = self._measure.read(text, sentence.start_char, sentence.end_char)
            measurements.extend(found)
            mentions.extend(self._shorthand_sexes(text, sentence.start_char, sentence.end_char))
            mentions.extend(self._readings(text, sentence.start_char, sentence.end_char))
            named = any(sentence.start_char <= m.span.start < sentence.end_char for m in mentions)
            if not found and not named and sentence.text.strip():
                unmapped.append(Span.of_tokens(sentence))
            elif named or found:
                unmapped.extend(self._regions.unmapped_pain(sentence, covered))
        sentences = [(s.start_char, s.end_char) for s in doc.sents]
        mentions = [self._presenting(m, measurements, sentences) for m in mentions]
        return mentions, measurements, unmapped

    def _presenting(
        self, mention: Mention, measurements: list[Measurement], sentences: list[tuple[int, int]]
    ) -> Mention:
        """A "history of" followed by how long it has lasted is the presenting complaint, not
        the past: "a history of severe groin pain for 15 minutes", "a history of low back pain
        for three weeks" (a duration of a finding in ``presenting_durations``, later in the
        sentence); "a history of sciatica ten years ago" stays in the past."""
        trigger = mention.trigger
        if (
            mention.status is not Status.HISTORICAL
            or trigger is None
            or not self._words.ongoing_triggers & set(trigger.text.lower().split())
        ):
            return mention
        start, end = next((s, e) for s, e in sentences if s <= mention.span.start < e)
        if any(
            m.finding in self._words.presenting_durations
            and trigger.end <= m.span.start < end
            and start <= trigger.start
            for m in measurements
        ):
            return mention.model_copy(update={"status": Status.PRESENT, "trigger": None})
        return mention

    def _readings(self, text: str, start: int, end: int) -> list[Mention]:
        """Vital signs ("BP 82/50 mmHg") as an explicit result for the finding whose threshold
        they meet or miss (``readings`` in measurements.yaml)."""
        return [
            Mention(
                finding=finding,
                kind=self.kb.finding(finding).kind,
                span=span,
                status=Status.PRESENT if present else Status.ABSENT,
                trigger=None if present else span,
                test_result=True,
            )
            for finding, present, span in self._measure.readings(text, start, end)
            if self.kb.has_finding(finding)
        ]

    def _named_findings(self, text: str, spans: list[Any]) -> list[Any]:
        """The matches, less those inside a phrase that names no finding ("trauma" in "trauma
        unit", "accident" in "accident and emergency": ``not_findings`` in lexicon.yaml)."""
        if self._not_findings is None:
            return spans
        blocked = [m.span() for m in self._not_findings.finditer(text)]
        return [
            span
            for span in spans
            if not any(s < span.end_char and span.start_char < e for s, e in blocked)
        ]

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

    def _mention(
        self, text: str, span: Any, tests: frozenset[int], targets: list[tuple[int, int]]
    ) -> Mention | None:
        finding = self.kb.finding(span.label_)
        status, trigger = status_of(span, targets)
        rule = span._.target_rule
        if rule is not None and (rule.metadata or {}).get(ANALYTE):
            return self._analyte_mention(finding, span, status, trigger)
        if finding.id in SEX_FINDINGS.values():
            # "a man treated ... years ago" is a man now; "denied fever, ... a woman" is a woman
            status, trigger = Status.PRESENT, None
        if status is Status.HISTORICAL and (
            finding.clinician.lower().startswith(self._words.history_findings)
            or self._ongoing(finding, trigger)
        ):
            status, trigger = Status.PRESENT, None
        family = self._words.family_findings
        if status is Status.FAMILY and any(w in finding.clinician.lower() for w in family):
            status, trigger = Status.PRESENT, None  # "his father has ankylosing spondylitis"
        negation = inner_negation(span, self._words)
        if negation is not None and status is Status.PRESENT:
            status, trigger = Status.ABSENT, negation
        needs_result = self._needs_result(finding, span)
        result = (
            examiner_result(span, self._words, tests)
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
        if self._only_in(span) not in (None, status):
            return None  # "a rash" says nothing about a dermatomal rash; "no rash" does
        return Mention(
            finding=finding.id,
            kind=finding.kind,
            span=Span.of_tokens(span),
            status=status,
            trigger=trigger,
            side=side_of(span, self._words) if finding.kind in _SIDED else None,
            test_result=result is not None,
        )

    def _analyte_mention(
        self, finding: Finding, span: Any, status: Status, trigger: Span | None
    ) -> Mention | None:
        """A test named with what it looks for ("urine dipstick negative for blood", "the dipstick
        showed no blood", "NAAT was positive for chlamydia"): the result or negation word nearest
        before the analyte decides; with none ("a swab for chlamydia") it says nothing. Not when
        the analyte's word goes on to name something else ("blood cultures")."""
        rules = self._analytes
        following = span.doc[span.end].lower_ if span.end < len(span.doc) else ""
        if following in rules.not_after:
            return None
        absent = self._words.negative | set(rules.absent_words)
        present = self._words.positive | set(rules.shows)
        result: tuple[Status, Span | None] = (Status.UNCERTAIN, None)
        for token in reversed(span):
            if token.lower_ in absent:
                result = (Status.ABSENT, Span.of_tokens(token))
                break
            if token.lower_ in present:
                result = (Status.PRESENT, None)
                break
        if status in (Status.PRESENT, Status.ABSENT):
            status, trigger = result
        return Mention(
            finding=finding.id,
            kind=finding.kind,
            span=Span.of_tokens(span),
            status=status,
            trigger=trigger,
            test_result=status is not Status.UNCERTAIN,
        )

    def _only_in(self, span: Any) -> Status | None:
        """The one status in which the matched phrase names its finding, if it has one."""
        rule = span._.target_rule
        return None if rule is None else self._only.get((rule.literal.lower(), span.label_))

    def _ongoing(self, finding: Finding, trigger: Span | None) -> bool:
        """An activity "with a history of" it goes on ("a history of marathon running"); only a
        word that puts it in the past ("used to", "previously", "as a child") ends it."""
        words = self._words
        return (
            finding.id in words.current_only_findings
            and trigger is not None
            and bool(words.ongoing_triggers & set(trigger.text.lower().split()))
        )

    def _is_result_finding(self, finding: Finding) -> bool:
        """A laboratory finding that is a test's positive result (``result_findings`` words in
        its wording: "Positive pregnancy test")."""
        words = self._words.result_findings
        return finding.kind is FindingKind.LAB and any(
            w in words for w in finding.clinician.lower().split()
        )

    def _needs_result(self, finding: Finding, span: Any) -> bool:
        """A test whose positive result is a finding, named without a result word ("pregnancy
        test", "beta-hCG"): only a result word near it ("the pregnancy test was negative",
        "pregnancy test: negative") says anything, for every finding the phrase names (a
        pregnancy test is also whether a pregnancy is possible); a negation is not a result ("no
        pregnancy test was done"). So does a phrase in ``result_required`` (lexicon.yaml): the
        movements of a test, "flexion, abduction and external rotation", are the test only with
        a result ("... reproduced the pain"); "... were limited" is not the test."""
        words = self._words
        rule = span._.target_rule
        literal = "" if rule is None else rule.literal.lower()
        no_result = not any(
            t.lower_ in words.positive | words.negative | words.phrase_results for t in span
        )
        if literal in self._required:  # "flexion, abduction and external rotation"
            return no_result
        named = literal in self._result_phrases
        return (
            (self._is_result_finding(finding) or named)
            and no_result
            and any(t.lower_ in words.test_nouns for t in span)
        )

    def _overridden(self, doc: Any, mentions: list[Mention]) -> list[Mention]:
        """Drop a mention of a finding that another finding, present in the same sentence,
        overrides (``overrides`` in lexicon.yaml): "a tender groin swelling that would not
        reduce" is an irreducible lump, not the reducible groin bulge "groin swelling" names
        (a negated one, "no cough impulse", agrees with it and stays)."""
        if not self._overrides:
            return mentions
        dropped: set[tuple[str, int, int]] = set()
        for sentence in doc.sents:
            start, end = sentence.start_char, sentence.end_char
            for m in mentions:
                if m.status is Status.PRESENT and start <= m.span.start < end:
                    dropped.update((f, start, end) for f in self._overrides.get(m.finding, []))
        return [
            m
            for m in mentions
            if m.status is not Status.PRESENT
            or not any(f == m.finding and s <= m.span.start < e for f, s, e in dropped)
        ]

    def _workup_diagnoses(self, doc: Any, mentions: list[Mention]) -> list[Mention]:
        """Drop a current mention of a history finding (``workup_diagnoses`` in lexicon.yaml)
        that a work-up word before it in its sentence makes this presentation's diagnosis:
        "biopsy confirmed adenocarcinoma" is not a history of cancer; "a history of breast
        cancer" and "found to have breast cancer ten years ago" (historical) still are."""
        rules = self._workup
        if not rules.findings or not rules.words:
            return mentions
        words = "|".join(r"\s+".join(map(re.escape, w.split())) for w in rules.words)
        pattern = re.compile(rf"(?<![A-Za-z])(?:{words})(?![A-Za-z])", re.IGNORECASE)
        kept = []
        for mention in mentions:
            span = doc.char_span(mention.span.start, mention.span.end, alignment_mode="expand")
            if (
                span is not None
                and mention.finding in rules.findings
                and mention.status is Status.PRESENT
                and pattern.search(doc.text, span.sent.start_char, mention.span.start)
            ):
                continue
            kept.append(mention)
        return kept

    def _anatomy_is_not_pain(self, doc: Any, mentions: list[Mention]) -> list[Mention]:
        """Drop a region named without a pain word in a sentence that reports imaging: "MRI of
        the sacroiliac joints", "avulsion from the ischial tuberosity" name anatomy, not pain;
        and a word alone that there names anatomy or a sign (``anatomy_in_imaging``:
        "collapse" of a vertebra is not a faint, "epidural" extension is not an epidural)."""
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
            if not any(start <= m.span.start < end for start, end in imaging)
            or (
                m.kind is not FindingKind.REGION
                and m.span.text.lower() not in self._words.anatomy_in_imaging
            )
            or (
                m.kind is FindingKind.REGION
                and any(w in self._words.pain_words for w in m.span.text.lower().split())
            )
        ]

    def _examined_anatomy(self, doc: Any, mentions: list[Mention]) -> list[Mention]:
        """Drop a region named without a pain word as the part examined (``examined_anatomy``):
        right before an examination word ("low back range of motion was normal", "groin
        examination revealed no hernia", "the buttock skin was normal") or after one and "of"
        ("examination of the lower back was unremarkable", "range of motion of the lumbar
        spine")."""
        words = self._words
        skip = words.pain_modifiers | frozenset().union(*words.sides.values())
        kept = []
        for mention in mentions:
            span = doc.char_span(mention.span.start, mention.span.end, alignment_mode="expand")
            if (
                span is None
                or mention.kind is not FindingKind.REGION
                or any(t.lower_ in words.pain_words for t in span)
            ):
                kept.append(mention)
                continue
            after = doc[span.end].lower_ if span.end < len(doc) else ""
            before = span.start - 1
            while before > span.sent.start and doc[before].lower_ in skip - {"of"}:
                before -= 1
            examined = after in words.examined_anatomy or (
                before > span.sent.start
                and doc[before].lower_ == "of"
                and doc[before - 1].lower_ in words.examined_anatomy
            )
            if not examined:
                kept.append(mention)
        return kept

    def _onsets(self, doc: Any, mentions: list[Mention]) -> list[Mention]:
        """An onset word right before a painful region ("acute right groin pain", "acute,
        severe low back pain"), over side words, commas, "and" and pain modifiers, is how the
        pain began (``onset_before_region``); "acute on chronic" is not."""
        words = self._words
        skip = (words.pain_modifiers | {",", "-", "and"}).union(*words.sides.values())
        found: list[Mention] = []
        for mention in mentions:
            span = doc.char_span(mention.span.start, mention.span.end, alignment_mode="expand")
            if mention.kind is not FindingKind.REGION or mention.status is not Status.PRESENT:
                continue
            if span is None:
                continue
            for index in range(span.start - 1, max(span.sent.start, span.start - 6) - 1, -1):
                lower = doc[index].lower_
                onset = words.onset_before_region.get(lower)
                if onset is not None and self.kb.has_finding(onset):
                    found.append(_onset_mention(self.kb.finding(onset), doc[index]))
                    break
                if lower in words.onset_stops or lower not in skip:
                    break
        return found

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
        used = case.findings.get(measurement.finding) == measurement.value
    return measurement.model_copy(update={"used": used}) if used else measurement


def _with_analytes(kept: list[Mention], found: list[Mention], spans: list[Any]) -> list[Mention]:
    """``kept`` plus the test-and-analyte mentions pruned only because another analyte's longer
    match contains them: in "urine dipstick negative for blood and leukocytes" the blood result
    stands beside the leukocyte result (each analyte names its own finding)."""
    analyte = {
        (s.label_, s.start_char, s.end_char)
        for s in spans
        if s._.target_rule is not None and (s._.target_rule.metadata or {}).get(ANALYTE)
    }

    def is_analyte(m: Mention) -> bool:
        return (m.finding, m.span.start, m.span.end) in analyte

    extra: list[Mention] = []
    for m in sorted(found, key=lambda m: m.span.start - m.span.end):  # longest first
        if not is_analyte(m) or m in kept:
            continue
        if not any(
            (k.finding == m.finding and k.span.start < m.span.end and m.span.start < k.span.end)
            or (not is_analyte(k) and k.span.start <= m.span.start and m.span.end <= k.span.end)
            for k in (*kept, *extra)
        ):
            extra.append(m)
    return sorted([*kept, *extra], key=lambda m: (m.span.start, m.span.end))


def _onset_mention(finding: Finding, token: Any) -> Mention:
    return Mention(
        finding=finding.id, kind=finding.kind, span=Span.of_tokens(token), status=Status.PRESENT
    )


def _blocks(text: str, size: int) -> list[tuple[int, str]]:
    """``text`` cut into (offset, block) pieces of at most about ``size`` characters, each
    ending at a paragraph or sentence boundary where there is one."""
    if len(text) <= size:
        return [(0, text)]
    blocks = []
    start = 0
    while len(text) - start > size:
        ends = [m.end() for m in _BLOCK_END.finditer(text, start + 1, start + size)]
        end = ends[-1] if ends else start + size
        blocks.append((start, text[start:end]))
        start = end
    blocks.append((start, text[start:]))
    return [(offset, block) for offset, block in blocks if block.strip()]


_Shiftable = TypeVar("_Shiftable", Mention, Measurement, Span)


def _shifted(item: _Shiftable, offset: int) -> _Shiftable:
    """``item`` with every character position moved by ``offset`` (a block's start)."""
    if offset == 0:
        return item
    if isinstance(item, Span):
        return item.model_copy(update={"start": item.start + offset, "end": item.end + offset})
    update: dict[str, Any] = {"span": _shifted(item.span, offset)}
    extra = item.trigger if isinstance(item, Mention) else item.cue
    if extra is not None:
        update["trigger" if isinstance(item, Mention) else "cue"] = _shifted(extra, offset)
    return item.model_copy(update=update)
