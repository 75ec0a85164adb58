"""Red-flag screening: how much a question tells about whether a red-flag rule will fire.

Red-flag findings often have no evidence row (a rule, not a likelihood ratio, makes them count), so
the differential alone would never ask them. For every red flag that is not decided yet, the
probability that its rule holds is computed from the predicted answer probabilities (unknown
findings independent; ``all`` is a product, ``any`` a noisy-or, ``at_least`` a Poisson-binomial
tail), and each question scores the expected fall in the entropy (bits) of "this rule fires",
summed over the undecided red flags.

`screening_gains` computes it one flag at a time, plainly; the interview uses
`hipdx.interview.screening_plan.all_screening_gains`, the same numbers bit for bit as array
operations.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
import numpy.typing as npt

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


@dataclass(frozen=True)
class FlagScreen:
    """What screening one red flag needs from the question bank, worked out once: the
    questions its rule mentions, and every answer of them as one entry ("scenario") of the
    arrays the rule is evaluated on: per mentioned finding, the scenarios that set it present
    and those that set it absent."""

    rule: Rule
    mentioned: tuple[str, ...]  # the findings the rule mentions
    questions: tuple[int, ...]  # ascending
    starts: tuple[int, ...]  # per question, its first scenario
    answers: tuple[int, ...]  # per question, how many answers (scenarios) it has
    present_in: dict[str, npt.NDArray[np.intp]]
    absent_in: dict[str, npt.NDArray[np.intp]]
    scenarios: int


def flag_screen(rule: Rule, question_findings: list[tuple[str, ...]]) -> FlagScreen:
    """The `FlagScreen` of a red flag's rule over the questions (each one's findings)."""
    mentioned = set(rule_findings(rule))
    questions = tuple(i for i, f in enumerate(question_findings) if mentioned.intersection(f))
    starts, answers = [], []
    present_in: dict[str, list[int]] = {f: [] for f in mentioned}
    absent_in: dict[str, list[int]] = {f: [] for f in mentioned}
    scenario = 0
    for index in questions:
        findings = question_findings[index]
        # a yes / no question: answer 0 is "present", answer 1 "absent"; a group: one per answer
        outcomes = [findings[0]] if len(findings) == 1 else list(findings)
        starts.append(scenario)
        answers.append(2 if len(findings) == 1 else len(findings))
        for chosen in outcomes:
            for finding in findings:
                if finding in mentioned:
                    (present_in if finding == chosen else absent_in)[finding].append(scenario)
            scenario += 1
        if len(findings) == 1:
            if findings[0] in mentioned:
                absent_in[findings[0]].append(scenario)
            scenario += 1
    varied = {f for f in mentioned if present_in[f] or absent_in[f]}
    return FlagScreen(
        rule=rule,
        mentioned=tuple(sorted(mentioned)),
        questions=questions,
        starts=tuple(starts),
        answers=tuple(answers),
        present_in={f: np.array(present_in[f], dtype=np.intp) for f in varied},
        absent_in={f: np.array(absent_in[f], dtype=np.intp) for f in varied},
        scenarios=scenario,
    )


def screening_gains(
    red_flags: tuple[RedFlag, ...],
    answers: Answers,
    question_findings: list[tuple[str, ...]],
    answer_probability: FloatArray,
    open_questions: BoolArray,
    screens: Mapping[str, FlagScreen],
) -> FloatArray:
    """Per question (bits), summed over undecided red flags; 0 for questions no rule mentions.
    ``screens``: per red flag id, its `FlagScreen` (the question bank's)."""
    present = _present_probabilities(answers, question_findings, answer_probability)
    chances = answer_probability.tolist()
    gains = np.zeros(len(question_findings))
    for flag in red_flags:
        if evaluate(flag.when, answers.known) is not None:
            continue  # fired already, or can no longer fire
        screen = screens[flag.id]
        # a rule reads only the findings it mentions
        local = {f: present[f] for f in screen.mentioned if f in present}
        before = _binary_entropy(rule_probability(flag.when, local))
        asked_about = [n for n, i in enumerate(screen.questions) if open_questions[i]]
        if asked_about:
            holds = _holds_per_scenario(screen, local)
            for n in asked_about:
                index, start = screen.questions[n], screen.starts[n]
                outcomes = zip(chances[index][: screen.answers[n]], holds[start:], strict=False)
                after = float(sum(p * _binary_entropy(h) for p, h in outcomes))
                gains[index] += before - after
    return gains


def _holds_per_scenario(screen: FlagScreen, present: dict[str, float]) -> list[float]:
    """P(the rule holds) in every scenario of ``screen``: the rule evaluated once on arrays,
    element by element the same arithmetic as one answer at a time."""
    scenarios: dict[str, Any] = dict(present)
    for finding, ones in screen.present_in.items():
        values = np.full(screen.scenarios, present.get(finding, 0.0))
        values[ones] = 1.0
        values[screen.absent_in[finding]] = 0.0
        scenarios[finding] = values
    holds = rule_probability(screen.rule, scenarios)
    return list(np.broadcast_to(holds, (screen.scenarios,)).tolist())


def _present_probabilities(
    answers: Answers, question_findings: list[tuple[str, ...]], answer_probability: FloatArray
) -> dict[str, float]:
    present = dict.fromkeys(answers.present, 1.0) | dict.fromkeys(answers.absent, 0.0)
    for findings, chances in zip(question_findings, answer_probability.tolist(), strict=True):
        if len(findings) == 1:
            present.setdefault(findings[0], chances[0])
        else:
            for finding, chance in zip(findings, chances, strict=False):
                present.setdefault(finding, chance)
    return present


def _binary_entropy(p: float) -> float:
    p = min(max(p, 0.0), 1.0)
    return -sum(x * math.log2(x) for x in (p, 1 - p) if x > 0)
