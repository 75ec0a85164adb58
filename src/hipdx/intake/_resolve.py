"""From mentions and measurements to one answer per finding, by documented rules.

Which mentions count (``counts``): present, absent, and for risk factors, imaging and labs also
historical ones ("history of cancer", "a previous MRI showed a labral tear" are still true of the
patient), except risk factors that are a current activity (``current_only``: "used to run
marathons" is not running now). Hypothetical, family and uncertain mentions are reported but set
nothing.

When a finding is said both ways (``decide``):
1. ``examiner_result``: an examination finding with an explicit result ("FADIR was negative")
   takes the last explicit result;
2. ``affirmed_wins``: otherwise any affirmed mention wins.
A measured number beats words about the findings it sets (``measurement_wins``), unless it was
written without its unit and read in another unit it agrees with them (``unit_from_words``:
"elevated CRP (9.5)" is 95 mg/L, the number in mg/dL, not a normal 9.5 mg/L); of several
answers to one exclusive question the first mentioned is kept (``first_answer_wins``); of two
numbers for one finding the first is kept (``first_number_wins``); a vaguer finding is dropped
where the note names one of its parts (``part_named``, the finding's ``parts`` in the knowledge
base: "hip pain ... radiating to the groin" is groin pain, counted once). Whatever the case
still cannot use is dropped (``dropped_invalid``). Each decision is reported as a `Conflict`.
"""

from __future__ import annotations

from collections import defaultdict

from hipdx.inference.answers import AGE_FINDING, SEX_FINDINGS, encode
from hipdx.inference.case import Case
from hipdx.intake._models import Conflict, Measurement, Mention, Span, Status
from hipdx.issues import errors_in
from hipdx.kb.compiled import CompiledKB
from hipdx.kb.schema import FindingKind

#: Kinds of finding for which a historical mention still describes the patient now.
_HISTORY_COUNTS = {FindingKind.RISK_FACTOR, FindingKind.IMAGING, FindingKind.LAB}


def counts(mention: Mention, current_only: frozenset[str] = frozenset()) -> bool:
    """Whether a mention says something about the patient now (a finding in ``current_only`` is
    an activity: only a present or absent mention of it does)."""
    if mention.status in (Status.PRESENT, Status.ABSENT):
        return True
    return (
        mention.status is Status.HISTORICAL
        and mention.kind in _HISTORY_COUNTS
        and mention.finding not in current_only
    )


def polarity(mention: Mention) -> bool:
    return mention.status is not Status.ABSENT


def decide(mentions: list[Mention]) -> tuple[bool, str | None]:
    """The answer for one finding's counting mentions, and the rule used if they disagree."""
    values = {polarity(m) for m in mentions}
    if len(values) == 1:
        return values.pop(), None
    results = [m for m in mentions if m.test_result]
    if results:
        return polarity(results[-1]), "examiner_result"
    return True, "affirmed_wins"


def resolve(
    kb: CompiledKB,
    mentions: list[Mention],
    measurements: list[Measurement],
    base: Case,
    current_only: frozenset[str] = frozenset(),
    parts: dict[str, list[str]] | None = None,
) -> tuple[Case, list[Conflict]]:
    """The case the text describes, and how disagreements were settled (``parts``: a vaguer
    finding and the findings that name a part of it, each finding's ``parts``)."""
    conflicts: list[Conflict] = []
    answers = _word_answers([m for m in mentions if counts(m, current_only)], conflicts)
    numbers = _numbers(measurements, conflicts)
    _numbers_beat_words(kb, numbers, measurements, answers, mentions, conflicts)
    _first_answer_of_a_question(kb, answers, mentions, conflicts)
    _parts_named(answers, mentions, conflicts, parts or {})
    age = numbers.pop(AGE_FINDING, None)
    sex = next((s for s, f in SEX_FINDINGS.items() if answers.pop(f, None)), None)
    for finding in SEX_FINDINGS.values():
        answers.pop(finding, None)
    raw = base.model_dump(mode="json")
    raw["findings"] = {**answers, **numbers}
    raw["age"] = age if age is not None else base.age
    raw["sex"] = sex if sex is not None else raw["sex"]
    return _drop_invalid(kb, Case.model_validate(raw), conflicts), conflicts


def _word_answers(mentions: list[Mention], conflicts: list[Conflict]) -> dict[str, bool]:
    by_finding: dict[str, list[Mention]] = defaultdict(list)
    for mention in mentions:
        if counts(mention):
            by_finding[mention.finding].append(mention)
    answers = {}
    for finding, found in by_finding.items():
        answers[finding], rule = decide(found)
        if rule is not None:
            spans = tuple(m.span for m in found)
            conflicts.append(
                Conflict(finding=finding, decided=answers[finding], rule=rule, spans=spans)
            )
    return answers


def _numbers(measurements: list[Measurement], conflicts: list[Conflict]) -> dict[str, float]:
    numbers: dict[str, float] = {}
    spans: dict[str, list[Span]] = defaultdict(list)
    for measurement in measurements:
        spans[measurement.finding].append(measurement.span)
        numbers.setdefault(measurement.finding, measurement.value)
    for finding, found in spans.items():
        values = {m.value for m in measurements if m.finding == finding}
        if len(values) > 1:
            conflicts.append(
                Conflict(
                    finding=finding, decided=None, rule="first_number_wins", spans=tuple(found)
                )
            )
    return numbers


def _numbers_beat_words(
    kb: CompiledKB,
    numbers: dict[str, float],
    measurements: list[Measurement],
    answers: dict[str, bool],
    mentions: list[Mention],
    conflicts: list[Conflict],
) -> None:
    for finding, value in list(numbers.items()):
        spec = kb.finding(finding).numeric
        assert spec is not None
        words = {t.finding: answers[t.finding] for t in spec.derive if t.finding in answers}
        if any(words[t.finding] != t.contains(value) for t in spec.derive if t.finding in words):
            first = next(m for m in measurements if m.finding == finding)
            agreeing = [
                v
                for v in first.alternatives
                if all(words[t.finding] == t.contains(v) for t in spec.derive if t.finding in words)
            ]
            if len(agreeing) == 1:  # the one other unit the words agree with
                numbers[finding] = value = agreeing[0]
                for word_finding, answer in words.items():
                    conflicts.append(_conflict(word_finding, answer, "unit_from_words", mentions))
        for threshold in spec.derive:
            said = answers.get(threshold.finding)
            if said is not None and said != threshold.contains(value):
                del answers[threshold.finding]
                conflicts.append(_conflict(threshold.finding, None, "measurement_wins", mentions))


def _first_answer_of_a_question(
    kb: CompiledKB, answers: dict[str, bool], mentions: list[Mention], conflicts: list[Conflict]
) -> None:
    order = {m.finding: i for i, m in reversed(list(enumerate(mentions)))}
    for group in kb.knowledge.groups:
        present = sorted(
            (f for f in group.members if answers.get(f)), key=lambda f: order.get(f, 0)
        )
        for extra in present[1:]:
            del answers[extra]
            conflicts.append(_conflict(extra, None, "first_answer_wins", mentions))


def _parts_named(
    answers: dict[str, bool],
    mentions: list[Mention],
    conflicts: list[Conflict],
    parts: dict[str, list[str]],
) -> None:
    """Drop a vaguer finding affirmed where one of its parts is affirmed too: its evidence is
    the part's, and counting both would count one pain twice."""
    for vaguer, named in parts.items():
        if answers.get(vaguer) and any(answers.get(part) for part in named):
            del answers[vaguer]
            conflicts.append(_conflict(vaguer, None, "part_named", mentions))


def _drop_invalid(kb: CompiledKB, case: Case, conflicts: list[Conflict]) -> Case:
    findings = dict(case.findings)
    for _ in range(len(findings) + 1):
        _, issues = encode(case.model_copy(update={"findings": findings}), kb)
        bad = {e.where.removeprefix("findings.") for e in errors_in(issues)} & set(findings)
        if not bad:
            break
        for finding in sorted(bad):
            del findings[finding]
            conflicts.append(
                Conflict(finding=finding, decided=None, rule="dropped_invalid", spans=())
            )
    return case.model_copy(update={"findings": findings})


def _conflict(finding: str, decided: bool | None, rule: str, mentions: list[Mention]) -> Conflict:
    spans = tuple(m.span for m in mentions if m.finding == finding)
    return Conflict(finding=finding, decided=decided, rule=rule, spans=spans)
