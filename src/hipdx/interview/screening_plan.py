"""Red-flag screening of every question at once: `screening_gains` as array operations.

The plan (`ScreeningPlan`, built once per question bank) holds every red flag's rule as one
circuit (`hipdx.interview.circuit`) and every (flag, question it mentions) pair with the
positions of its answers' scenarios. Per step, one pass of the circuit gives P(rule holds) now
and in every scenario; the entropies (with the C library's logarithm, as the per-flag code
takes them) and their expectations over each question's answers are array operations, added
per question in the order of the red flags: bit for bit `screening_gains`, which stays as the
plain reference the tests compare with.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from hipdx.inference.answers import Answers
from hipdx.interview.circuit import (
    Index,
    RuleCircuit,
    Unasked,
    concatenated,
    rule_circuit,
    unasked_layout,
)
from hipdx.interview.screening import FlagScreen
from hipdx.kb.compiled import BoolArray, FloatArray
from hipdx.kb.schema import RedFlag


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
    unasked: Unasked  # per flag, each question it mentions left unasked (triage values)

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
        unasked=unasked_layout(
            circuit, [[question_findings[q] for q in screen.questions] for screen in plans]
        ),
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
