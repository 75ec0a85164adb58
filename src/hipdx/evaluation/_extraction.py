"""Extraction quality of intake against a hand-annotated gold set (precision, recall, negation).

A gold passage lists the findings its text states about the patient now (``expected``: true,
false or a number) and those it mentions but that are not current (``not_current``: history,
hypothetical, family). A predicted answer is right when the finding and its value match (numbers
within 2% or 0.1). Age and sex count as ``age_years`` and ``sex_female``/``sex_male``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from hipdx.inference.answers import AGE_FINDING, SEX_FINDINGS
from hipdx.inference.case import Answer, Case
from hipdx.kb.compiled import CompiledKB

#: Overall kinds reported beside the finding kinds of the knowledge base.
OVERALL = "overall"


class GoldPassage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    style: str
    text: str
    expected: dict[str, Answer]
    not_current: list[str] = []
    source: str = ""  # the case report a passage was taken from, when it was taken from one


class KindScore(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str
    true_positives: int
    predicted: int
    expected: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.expected if self.expected else 1.0


class ExtractionReport(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    passages: int
    by_kind: dict[str, KindScore]
    negated: int
    negated_correct: int
    not_current: int
    not_current_correct: int
    errors: tuple[str, ...]  # "g12: pain_groin expected True, got None"

    @property
    def overall(self) -> KindScore:
        return self.by_kind[OVERALL]

    @property
    def negation_accuracy(self) -> float:
        return self.negated_correct / self.negated if self.negated else 1.0

    @property
    def not_current_accuracy(self) -> float:
        return self.not_current_correct / self.not_current if self.not_current else 1.0


def load_gold(path: Path) -> list[GoldPassage]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [GoldPassage.model_validate(json.loads(line)) for line in lines if line.strip()]


def predicted_answers(case: Case) -> dict[str, Answer]:
    """A case's findings with age and sex written as their findings."""
    answers = dict(case.findings)
    if case.age is not None:
        answers[AGE_FINDING] = case.age
    if case.sex is not None:
        answers[SEX_FINDINGS[case.sex.value]] = True
    return answers


def score_extraction(
    kb: CompiledKB, gold: Sequence[GoldPassage], parse: Callable[[str], Case]
) -> ExtractionReport:
    """Compare what ``parse`` finds in each passage with the annotation."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    errors: list[str] = []
    negated = negated_correct = not_current = not_current_correct = 0
    for passage in gold:
        predicted = predicted_answers(parse(passage.text))
        for finding in set(predicted) | set(passage.expected):
            kind = kb.finding(finding).kind.value if kb.has_finding(finding) else "unknown"
            right = finding in passage.expected and same_answer(
                predicted.get(finding), passage.expected[finding]
            )
            for key in (kind, OVERALL):
                counts[key][0] += right
                counts[key][1] += finding in predicted
                counts[key][2] += finding in passage.expected
            if not right:
                wanted = passage.expected.get(finding)
                errors.append(
                    f"{passage.id}: {finding} expected {wanted}, got {predicted.get(finding)}"
                )
            if passage.expected.get(finding) is False:
                negated += 1
                negated_correct += right
        for finding in passage.not_current:
            not_current += 1
            not_current_correct += finding not in predicted
    return ExtractionReport(
        passages=len(gold),
        by_kind={
            k: KindScore(kind=k, true_positives=c[0], predicted=c[1], expected=c[2])
            for k, c in sorted(counts.items())
        },
        negated=negated,
        negated_correct=negated_correct,
        not_current=not_current,
        not_current_correct=not_current_correct,
        errors=tuple(sorted(errors)),
    )


def same_answer(predicted: Answer | None, expected: Answer) -> bool:
    """The gold sets' rule: the same truth value, or numbers within 2% or 0.1."""
    if predicted is None or isinstance(predicted, bool) or isinstance(expected, bool):
        return predicted is expected
    return abs(predicted - expected) <= max(0.1, 0.02 * abs(expected))
