"""Mentions dropped because of what surrounds them: a match inside a phrase that names no
finding, anatomy named in an imaging report or as the part examined, a finding another one present
in the sentence overrides, and a history finding that the work-up makes this presentation's
diagnosis. Each filter is one function over a block's mentions; the words come from
``knowledge/language/`` (`ContextWords`, `LexiconRules`).
"""

from __future__ import annotations

import re
from typing import Any

from hipdx.intake._context import context_words
from hipdx.intake._imaging import within_reach
from hipdx.intake._models import Mention, Status
from hipdx.kb.language import ContextWords, WorkupDiagnoses
from hipdx.kb.schema import FindingKind


def named_findings(text: str, spans: list[Any], not_findings: re.Pattern[str] | None) -> list[Any]:
    """The matches, less those inside a phrase that names no finding ("trauma" in "trauma
    unit", "accident" in "accident and emergency": ``not_findings`` in lexicon.yaml) and the
    lesion-at-a-site matches whose lesion and site are too many words apart (`within_reach`).
    A longer match that holds such a phrase whole is a finding's own wording ("worsened with
    walking" holds "worsened with", which is no worsening course)."""
    spans = [span for span in spans if within_reach(span)]
    if not_findings is None:
        return spans
    blocked = [m.span() for m in not_findings.finditer(text)]
    return [span for span in spans if not any(_blocks(s, e, span) for s, e in blocked)]


def _blocks(start: int, end: int, span: Any) -> bool:
    """Whether the phrase at ``start:end`` that names no finding takes ``span`` from it: they
    overlap, and ``span`` does not hold it whole with more words of its own."""
    overlaps = start < span.end_char and span.start_char < end
    holds = span.start_char <= start and end <= span.end_char and end - start < len(span.text)
    return overlaps and not holds


def anatomy_is_not_pain(doc: Any, mentions: list[Mention], words: ContextWords) -> list[Mention]:
    """Drop a region named without a pain word in a sentence that reports an imaging finding, or
    that has an imaging word and no pain word at all: "MRI of the sacroiliac joints showed
    oedema", "avulsion from the ischial tuberosity", "MR images showed a fracture of the right
    ischium" name anatomy, not pain; and a word alone that names anatomy or a sign in a sentence
    reporting imaging (an imaging finding or an imaging word in it; ``anatomy_in_imaging``:
    "collapse" of a vertebra is not a faint, "epidural" extension is not an epidural, a
    "thin-rimmed" cyst is not a thin patient)."""
    findings: list[tuple[int, int]] = []
    words_only: list[tuple[int, int]] = []
    painless: list[tuple[int, int]] = []
    for sentence in doc.sents:
        bounds = (sentence.start_char, sentence.end_char)
        if any(
            m.kind is FindingKind.IMAGING and bounds[0] <= m.span.start < bounds[1]
            for m in mentions
        ):
            findings.append(bounds)
        elif any(token.lower_ in words.imaging_words for token in sentence) or (
            _words_of(sentence.text) & words.imaging_words
        ):
            words_only.append(bounds)
            if not any(token.lower_ in words.pain_words for token in sentence):
                painless.append(bounds)

    def inside(mention: Mention, sentences: list[tuple[int, int]]) -> bool:
        return any(start <= mention.span.start < end for start, end in sentences)

    def names_anatomy(mention: Mention) -> bool:
        if mention.kind is FindingKind.REGION:
            said_pain = any(w in words.pain_words for w in mention.span.text.lower().split())
            return not said_pain and inside(mention, findings + painless)
        return mention.span.text.lower() in words.anatomy_in_imaging and inside(
            mention, findings + words_only
        )

    return [m for m in mentions if not names_anatomy(m)]


#: A word, hyphenated words whole ("x-ray", which the tokenizer splits).
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_ANY_CASE_WORD = re.compile(_WORD.pattern, re.IGNORECASE)


def _words_of(text: str) -> set[str]:
    """The words of a text, lower case, hyphenated words whole."""
    return set(_WORD.findall(text.lower()))


#: Words between an examination word and the part examined.
_OF = frozenset({"of", "in"})
#: Examination words that "in" joins to the part examined ("range of motion in both hips",
#: "power in both legs"; not "a pulling sensation in her groin", which is where it is felt).
_MEASURED_IN = frozenset(
    {"motion", "movement", "movements", "mobility", "rom", "power", "strength"}
)


def examined_anatomy(doc: Any, mentions: list[Mention], words: ContextWords) -> list[Mention]:
    """Drop a region named without a pain word as the part examined (``examined_anatomy``):
    right before an examination word ("low back range of motion was normal", "groin
    examination revealed no hernia", "the buttock skin was normal") or after one and "of" or
    "in" ("examination of the lower back was unremarkable", "range of motion in both hips",
    "reduced power in both legs")."""
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
        while before > span.sent.start and doc[before].lower_ in skip - _OF:
            before -= 1
        examined = after in words.examined_anatomy or (
            before > span.sent.start
            and doc[before].lower_ in _OF
            and doc[before - 1].lower_ in words.examined_anatomy
            and (doc[before].lower_ == "of" or doc[before - 1].lower_ in _MEASURED_IN)
        )
        if not examined:
            kept.append(mention)
    return kept


def overridden(doc: Any, mentions: list[Mention], overrides: dict[str, list[str]]) -> list[Mention]:
    """Drop a mention of a finding that another finding, present in the same sentence,
    overrides (``overrides`` in lexicon.yaml): "a tender groin swelling that would not
    reduce" is an irreducible lump, not the reducible groin bulge "groin swelling" names
    (a negated one, "no cough impulse", agrees with it and stays)."""
    if not overrides:
        return mentions
    dropped: set[tuple[str, int, int]] = set()
    for sentence in doc.sents:
        start, end = sentence.start_char, sentence.end_char
        for m in mentions:
            if m.status is Status.PRESENT and start <= m.span.start < end:
                dropped.update((f, start, end) for f in overrides.get(m.finding, []))
    return [
        m
        for m in mentions
        if m.status is not Status.PRESENT
        or not any(f == m.finding and s <= m.span.start < e for f, s, e in dropped)
    ]


#: Words that make a denial after a study the history's again ("CT showed a mass; she has no
#: history of cancer").
_HISTORY = re.compile(r"(?<![A-Za-z])(?:history|known|previous|prior|past)(?![A-Za-z])", re.I)


def _study_denies(text: str, start: int, end: int) -> bool:
    """A study named in ``text[start:end]`` (an ``imaging_words`` word: a study whose "no
    evidence of metastatic disease" answers for the study, not the history) with no history word
    after it."""
    imaging = context_words().imaging_words
    words = _ANY_CASE_WORD.finditer(text, start, end)
    studies = [m for m in words if m.group(0).lower() in imaging]
    return bool(studies) and not _HISTORY.search(text, studies[-1].end(), end)


def workup_diagnoses(doc: Any, mentions: list[Mention], rules: WorkupDiagnoses) -> list[Mention]:
    """Drop a current mention of a history finding (``workup_diagnoses`` in lexicon.yaml)
    that a work-up word before it in its sentence makes this presentation's diagnosis:
    "biopsy confirmed adenocarcinoma" is not a history of cancer; "a history of breast
    cancer" and "found to have breast cancer ten years ago" (historical) still are. A work-up
    that found none ("the biopsy showed marrow without evidence of tumor") says nothing of the
    history either, nor does a study that found none ("the bone scan showed no evidence of
    metastatic disease")."""
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
            and mention.status in (Status.PRESENT, Status.ABSENT)
            and (
                pattern.search(doc.text, span.sent.start_char, mention.span.start)
                or (
                    mention.status is Status.ABSENT
                    and _study_denies(doc.text, span.sent.start_char, mention.span.start)
                )
            )
        ):
            continue
        kept.append(mention)
    return kept
