"""One match read in its context: a `Mention` with its status (negated, historical, a family
member's, ...), the examiner's explicit result, the result of a test named with its analyte, and
its side. Which phrases need a result word, and which name a finding in one status only, come from
the lexicon and ``knowledge/language/``.
"""

from __future__ import annotations

from typing import Any

from hipdx.inference.answers import SEX_FINDINGS
from hipdx.intake._context import examiner_result, inner_negation, side_of, status_of
from hipdx.intake._imaging import denied_lesion
from hipdx.intake._lexicon import DENIAL, Lexicon
from hipdx.intake._models import Mention, Span, Status
from hipdx.intake._pipeline import ANALYTE
from hipdx.kb.compiled import CompiledKB
from hipdx.kb.language import ContextWords, LexiconRules
from hipdx.kb.schema import Finding, FindingKind

#: Kinds of finding that have a side (a pain region, a test, a scan finding).
_SIDED = {FindingKind.REGION, FindingKind.SYMPTOM, FindingKind.EXAM, FindingKind.IMAGING}
#: Kinds of finding whose denied past says nothing about now (`status_of`).
_PAST_OVER_NEGATION = {FindingKind.REGION, FindingKind.SYMPTOM}


class MentionReader:
    """Reads each match of the knowledge base's phrases into a mention."""

    def __init__(
        self, kb: CompiledKB, lexicon: Lexicon, rules: LexiconRules, words: ContextWords
    ) -> None:
        self._kb = kb
        self._words = words
        self._only = {(t.phrase.lower(), t.finding): t.only for t in lexicon.terms if t.only}
        self._result_phrases = frozenset(
            t.phrase.lower()
            for t in lexicon.terms
            if self._is_result_finding(kb.finding(t.finding))
        )
        self._required = frozenset(" ".join(p.lower().split()) for p in rules.result_required)
        self.analytes = rules.test_analytes.model_copy(
            update={
                "findings": {
                    f: test for f, test in rules.test_analytes.findings.items() if kb.has_finding(f)
                }
            }
        )

    def read(
        self, text: str, span: Any, tests: frozenset[int], targets: list[tuple[int, int]]
    ) -> Mention | None:
        """The mention a match makes in its context; None when its phrase names the finding
        only in another status. ``tests``: the tokens of examination matches; ``targets``: the
        spans of all matches of the block."""
        finding = self._kb.finding(span.label_)
        status, trigger = status_of(
            span, targets, past_over_negation=finding.kind in _PAST_OVER_NEGATION
        )
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
        if negation is None and (denied := denied_lesion(span)) is not None:
            negation = Span.of_tokens(denied)  # "the hip showed no effusion"
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
        only = self._only_in(span)
        if only == DENIAL:
            if status is not Status.PRESENT:
                return None  # "not postmenopausal" says nothing
            status, trigger = Status.ABSENT, Span.of_tokens(span)  # "postmenopausal"
        elif only not in (None, status.value) and not (
            only == Status.PRESENT.value and status is Status.HISTORICAL
        ):
            # "a rash" says nothing about a dermatomal rash, "no rash" does; a phrase named only
            # when affirmed is affirmed in the past too ("a history of diabetes")
            return None
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
        rules = self.analytes
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

    def _only_in(self, span: Any) -> str | None:
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
