"""Blanket normals: a whole examination or test called normal in one clause ("vital signs were
normal", "abdomen soft and non-tender", "X-rays of the hips were unremarkable", "labs within
normal limits", "a neurological exam without focal deficits") is each finding it covers, absent.

A test of one part of the body is a subject only with its site ("MRI of the hip was normal",
"CT of the abdomen and pelvis was unremarkable", "lumbar spine MRI unremarkable"): an MRI called
normal says nothing of a part it did not show.

The subjects, the findings each covers and the normal words are data
(``blanket_normals`` in ``knowledge/language/lexicon.yaml``). A subject and a normal word pair
when they are in the same clause (no stop word between), at most ``max_between`` words apart, with
no other subject and no named finding between them: in "the abdomen was tender, vitals normal" the
"normal" is the vital signs', not the abdomen's. A normal word before its subject opens no new
claim on the way ("normal vital signs", "a benign musculoskeletal and abdominal exam", not "the
skin was normal and the urine dipstick ...").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hipdx.intake._models import Mention, Span, Status
from hipdx.kb.compiled import CompiledKB
from hipdx.kb.language import BlanketNormals
from hipdx.kb.schema import FindingKind

_WORD = re.compile(r"[A-Za-z0-9]+")
#: "Negative for" names what the test was negative for: one answer, not a normal study.
_NEGATIVE_FOR = re.compile(r"negative\s+for\b", re.IGNORECASE)
#: How far after "negative" a finding it is negative for may end (characters): "negative for
#: acute fracture" names a finding of its own; "negative for osseous involvement" names none and
#: is the study's normal.
_FOR_REACH = 40
#: Between a normal word and the subject after it, a new claim ("normal and the urine dipstick was
#: negative for blood"), not coordinated subjects ("a benign musculoskeletal and abdominal exam").
_JOINED = re.compile(
    r"\b(?:and|or|with|but)\s+(?:the|a|an|her|his|their|she|he|they)\b", re.IGNORECASE
)
#: Between a normal word and a subject after it, the start of another item of a list: "renal
#: function normal, Hb=12.8 g/dL" (the normal word is the renal function's).
_NEW_ITEM = re.compile(_JOINED.pattern + r"|[,;]", re.IGNORECASE)
#: After a normal word that follows its subject, a word that is none of these is a noun it
#: describes, not the subject's result: "the radiograph shows loss of the normal spherical
#: shape", "radiography showed vertebrae with normal anatomic alignment", "MRI of the hip showed a
#: normal femoral head and ..." (one structure of a study, which rules out nothing else).
_AFTER_RESULT = re.compile(
    r"\s*(?:$|[^A-Za-z\s]|(?:and|or|but|except|apart|aside|save|other|besides|with|without|"
    r"in|on|at|of|for|to|by|as|from|around|throughout|bilaterally|overall|otherwise|again|too|also|"
    r"today|now|initially|both|"
    r"limits?|range|findings?|appearances?|appearing|results?|studies|study|values?|levels?|"
    r"scans?|imaging|exam|examination|examinations|status)\b)",
    re.IGNORECASE,
)
#: Between subjects coordinated before one normal word ("a complete blood cell count,
#: prothrombin time, and partial thromboplastin time were all normal").
_COORDINATION = re.compile(r"\s*(?:,\s*)?(?:(?:and|or)\s+)?(?:(?:the|a|an)\s+)?", re.IGNORECASE)


def _alternatives(phrases: list[str]) -> str:
    ordered = sorted({" ".join(p.split()) for p in phrases}, key=len, reverse=True)
    return "|".join(r"\s*".join(re.escape(w) for w in p.split(" ")) for p in ordered)


def _pattern(phrases: list[str]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    return re.compile(
        r"(?<![A-Za-z])(?:" + _alternatives(phrases) + r")(?![A-Za-z])", re.IGNORECASE
    )


def _at_site(
    tests: list[str], sites: list[str], between: int, other_tests: list[str]
) -> re.Pattern[str]:
    """A test and a site named together, either first, at most ``between`` words apart with no
    clause break (";", a full stop) and no other test between: "MRI of the right hip", "lumbar
    spine MRI", not the ultrasound of "pelvic X-ray, hip ultrasound" for the pelvis."""
    test, site = _alternatives(tests), _alternatives(sites)
    other = _alternatives(other_tests)
    gap = rf"(?:[^\w;.]+(?!(?:{other})(?![A-Za-z]))\w+){{0,{between}}}?[^\w;.]+"
    return re.compile(
        rf"(?<![A-Za-z])(?:(?:{test}){gap}(?:{site})|(?:{site}){gap}(?:{test}))(?![A-Za-z])",
        re.IGNORECASE,
    )


@dataclass(frozen=True)
class _Subject:
    pattern: re.Pattern[str]
    findings: tuple[str, ...]
    normal: re.Pattern[str]
    kinds: frozenset[FindingKind]
    at_site: bool = False


class BlanketReader:
    """Finds blanket normals in a sentence."""

    def __init__(self, kb: CompiledKB, rules: BlanketNormals) -> None:
        self._kb = kb
        self._max_between = rules.max_between
        shared = _pattern(rules.normal_words)
        self._stops = _pattern(rules.stops)
        self._subjects: list[_Subject] = []
        every_subject = [w for subject in rules.subjects for w in subject.words]
        for subject in rules.subjects:
            findings = tuple(f for f in subject.findings if kb.has_finding(f))
            words = (
                _pattern(subject.words)
                if subject.sites is None
                else _at_site(subject.words, subject.sites, subject.site_between, every_subject)
            )
            normal = shared if subject.normal_words is None else _pattern(subject.normal_words)
            if findings and words is not None and normal is not None:
                kinds = frozenset(kb.finding(f).kind for f in findings)
                at_site = subject.sites is not None
                self._subjects.append(_Subject(words, findings, normal, kinds, at_site))
        # what ends a subject's reach: another subject (a test only with its site: "X-rays and
        # an MRI of the lumbar spine were normal" still clears the radiographs)
        self._any_subject = _pattern(
            [w for s in rules.subjects if s.sites is None for w in s.words]
        )
        self._any_test_at_site = [s.pattern for s in self._subjects if s.at_site]

    def read(self, text: str, start: int, end: int, mentions: list[Mention]) -> list[Mention]:
        """The absent findings that blanket normals in ``text[start:end]`` (one sentence) say."""
        found: list[Mention] = []
        # a site a test is of is no subject of its own ("CT of the abdomen": not the abdominal
        # examination)
        tested = [m.span() for p in self._any_test_at_site for m in p.finditer(text, start, end)]
        for subject in self._subjects:
            for match in subject.pattern.finditer(text, start, end):
                if not subject.at_site and any(
                    low <= match.start() < high for low, high in tested
                ):  # (nor the words after it: "... of the abdomen was normal")
                    continue
                normal = self._nearest_normal(text, start, end, match, subject, mentions)
                if normal is None:
                    continue
                low, high = min(match.start(), normal[0]), max(match.end(), normal[1])
                span = Span.within(text, low, high)
                trigger = Span.within(text, *normal)
                found.extend(
                    Mention(
                        finding=f,
                        kind=self._kb.finding(f).kind,
                        span=span,
                        status=Status.ABSENT,
                        trigger=trigger,
                    )
                    for f in subject.findings
                )
        return found

    def _nearest_normal(
        self,
        text: str,
        start: int,
        end: int,
        subject: re.Match[str],
        rules: _Subject,
        mentions: list[Mention],
    ) -> tuple[int, int] | None:
        best: tuple[int, tuple[int, int]] | None = None
        for match in rules.normal.finditer(text, start, end):
            # a finding of the subject's kind called normal by the same word is coordinated
            # with it ("complete blood count, ... and erythrocyte sedimentation rate were
            # normal"), not between it and its normal word
            named = [
                (m.span.start, m.span.end)
                for m in mentions
                if not (
                    m.kind in rules.kinds
                    and m.status is Status.ABSENT
                    and m.trigger is not None
                    and m.trigger.start == match.start()
                )
            ]
            if match.start() < subject.end() and subject.start() < match.end():
                continue
            if match.start() >= subject.end() and not _AFTER_RESULT.match(text, match.end(), end):
                continue  # "shows loss of the normal spherical shape": a noun's attribute
            if _NEGATIVE_FOR.match(text, match.start(), end) and any(
                m.finding not in rules.findings
                and match.end() < m.span.end <= match.end() + _FOR_REACH
                for m in mentions
            ):
                continue  # "negative for acute fracture": that finding's answer, not the study's
            low, high = (
                (subject.end(), match.start())
                if match.start() >= subject.end()
                else (match.end(), subject.start())
            )
            words = len(_WORD.findall(text, low, high))
            if words > self._max_between or not self._same_clause(text, low, high, named):
                continue
            if match.end() <= subject.start() and _NEW_ITEM.search(text, low, high):
                continue  # "the skin was normal and the urine dipstick ...", "renal function
                # normal, Hb=12.8 g/dL": the normal word is the item's before it
            if best is None or words < best[0]:
                best = (words, (match.start(), match.end()))
        return None if best is None else best[1]

    def _same_clause(self, text: str, low: int, high: int, named: list[tuple[int, int]]) -> bool:
        if self._stops is not None and self._stops.search(text, low, high):
            return False
        if self._any_subject is not None:
            low = self._past_coordinated(text, low, high)
            if self._any_subject.search(text, low, high):
                return False
        if any(p.search(text, low, high) for p in self._any_test_at_site):
            return False
        return not any(low < m_end and m_start < high for m_start, m_end in named)

    def _past_coordinated(self, text: str, low: int, high: int) -> int:
        """Where the text after a subject goes on past the subjects coordinated with it ("CBC,
        prothrombin time, and partial thromboplastin time were all normal"): each joined to the
        one before by a comma or "and"/"or" only."""
        assert self._any_subject is not None
        while (joint := _COORDINATION.match(text, low, high)) and (
            other := self._any_subject.match(text, joint.end(), high)
        ):
            low = other.end()
        return low
