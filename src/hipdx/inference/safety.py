"""The safety hold: why the interview may not stop yet although the leader is clear.

Issue 5's safety target: the adaptive interview never misses an emergency that the full
questionnaire would catch. So "leader clear" and "nothing worth asking" do not end the interview
while an urgent or emergency must-not-miss condition still holds at least the policy's
``safety_probability`` and an open question could still raise the triage level:

* a red-flag rule above the current level that suggests such a condition and can still fire
  (every finding it still needs can be asked by this asker), or
* an answer to an open question that would lift the must-not-miss mass of an urgent or emergency
  threshold (triage.yaml) above its threshold when the current level is below it.

The second check is one array operation over every question and answer (the engine's own update,
as in `expected_gains`); it runs only when the interview would otherwise stop.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict

from hipdx._types import Asker, TriageLevel
from hipdx.inference.answers import Answers
from hipdx.inference.questions import QuestionBank, candidates
from hipdx.kb.compiled import BoolArray, CompiledKB, FloatArray
from hipdx.kb.rules import Lookup, evaluate, rule_findings
from hipdx.kb.schema import Absent, AllOf, AnyOf, Rule


class SafetyHold(BaseModel):
    """The interview goes on: dangerous conditions still probable, and questions that could
    raise the triage level."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    conditions: tuple[str, ...]  # urgent / emergency must-not-miss at or above the threshold
    probability: float  # their total probability
    threshold: float  # the policy's safety_probability
    red_flags: tuple[str, ...]  # red flags that suggest them and can still fire
    questions: tuple[str, ...]  # open questions that could raise the triage level


def safety_hold(
    kb: CompiledKB,
    bank: QuestionBank,
    answers: Answers,
    probabilities: FloatArray,
    level: TriageLevel,
    *,
    asker: Asker,
    skipped: frozenset[str] = frozenset(),
) -> SafetyHold | None:
    """The hold on stopping at this point of the interview, or None when stopping is safe."""
    threshold = bank.policy.safety_probability.value
    conditions = probabilities[:-1]
    dangerous = kb.must_not_miss & (kb.urgency_rank >= TriageLevel.URGENT.rank)
    probable = dangerous & (conditions >= threshold)
    if not probable.any():
        return None
    open_ = candidates(bank, answers, asker)
    open_ &= np.array([q.id not in skipped for q in bank.questions], dtype=bool)
    askable = {f for q, o in zip(bank.questions, open_, strict=True) if o for f in q.findings}
    probable_ids = {kb.condition_ids[i] for i in np.flatnonzero(probable)}
    flags: list[str] = []
    needed: set[str] = set()
    for flag in kb.knowledge.red_flags:
        if flag.level.rank <= level.rank or not probable_ids.intersection(flag.suggests):
            continue
        if evaluate(flag.when, answers.known) is None and can_fire(
            flag.when, answers.known, askable
        ):
            flags.append(flag.id)
            needed.update(f for f in rule_findings(flag.when) if f in askable)
    raising = _threshold_raisers(kb, bank, probabilities, level) & open_
    questions = tuple(
        q.id
        for index, q in enumerate(bank.questions)
        if open_[index] and (raising[index] or needed.intersection(q.findings))
    )
    if not questions:
        return None
    return SafetyHold(
        conditions=tuple(
            kb.condition_ids[i] for i in np.argsort(-np.where(probable, conditions, -1.0))
        )[: int(probable.sum())],
        probability=float(conditions[probable].sum()),
        threshold=threshold,
        red_flags=tuple(flags),
        questions=questions,
    )


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
    kb: CompiledKB, bank: QuestionBank, probabilities: FloatArray, level: TriageLevel
) -> BoolArray:
    """Per question: some possible answer lifts an urgent-or-higher must-not-miss mass above a
    triage threshold of a level above ``level``."""
    assert kb.knowledge.triage is not None
    raising = np.zeros(len(bank.questions), dtype=bool)
    thresholds = [
        t
        for t in kb.knowledge.triage.must_not_miss_thresholds
        if t.level.rank >= TriageLevel.URGENT.rank and t.level.rank > level.rank
    ]
    if not thresholds:
        return raising
    weights = probabilities[None, :, None] * np.exp(bank.log_lr)
    after = weights / weights.sum(axis=1, keepdims=True)  # (questions, conditions + 1, answers)
    possible = bank.answer_probability.max(axis=1) > 0  # (questions, answers): not padding
    for t in thresholds:
        selected = np.append(kb.must_not_miss & (kb.urgency_rank >= t.level.rank), False)
        mass = after[:, selected, :].sum(axis=1)
        raising |= ((mass >= t.mass) & possible).any(axis=1)
    return raising
