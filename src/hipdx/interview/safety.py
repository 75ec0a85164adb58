"""The safety hold: why the interview may not stop yet although it could.

Issue 5's safety target: the adaptive interview never misses an emergency that the full
questionnaire would catch. So a fired red flag, "leader clear" and "nothing worth asking" do not
end the interview (the question budget does) while an open question could still raise the
triage level:

* a red-flag rule above the current level that is undecided, can still fire through questions
  this asker can answer (`can_fire`), and either suggests an urgent or emergency must-not-miss
  condition that holds at least ``safety_probability``, or would fire with probability
  ``triage_rise_probability`` or more if every open question were asked (predicted from the
  answers so far with the question bank's answer model: a chance finding sets the triage as
  surely as an expected one); or
* while such a condition is that probable, an answer to an open question that would lift the
  must-not-miss mass of an urgent or emergency threshold (triage.yaml) above its threshold when
  the current level is below it.

The second check is one array operation over every question and answer (the engine's own update,
as in `expected_gains`); the hold runs only when the interview would otherwise stop.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from pydantic import BaseModel, ConfigDict

from hipdx._types import TriageLevel
from hipdx.interview.bank import QuestionBank
from hipdx.interview.situation import Situation
from hipdx.kb.compiled import BoolArray, CompiledKB, FloatArray
from hipdx.kb.rules import Lookup
from hipdx.kb.schema import Absent, AllOf, AnyOf, RedFlag, Rule


class SafetyHold(BaseModel):
    """The interview goes on: questions whose answers could still raise the triage level."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    conditions: tuple[str, ...]  # urgent / emergency must-not-miss at or above the threshold
    probability: float  # their total probability
    threshold: float  # the policy's safety_probability
    red_flags: tuple[str, ...]  # red flags above the triage level that hold the interview
    questions: tuple[str, ...]  # open questions that could raise the triage level


def safety_hold(situation: Situation) -> SafetyHold | None:
    """The hold on stopping at this point of the interview, or None when stopping is safe."""
    kb, bank = situation.kb, situation.bank
    probabilities, level = situation.probabilities, situation.level
    open_ = situation.open_questions
    probable = _probable_dangerous(kb, bank, probabilities)
    flags = _holding_red_flags(situation, probable)
    needed = {f for flag in flags for f in bank.screens[flag.id].mentioned}
    raising = open_ & bank.asking_about(needed)
    if probable.any():
        raising |= open_ & _threshold_raisers(kb, bank, situation.mass_after, level)
    questions = tuple(bank.questions[i].id for i in np.flatnonzero(raising))
    if not questions:
        return None
    conditions = probabilities[:-1]
    return SafetyHold(
        conditions=tuple(
            kb.condition_ids[i] for i in np.argsort(-np.where(probable, conditions, -1.0))
        )[: int(probable.sum())],
        probability=float(conditions[probable].sum()),
        threshold=bank.policy.safety_probability.value,
        red_flags=tuple(flag.id for flag in flags),
        questions=questions,
    )


def _probable_dangerous(kb: CompiledKB, bank: QuestionBank, probabilities: FloatArray) -> BoolArray:
    """Urgent or emergency must-not-miss conditions at ``safety_probability`` or more."""
    dangerous = kb.must_not_miss & (kb.urgency_rank >= TriageLevel.URGENT.rank)
    threshold = bank.policy.safety_probability.value
    return np.asarray(dangerous & (probabilities[:-1] >= threshold), dtype=np.bool_)


def _holding_red_flags(situation: Situation, probable: BoolArray) -> list[RedFlag]:
    """Red flags above the level that are undecided and can still fire through open questions,
    and either suggest a probable dangerous condition or would fire (predicted from the answers
    so far, every open question asked) with ``triage_rise_probability`` or more."""
    bank, plan = situation.bank, situation.bank.screening
    askable = plan.askable(situation.open_questions)
    fireable = situation.undecided & plan.circuit.can_fire(*situation.known, askable)
    flags = [flag for flag in situation.flags if fireable[plan.flags[flag.id]]]
    probable_ids = {situation.kb.condition_ids[i] for i in np.flatnonzero(probable)}
    floor = bank.policy.triage_rise_probability.value
    unsure = [flag for flag in flags if not probable_ids.intersection(flag.suggests)]
    fires = plan.circuit.rule_probabilities(*_predicted(situation)) if unsure else None
    return [
        flag
        for flag in flags
        if probable_ids.intersection(flag.suggests)
        or (fires is not None and fires[plan.flags[flag.id]] >= floor)
    ]


def _predicted(situation: Situation) -> tuple[FloatArray, FloatArray]:
    """P(present) and P(established absent) of every finding of the red-flag rules
    (`RuleCircuit.findings`) if every open question were asked: 1 / 0 for what is answered,
    the predicted answer for an open question, 0 / 0 for a finding of a question not open;
    a finding no question asks is present 0 and absent 1 (as a rule reads a missing one)."""
    plan = situation.bank.screening
    predicted = plan.predicted(situation.answer_probability, situation.open_questions)
    yes, no = situation.known
    asked = ~np.isnan(predicted)
    present = np.where(yes, 1.0, np.where(no | ~asked, 0.0, predicted))
    absent = np.where(yes | no | asked, 1.0 - present, np.where(plan.question >= 0, 0.0, 1.0))
    return present, absent


def can_fire(rule: Rule, known: Lookup, askable: set[str]) -> bool:
    """Whether answers to the askable findings could still make the rule hold (findings that
    cannot be asked stay unknown). Shared findings are treated independently: an upper bound."""
    if isinstance(rule, str):
        value = known(rule)
        return value if value is not None else rule in askable
    if isinstance(rule, Absent):
        value = known(rule.absent)
        return (not value) if value is not None else rule.absent in askable
    if isinstance(rule, AllOf):
        return all(can_fire(part, known, askable) for part in rule.all)
    if isinstance(rule, AnyOf):
        return any(can_fire(part, known, askable) for part in rule.any)
    return sum(can_fire(part, known, askable) for part in rule.of) >= rule.at_least


def _threshold_raisers(
    kb: CompiledKB,
    bank: QuestionBank,
    mass_after: Callable[[BoolArray], FloatArray],
    level: TriageLevel,
) -> BoolArray:
    """Per question: some possible answer lifts an urgent-or-higher must-not-miss mass above a
    triage threshold of a level above ``level`` (``mass_after``: the mass of some conditions
    after each answer, `Situation.mass_after`)."""
    assert kb.knowledge.triage is not None
    raising = np.zeros(len(bank.questions), dtype=bool)
    thresholds = [
        t
        for t in kb.knowledge.triage.must_not_miss_thresholds
        if t.level.rank >= TriageLevel.URGENT.rank and t.level.rank > level.rank
    ]
    for t in thresholds:
        selected = np.append(kb.must_not_miss & (kb.urgency_rank >= t.level.rank), False)
        mass = mass_after(selected)
        raising |= ((mass >= t.mass) & bank.real_answers).any(axis=1)
    return raising
