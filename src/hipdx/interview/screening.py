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
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from hipdx.inference.answers import Answers
from hipdx.interview.circuit import Index, RuleCircuit, concatenated, rule_circuit
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


@dataclass(frozen=True)
class ScreeningPlan:
    """The screening of every red flag of a question bank, worked out once: the rules as one
    circuit (`hipdx.interview.circuit`), and every (flag, question it mentions) pair with the
    positions of its answers' scenarios among the rules' root cells."""

    circuit: RuleCircuit
    flags: dict[str, int]  # red flag id -> its index
    question: Index  # per circuit finding, the first question that asks it (-1: none)
    answer: Index  # and the answer of that question that sets it present
    roots: Index  # every column of every rule's root, flag after flag
    now: Index  # per flag, the position of its "now" column in ``roots``
    pair_flag: Index  # (pairs,)
    pair_question: Index  # (pairs,)
    pair_scenarios: Index  # (pairs, answers): positions in ``roots``, len(roots) for padding
    asks: tuple[Index, Index, Index]  # every (circuit finding, question, answer setting it)

    def askable(self, open_questions: BoolArray) -> BoolArray:
        """Per finding of the circuit: whether an open question asks it."""
        findings, questions, _ = self.asks
        askable = np.zeros(len(self.circuit.findings), dtype=bool)
        askable[findings[open_questions[questions]]] = True
        return askable

    def predicted(self, answer_probability: FloatArray, open_questions: BoolArray) -> FloatArray:
        """Per finding of the circuit: P(present) predicted by the first open question that
        asks it (NaN where none does)."""
        findings, questions, answers = self.asks
        open_ = open_questions[questions]
        found, first = np.unique(findings[open_], return_index=True)
        predicted = np.full(len(self.circuit.findings), np.nan)
        predicted[found] = answer_probability[questions[open_][first], answers[open_][first]]
        return predicted


def screening_plan(
    red_flags: tuple[RedFlag, ...],
    screens: Mapping[str, FlagScreen],
    question_findings: list[tuple[str, ...]],
    width: int,
) -> ScreeningPlan:
    """The `ScreeningPlan` of ``red_flags`` over the questions (each one's findings), whose
    answers are padded to ``width``."""
    plans = [screens[flag.id] for flag in red_flags]
    overrides = [
        {
            f: (screen.present_in[f].tolist(), screen.absent_in[f].tolist())
            for f in screen.present_in
        }
        for screen in plans
    ]
    circuit = rule_circuit([f.when for f in red_flags], [s.scenarios for s in plans], overrides)
    columns = circuit.columns.tolist()
    starts = np.concatenate([[0], np.cumsum(columns)[:-1]]).astype(np.intp)
    roots = concatenated([circuit.scenarios.roots[f] + np.arange(c) for f, c in enumerate(columns)])
    pair_flag, pair_question, pair_scenarios = [], [], []
    for flag, screen in enumerate(plans):
        for n, question in enumerate(screen.questions):
            first = int(starts[flag]) + 1 + screen.starts[n]
            cells = [first + a for a in range(screen.answers[n])]
            pair_flag.append(flag)
            pair_question.append(question)
            pair_scenarios.append(cells + [len(roots)] * (width - len(cells)))
    asked = _first_question(circuit.findings, question_findings)
    return ScreeningPlan(
        circuit=circuit,
        flags={flag.id: i for i, flag in enumerate(red_flags)},
        question=np.array([q for q, _ in asked], dtype=np.intp),
        answer=np.array([a for _, a in asked], dtype=np.intp),
        roots=roots,
        now=starts,
        pair_flag=np.array(pair_flag, dtype=np.intp),
        pair_question=np.array(pair_question, dtype=np.intp),
        pair_scenarios=np.array(pair_scenarios, dtype=np.intp).reshape(-1, width),
        asks=_asks(circuit.position, question_findings),
    )


def _asks(
    position: dict[str, int], question_findings: list[tuple[str, ...]]
) -> tuple[Index, Index, Index]:
    """Every (finding, question, answer that sets it present), questions in order: a yes / no
    question's "present" is answer 0, a group's member its own answer."""
    triples = [
        (position[f], index, answer)
        for index, findings in enumerate(question_findings)
        for answer, f in enumerate(findings)
        if f in position
    ]
    return (
        np.array([f for f, _, _ in triples], dtype=np.intp),
        np.array([q for _, q, _ in triples], dtype=np.intp),
        np.array([a for _, _, a in triples], dtype=np.intp),
    )


def _first_question(
    findings: tuple[str, ...], question_findings: list[tuple[str, ...]]
) -> list[tuple[int, int]]:
    """Per finding, (the first question that sets it, the answer that sets it present), or
    (-1, 0): a yes / no question's "present" is answer 0, a group's member its own answer."""
    first: dict[str, tuple[int, int]] = {}
    for index, members in enumerate(question_findings):
        for answer, finding in enumerate(members):
            first.setdefault(finding, (index, answer))
    return [first.get(f, (-1, 0)) for f in findings]


def all_screening_gains(
    plan: ScreeningPlan,
    red_flags: tuple[RedFlag, ...],
    answers: Answers,
    answer_probability: FloatArray,
    open_questions: BoolArray,
    *,
    undecided: BoolArray | None = None,
) -> FloatArray:
    """`screening_gains` of every question at once, bit for bit the same: the rules evaluated
    on every scenario in one pass of the circuit, the entropies and their expectations as
    array operations, added per question in the order of ``red_flags``. ``undecided``: per
    red flag of the plan, whether the answers leave it undecided (computed when not given)."""
    circuit = plan.circuit
    known_present, known_absent = known_findings(circuit, answers)
    if undecided is None:
        undecided = ~circuit.decided(known_present, known_absent)
    present = np.where(plan.question >= 0, answer_probability[plan.question, plan.answer], 0.0)
    present[known_present], present[known_absent] = 1.0, 0.0
    entropy = np.append(binary_entropies(circuit.probabilities(present)[plan.roots]), 0.0)
    order = np.full(len(plan.flags), len(plan.flags))
    order[[plan.flags[flag.id] for flag in red_flags]] = np.arange(len(red_flags))
    screened = (order < len(plan.flags)) & undecided
    pairs = np.flatnonzero(screened[plan.pair_flag] & open_questions[plan.pair_question])
    pairs = pairs[np.argsort(order[plan.pair_flag[pairs]], kind="stable")]
    questions = plan.pair_question[pairs]
    terms = answer_probability[questions] * entropy[plan.pair_scenarios[pairs]]
    after = np.zeros(len(pairs))
    for column in terms.T:  # Σ over the answers, in order, as `sum` adds them
        after = after + column
    gains = np.zeros(len(open_questions))
    np.add.at(gains, questions, entropy[plan.now[plan.pair_flag[pairs]]] - after)
    return gains


def known_findings(circuit: RuleCircuit, answers: Answers) -> tuple[BoolArray, BoolArray]:
    """Per finding of the circuit: answered present, answered absent."""
    present = np.zeros(len(circuit.findings), dtype=bool)
    absent = np.zeros(len(circuit.findings), dtype=bool)
    present[[circuit.position[f] for f in answers.present if f in circuit.position]] = True
    absent[[circuit.position[f] for f in answers.absent if f in circuit.position]] = True
    return present, absent


def binary_entropies(p: FloatArray) -> FloatArray:
    """`_binary_entropy` of every element, bit for bit: the logarithms are the C library's
    (`math.log2`), as NumPy's own may differ in the last bit."""
    p = np.clip(p, 0.0, 1.0)
    q = 1.0 - p
    return -(_plogp(p) + _plogp(q))


def _plogp(p: FloatArray) -> FloatArray:
    """p·log2(p), 0 where p is 0."""
    positive = np.where(p > 0, p, 1.0)
    logs = np.fromiter(map(math.log2, positive.tolist()), dtype=np.float64, count=len(positive))
    return np.where(p > 0, p * logs, 0.0)
