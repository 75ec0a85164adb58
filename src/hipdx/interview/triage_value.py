"""The value of a question for the triage: how many levels its answer is expected to add.

The information score (`hipdx.interview.gains`) asks what settles the differential; the
safety reserve and the safety hold must ask what could still change what is done. For every
open question, the expected rise of the interview's triage level (in levels) that the question
is responsible for, from two sources:

* **red flags** above the current level: P(the rule fires if every open question were asked)
  minus P(it fires if this question were never asked), times the levels it would add. A question
  that only completes a rule with other open parts gets the credit of the whole rule (fever for
  "fever and a limp" is worth asking: without it the rule cannot fire), a question that is one of
  several alternatives (saddle numbness or new bladder problems) the share it alone adds;
* **must-not-miss mass**: Σ over answers of P(answer) times the levels added when the answer
  lifts the probability of the urgent-or-higher (emergency) must-not-miss conditions over the
  level at which the interview ends with them unsettled (`unresolved_probability` × the triage
  threshold, docs/interview.md), one array operation over every question and answer.

Predictions use the question bank's answer model from the current posterior; a finding this
asker cannot be asked is neither present nor absent.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hipdx._types import TriageLevel
from hipdx.inference.answers import Answers
from hipdx.interview.bank import QuestionBank
from hipdx.interview.circuit import unasked_probabilities
from hipdx.interview.gains import (
    Gains,
    Suggestion,
)
from hipdx.interview.screening_plan import known_findings
from hipdx.interview.situation import Situation
from hipdx.kb.compiled import BoolArray, CompiledKB, FloatArray
from hipdx.kb.schema import RedFlag


def triage_values(situation: Situation, gains: Gains, flags: tuple[RedFlag, ...]) -> FloatArray:
    """Per question, the expected rise of the triage level it is responsible for (levels)."""
    kb, bank, answers = situation.kb, situation.bank, situation.answers
    probabilities, level, open_ = situation.probabilities, situation.level, situation.open_questions
    floor = max(level.rank, unresolved_level(kb, bank, probabilities).rank)
    flag_values = red_flag_values(bank, answers, gains.answer_probability, open_, flags, floor)
    by_mass = mass_values(kb, bank, gains, floor)
    return np.asarray(np.where(open_, flag_values + by_mass, 0.0), dtype=np.float64)


def red_flag_values(
    bank: QuestionBank,
    answers: Answers,
    answer_probability: FloatArray,
    open_: BoolArray,
    flags: tuple[RedFlag, ...],
    floor: int,
) -> FloatArray:
    """Per question: Σ over undecided flags above ``floor`` of the levels the flag adds times
    P(fires, every open question asked) − P(fires, this question never asked)."""
    cells = _unasked_cells(bank, answers, answer_probability, open_)
    undecided = _undecided(bank, answers)
    values = np.zeros(len(bank.questions))
    for flag in flags:
        gain = flag.level.rank - floor
        if gain <= 0 or not undecided[bank.screening.flags[flag.id]]:
            continue
        root, screen = _root(bank, flag), bank.screens[flag.id]
        fires = float(cells[root])
        if fires <= 0:
            continue
        for n, index in _open_mentioning(screen.questions, open_):
            without = float(cells[root + 1 + n])  # the rule, question ``index`` never asked
            values[index] += gain * max(fires - without, 0.0)
    return values


def _unasked_cells(
    bank: QuestionBank, answers: Answers, answer_probability: FloatArray, open_: BoolArray
) -> FloatArray:
    """The red-flag rules evaluated now and with each question they mention left unasked
    (`hipdx.interview.circuit.Unasked`), from the findings predicted if every open question
    were asked (`predicted_findings`), as `rule_probability` reads them."""
    present, absent = predicted_findings(bank, answers, answer_probability, open_)
    plan = bank.screening
    shape = answer_probability.shape[2:]
    now = np.zeros((len(plan.circuit.findings), *shape))
    not_there = np.zeros_like(now)
    for i, finding in enumerate(plan.circuit.findings):
        now[i] = present.get(finding, 0.0)
        not_there[i] = absent[finding] if finding in absent else 1.0 - now[i]
    return unasked_probabilities(plan.unasked, now, not_there)


def _root(bank: QuestionBank, flag: RedFlag) -> int:
    """The first cell of the flag's rule in the `Unasked` layout ("now")."""
    return int(bank.screening.unasked.layout.roots[bank.screening.flags[flag.id]])


def _undecided(bank: QuestionBank, answers: Answers) -> BoolArray:
    """Per red flag of the bank: whether the answers leave its rule undecided."""
    circuit = bank.screening.circuit
    return ~circuit.decided(*known_findings(circuit, answers))


def _open_mentioning(questions: tuple[int, ...], open_: BoolArray) -> list[tuple[int, int]]:
    """The open ones of a rule's questions (those whose findings it mentions), ascending, each
    with its position among them."""
    return [(n, index) for n, index in enumerate(questions) if open_[index]]


def predicted_findings(
    bank: QuestionBank, answers: Answers, answer_probability: FloatArray, open_: BoolArray
) -> tuple[dict[str, Any], dict[str, Any]]:
    """P(present) and P(established absent) of every finding if every open question were asked:
    1 / 0 for an answer, the predicted answer for an open question, 0 / 0 for the rest.
    ``answer_probability`` is (questions, answers), or (questions, answers, conditions) for a
    prediction per condition (arrays over the conditions then)."""
    present: dict[str, Any] = dict.fromkeys(answers.present, 1.0)
    present |= dict.fromkeys(answers.absent, 0.0)
    absent = {f: 1.0 - p for f, p in present.items()}
    for index in np.flatnonzero(open_):
        findings = bank.questions[index].findings
        if len(findings) == 1:
            chance = {findings[0]: answer_probability[index, 0]}
        else:
            chance = {f: answer_probability[index, a] for a, f in enumerate(findings)}
        for finding, p in chance.items():
            present.setdefault(finding, p)
            absent.setdefault(finding, 1.0 - p)
    unasked = {f for q in bank.questions for f in q.findings} - set(present)
    return present | dict.fromkeys(unasked, 0.0), absent | dict.fromkeys(unasked, 0.0)


def mass_values(
    kb: CompiledKB, bank: QuestionBank, gains: Gains, floor: int, *, needed: bool = False
) -> FloatArray:
    """Per question: Σ_answers P(answer) × the levels added when the answer lifts an urgent or
    emergency must-not-miss mass over its unresolved bar (above ``floor``); with ``needed``,
    times that mass (the chance that the patient then has such a condition)."""
    added = np.zeros(gains.answer_probability.shape)  # (questions, answers)
    for level, selected, bar in unresolved_bars(kb, bank):
        rank = level.rank
        if rank <= floor:
            continue
        mass = gains.mass_after(selected)
        levels = np.where(mass >= bar, rank - floor, 0.0) * (mass if needed else 1.0)
        added = np.maximum(added, levels)
    return np.asarray((gains.answer_probability * added).sum(axis=1), dtype=np.float64)


def unresolved_level(kb: CompiledKB, bank: QuestionBank, probabilities: FloatArray) -> TriageLevel:
    """The level the interview would end with from the must-not-miss mass alone, counting a
    mass over its unresolved bar (`with_unresolved`)."""
    ranks = [
        lv.rank for lv, sel, bar in unresolved_bars(kb, bank) if probabilities[sel].sum() >= bar
    ]
    top = max(ranks, default=TriageLevel.SELF_CARE.rank)
    return next(level for level in TriageLevel if level.rank == top)


def unresolved_bars(
    kb: CompiledKB, bank: QuestionBank
) -> list[tuple[TriageLevel, BoolArray, float]]:
    """(level, the conditions counted, the unresolved bar) of each urgent-or-higher
    must-not-miss threshold of triage.yaml; the mask covers the other-cause class (never
    counted), so it indexes a full probability vector."""
    assert kb.knowledge.triage is not None
    unresolved = bank.policy.unresolved_probability.value
    return [
        (t.level, _selected(kb, t.level), unresolved * t.mass)
        for t in kb.knowledge.triage.must_not_miss_thresholds
        if t.level.rank >= TriageLevel.URGENT.rank
    ]


def _selected(kb: CompiledKB, level: TriageLevel) -> BoolArray:
    """The must-not-miss conditions of ``level`` or more urgent (and not the other cause)."""
    return np.append(kb.must_not_miss & (kb.urgency_rank >= level.rank), False)


def needed_values(situation: Situation, gains: Gains, flags: tuple[RedFlag, ...]) -> FloatArray:
    """Per question, the expected rise of the triage level among the patients who need it: the
    triage value counted only when an urgent or emergency must-not-miss condition is present,
    and only up to the level that condition needs. A red flag that fires by chance in a patient
    who needs nothing more is over-triage, not safety; a flag that a probable dangerous
    condition would fire is worth asking before a flag that only a remote one would."""
    kb, bank, answers = situation.kb, situation.bank, situation.answers
    probabilities, level, open_ = situation.probabilities, situation.level, situation.open_questions
    floor = max(level.rank, unresolved_level(kb, bank, probabilities).rank)
    dangerous = np.flatnonzero(
        kb.must_not_miss & (kb.urgency_rank >= TriageLevel.URGENT.rank) & (probabilities[:-1] > 0)
    )
    if dangerous.size == 0:
        return np.zeros(len(bank.questions))
    weight = probabilities[dangerous]
    need = kb.urgency_rank[dangerous]
    per_condition = np.moveaxis(bank.answer_probability[:, dangerous, :], 1, 2)  # (q, a, d)
    cells = _unasked_cells(bank, answers, per_condition, open_)
    undecided = _undecided(bank, answers)
    values = np.zeros(len(bank.questions))
    for flag in flags:
        gain = np.clip(np.minimum(flag.level.rank, need) - floor, 0, None) * weight
        if not gain.any() or not undecided[bank.screening.flags[flag.id]]:
            continue
        root, screen = _root(bank, flag), bank.screens[flag.id]
        fires = cells[root]
        for n, index in _open_mentioning(screen.questions, open_):
            without = cells[root + 1 + n]  # the rule, question ``index`` never asked
            values[index] += float(gain @ np.clip(fires - without, 0.0, None))
    by_mass = mass_values(kb, bank, gains, floor, needed=True)
    return np.asarray(np.where(open_, values + by_mass, 0.0), dtype=np.float64)


def safety_question(situation: Situation, *, held: frozenset[str]) -> Suggestion | None:
    """The question the safety reserve or hold asks: of the open questions in ``held`` or worth
    ``triage_rise_probability`` levels or more, the one with the largest triage value (then the
    largest score); None when there is none."""
    bank, open_, gains, flags = (
        situation.bank,
        situation.open_questions,
        situation.gains,
        situation.flags,
    )
    values = triage_values(situation, gains, flags)
    allowed = open_ & (bank.mask(held) | (values >= bank.policy.triage_rise_probability.value))
    if not allowed.any():
        return None
    needed = needed_values(situation, gains, flags)
    order = np.lexsort((gains.score, values, needed))  # needed, value, score: the best is last
    best = next(int(i) for i in order[::-1] if allowed[i])
    return situation.suggestion(best)
