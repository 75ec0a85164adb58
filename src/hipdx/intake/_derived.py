"""Mentions read off other mentions and numbers: a region on both sides is also "pain on both
sides", an onset word before a painful region is how it began, a vital sign or a shorthand age's
sex letter is a finding, a "history of" with a duration is the presenting complaint, and a test's
analyte results stand beside each other.
"""

from __future__ import annotations

from typing import Any

from hipdx.intake._measurements import MeasurementReader
from hipdx.intake._models import Measurement, Mention, Side, Span, Status
from hipdx.intake._pipeline import ANALYTE
from hipdx.kb.compiled import CompiledKB
from hipdx.kb.language import ContextWords
from hipdx.kb.schema import Finding, FindingKind


def bilateral(
    kb: CompiledKB, words: ContextWords, text: str, mentions: list[Mention]
) -> list[Mention]:
    """A region said to be on both sides ("bilateral lower abdominal pain", "both
    buttocks": the side word in the phrase or just before it) is also the "pain on both
    sides" finding (named in the rules file), where the knowledge base has it."""
    finding = words.bilateral_finding
    if finding is None or not kb.has_finding(finding):
        return []
    both = words.sides[Side.BILATERAL]
    return [
        m.model_copy(update={"finding": finding, "trigger": None})
        for m in mentions
        if m.kind is FindingKind.REGION
        and m.finding != finding
        and m.status is Status.PRESENT
        and both & {*text[: m.span.start].lower().split()[-1:], *m.span.text.lower().split()}
    ]


def onsets(kb: CompiledKB, words: ContextWords, doc: Any, mentions: list[Mention]) -> list[Mention]:
    """An onset word right before a painful region ("acute right groin pain", "acute,
    severe low back pain"), over side words, commas, "and" and pain modifiers, is how the
    pain began (``onset_before_region``); "acute on chronic" is not."""
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
            if onset is not None and kb.has_finding(onset):
                found.append(_onset_mention(kb.finding(onset), doc[index]))
                break
            if lower in words.onset_stops or lower not in skip:
                break
    return found


def readings(
    kb: CompiledKB, measure: MeasurementReader, text: str, start: int, end: int
) -> list[Mention]:
    """Vital signs ("BP 82/50 mmHg") as an explicit result for the finding whose threshold
    they meet or miss (``readings`` in measurements.yaml)."""
    return [
        Mention(
            finding=finding,
            kind=kb.finding(finding).kind,
            span=span,
            status=Status.PRESENT if present else Status.ABSENT,
            trigger=None if present else span,
            test_result=True,
        )
        for finding, present, span in measure.readings(text, start, end)
        if kb.has_finding(finding)
    ]


def shorthand_sexes(
    kb: CompiledKB, measure: MeasurementReader, text: str, start: int, end: int
) -> list[Mention]:
    """The sex letter of a shorthand age ("67F"), as a mention of the sex finding."""
    return [
        Mention(
            finding=sex.finding,
            kind=FindingKind.DEMOGRAPHIC,
            span=sex.span,
            status=Status.PRESENT,
        )
        for _, sex in measure.shorthand_ages(text, start, end)
        if sex is not None and kb.has_finding(sex.finding)
    ]


def presenting(
    words: ContextWords,
    mention: Mention,
    measurements: list[Measurement],
    sentences: list[tuple[int, int]],
) -> Mention:
    """A "history of" followed by how long it has lasted is the presenting complaint, not
    the past: "a history of severe groin pain for 15 minutes", "a history of low back pain
    for three weeks" (a duration of a finding in ``presenting_durations``, later in the
    sentence); "a history of sciatica ten years ago" stays in the past."""
    trigger = mention.trigger
    if (
        mention.status is not Status.HISTORICAL
        or trigger is None
        or not words.ongoing_triggers & set(trigger.text.lower().split())
    ):
        return mention
    start, end = next((s, e) for s, e in sentences if s <= mention.span.start < e)
    if any(
        m.finding in words.presenting_durations
        and trigger.end <= m.span.start < end
        and start <= trigger.start
        for m in measurements
    ):
        return mention.model_copy(update={"status": Status.PRESENT, "trigger": None})
    return mention


def with_analytes(kept: list[Mention], found: list[Mention], spans: list[Any]) -> list[Mention]:
    """``kept`` plus the test-and-analyte mentions pruned only because another analyte's longer
    match contains them: in "urine dipstick negative for blood and leukocytes" the blood result
    stands beside the leukocyte result (each analyte names its own finding). A match inside a
    longer one that begins before it stays pruned: the longer names the specimen ("urine culture
    grew E. coli" is no culture of an unnamed specimen)."""
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
            or (k.span.start < m.span.start and m.span.end <= k.span.end)
            for k in (*kept, *extra)
        ):
            extra.append(m)
    return sorted([*kept, *extra], key=lambda m: (m.span.start, m.span.end))


def _onset_mention(finding: Finding, token: Any) -> Mention:
    return Mention(
        finding=finding.id, kind=finding.kind, span=Span.of_tokens(token), status=Status.PRESENT
    )
