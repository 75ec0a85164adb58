"""Red-flag screening: how much a question tells about whether a red-flag rule will fire.

Red-flag findings often have no evidence row (a rule, not a likelihood ratio, makes them count), so
the differential alone would never ask them. For every red flag that is not decided yet, the
probability that its rule holds is computed from the predicted answer probabilities (unknown
findings independent; ``all`` is a product, ``any`` a noisy-or, ``at_least`` a Poisson-binomial
tail), and each question scores the expected fall in the entropy (bits) of "this rule fires",
summed over the undecided red flags.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, overload

import numpy as np

from hipdx.inference.answers import Answers
from hipdx.kb.compiled import BoolArray, FloatArray
from hipdx.kb.rules import evaluate, rule_findings
from hipdx.kb.schema import Absent, AllOf, AnyOf, RedFlag, Rule


@overload
def rule_probability(
    rule: Rule, present: Mapping[str, float], absent: Mapping[str, float] | None = None
) -> float: ...
@overload
def rule_probability(
    rule: Rule, present: Mapping[str, FloatArray], absent: Mapping[str, FloatArray] | None = None
) -> FloatArray: ...
def rule_probability(
    rule: Rule, present: Mapping[str, Any], absent: Mapping[str, Any] | None = None
) -> Any:
    """P(rule holds) when each finding is present with its probability, independently.

    ``absent`` gives P(the finding is established absent) where that is not 1 - present (a
    finding nobody can ask is neither present nor absent: 0 and 0). The probabilities may be
    arrays (one entry per condition, say), computed element by element."""
    if isinstance(rule, str):
        return present.get(rule, 0.0)
    if isinstance(rule, Absent):
        if absent is not None and rule.absent in absent:
            return absent[rule.absent]
        return 1.0 - present.get(rule.absent, 0.0)
    if isinstance(rule, AllOf):
        return math.prod(rule_probability(part, present, absent) for part in rule.all)
    if isinstance(rule, AnyOf):
        parts = [1 - rule_probability(part, present, absent) for part in rule.any]
        return 1.0 - math.prod(parts)
    counts = [1.0] + [0.0] * len(rule.of)  # P(exactly k parts hold), a Poisson-binomial
    for part in rule.of:
        p = rule_probability(part, present, absent)
        counts = [counts[0] * (1 - p)] + [
            counts[k] * (1 - p) + counts[k - 1] * p for k in range(1, len(counts))
        ]
    return sum(counts[rule.at_least :])


def screening_gains(
    red_flags: tuple[RedFlag, ...],
    answers: Answers,
    question_findings: list[tuple[str, ...]],
    answer_probability: FloatArray,
    open_questions: BoolArray,
) -> FloatArray:
    """Per question (bits), summed over undecided red flags; 0 for questions no rule mentions."""
    present = _present_probabilities(answers, question_findings, answer_probability)
    gains = np.zeros(len(question_findings))
    for flag in red_flags:
        if evaluate(flag.when, answers.known) is not None:
            continue  # fired already, or can no longer fire
        mentioned = set(rule_findings(flag.when))
        before = _binary_entropy(rule_probability(flag.when, present))
        for index, findings in enumerate(question_findings):
            if open_questions[index] and mentioned.intersection(findings):
                after = _expected_entropy(flag.when, present, findings, answer_probability[index])
                gains[index] += before - after
    return gains


def _expected_entropy(
    rule: Rule, present: dict[str, float], findings: tuple[str, ...], probabilities: FloatArray
) -> float:
    """E[entropy of "the rule holds"] over the answers of one question."""
    if len(findings) == 1:  # a yes / no question: answer 0 is "present", answer 1 "absent"
        outcomes = [({findings[0]: 1.0}, probabilities[0]), ({findings[0]: 0.0}, probabilities[1])]
    else:
        outcomes = [
            ({f: float(f == chosen) for f in findings}, probabilities[a])
            for a, chosen in enumerate(findings)
        ]
    return float(
        sum(p * _binary_entropy(rule_probability(rule, present | fixed)) for fixed, p in outcomes)
    )


def _present_probabilities(
    answers: Answers, question_findings: list[tuple[str, ...]], answer_probability: FloatArray
) -> dict[str, float]:
    present = dict.fromkeys(answers.present, 1.0) | dict.fromkeys(answers.absent, 0.0)
    for index, findings in enumerate(question_findings):
        if len(findings) == 1:
            present.setdefault(findings[0], float(answer_probability[index, 0]))
        else:
            for a, finding in enumerate(findings):
                present.setdefault(finding, float(answer_probability[index, a]))
    return present


def _binary_entropy(p: float) -> float:
    p = min(max(p, 0.0), 1.0)
    return -sum(x * math.log2(x) for x in (p, 1 - p) if x > 0)
