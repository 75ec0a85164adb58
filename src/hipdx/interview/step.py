"""When the interview stops, as a value: one step of the interview is "ask this" or "stop, because".

The reasons, checked in this order:

1. ``red_flag``: a red-flag rule holds. The interface shows it at once (the triage after every
   answer); the interview ends unless the safety hold finds a question that could still raise the
   triage above the fired flag's level (a "see soon" flag does not end the screening for an
   emergency).
2. ``budget``: the question budget is spent.
3. ``leader_clear``: the leading condition's probability reaches the policy's
   ``leader_probability``; ``picture_clear``: the leading three together reach
   ``leading_three_probability`` (what a patient is told names up to three causes).
4. ``nothing_worth_asking``: no open question scores ``minimum_gain`` or more (or none is left).

Questions whose wording presupposes a region the person has denied are not asked, and a
standing caution (pregnancy not excluded) has its question asked first, before any stop but a
red flag or the budget (`hipdx.interview.relevance`).

Reasons 1, 3 and 4 are held back by the safety hold (`hipdx.interview.safety`): while an open
question could still raise the triage level (a red flag above it that would fire with
``triage_rise_probability`` or more, or one that suggests a probable urgent or emergency
must-not-miss condition, or an answer that would cross a must-not-miss triage threshold), the
interview goes on and asks the best-scoring such question; so does a plausible urgent or
emergency must-not-miss condition that needs more than the current level while an open question
could still raise it (`plausible_danger_hold`: an urgent red flag does not end the screening of
a plausible emergency). The last ``safety_reserve`` questions of the budget (`in_reserve`) go to
the question with the largest triage value (`hipdx.interview.triage_value`), and an interview
that stops with a dangerous condition unsettled ends with the triage raised to its level
(`with_unresolved`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np
from pydantic import BaseModel, ConfigDict

from hipdx._types import Asker, TriageLevel
from hipdx.inference.answers import Answers
from hipdx.inference.assessment import FiredRedFlag, Triage, TriageReason, TriageReasonKind
from hipdx.inference.snapshot import Patient, take_snapshot
from hipdx.interview.bank import QuestionBank
from hipdx.interview.gains import Suggestion
from hipdx.interview.relevance import caution_questions
from hipdx.interview.safety import SafetyHold, safety_hold
from hipdx.interview.situation import Situation
from hipdx.interview.triage_value import safety_question, unresolved_bars
from hipdx.kb.compiled import CompiledKB, FloatArray
from hipdx.kb.schema import AllOf, AnyOf

#: How many conditions an unresolved triage reason names.
_NAMED = 5
_URGENT = TriageLevel.URGENT.rank


class StopReason(StrEnum):
    RED_FLAG = "red_flag"
    BUDGET = "budget"
    LEADER_CLEAR = "leader_clear"
    PICTURE_CLEAR = "picture_clear"
    NOTHING_WORTH_ASKING = "nothing_worth_asking"


class Stop(BaseModel):
    """Why the interview stopped, with the figures that decided it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reason: StopReason
    red_flags: tuple[str, ...] = ()
    leader: str | None = None
    leader_probability: float | None = None
    threshold: float | None = None
    asked: int


@dataclass(frozen=True)
class InterviewStep:
    """The state after the answers so far: the differential, triage, and what to do next."""

    probabilities: FloatArray  # (conditions + 1,)
    triage: Triage
    red_flags: tuple[FiredRedFlag, ...]
    suggestions: tuple[Suggestion, ...]
    stop: Stop | None
    hold: SafetyHold | None = None  # why the interview goes on although it could have stopped
    reserved: bool = False  # the hold chose the question because the reserve has begun

    @property
    def question(self) -> Suggestion | None:
        return None if self.stop is not None or not self.suggestions else self.suggestions[0]


def interview_step(
    kb: CompiledKB,
    bank: QuestionBank,
    answers: Answers,
    patient: Patient,
    *,
    asker: Asker,
    asked: int,
    budget: int | None = None,
    skipped: frozenset[str] = frozenset(),
    k: int = 1,
) -> InterviewStep:
    """Where the interview stands after ``asked`` questions, and whether it stops here."""
    skipped = skipped | bank.not_asked.findings(answers)
    now_known = take_snapshot(kb, answers, patient)
    posterior, flags, triage = now_known.posterior, now_known.red_flags, now_known.triage
    probabilities = posterior.probabilities
    # the safety machinery sees whichever posterior gives dangerous conditions more probability,
    # as triage does: a finding the KB does not link to a condition never ends its screening
    safety = more_dangerous(kb, probabilities, posterior.cautious_probabilities)
    situation = Situation(kb, bank, answers, safety, triage.level, asker, skipped)
    # what the questions are ranked by: every question scored once, whatever chooses among them
    ranking = (
        situation if safety is probabilities else replace(situation, probabilities=probabilities)
    )
    suggestions = ranking.best(k)
    limit = budget if budget is not None else bank.policy.question_budget.value
    holds: list[SafetyHold] = []

    def hold() -> SafetyHold | None:
        found = safety_hold(situation) or plausible_danger_hold(situation)
        holds.extend([found] if found is not None else [])
        return found

    stop = decide_stop(
        bank, probabilities, flags, suggestions, asked=asked, budget=limit, hold=hold
    )
    first: tuple[Suggestion, ...] = ()
    if stop is None or stop.reason in _CAUTION_DEFERS:
        first = _caution_question(ranking, answers, skipped)
        stop = None if first else stop
    reserving = stop is None and not first and not holds and in_reserve(bank, asked, limit)
    if reserving:
        hold()
    if stop is not None:
        triage = with_unresolved(kb, bank, safety, triage)
    if first:
        pass
    elif stop is None and reserving:  # the reserve: what could still raise the triage most
        held = frozenset(holds[0].questions) if holds else frozenset()
        chosen = safety_question(situation, held=held)
        first = (chosen,) if chosen is not None else ()
    elif stop is None and holds:  # a deferred stop: the best of the questions that hold it
        first = ranking.best(1, bank.mask(holds[0].questions))
    if first:
        rest = tuple(s for s in suggestions if s.question != first[0].question)
        suggestions = (*first, *rest)[: max(k, 1)]
    reserved = reserving and bool(first)
    return InterviewStep(
        probabilities=probabilities,
        triage=triage,
        red_flags=flags,
        suggestions=suggestions,
        stop=stop,
        hold=holds[0] if holds else None,
        reserved=reserved,
    )


#: Stops that a standing caution's open question defers (not a red flag, not the budget).
_CAUTION_DEFERS = frozenset(
    {StopReason.LEADER_CLEAR, StopReason.PICTURE_CLEAR, StopReason.NOTHING_WORTH_ASKING}
)


def _caution_question(
    ranking: Situation, answers: Answers, skipped: frozenset[str]
) -> tuple[Suggestion, ...]:
    """The first open question a standing caution wants asked (pregnancy not excluded)."""
    wanted = frozenset(caution_questions(ranking.bank.policy, answers)) - skipped
    if not wanted:
        return ()
    return ranking.best(1, ranking.bank.mask(wanted))


def settled_by_derived(kb: CompiledKB, answers: Answers) -> frozenset[str]:
    """Findings whose answer an answered combination already fixes, so they are not asked: the
    parts of an "any of" answered no (each is no), and of an "all of" answered yes (each is
    yes). Asking them could only repeat the answer or contradict it."""
    settled: set[str] = set()
    for finding in kb.knowledge.findings:
        rule, value = finding.derived, answers.known(finding.id)
        if value is False and isinstance(rule, AnyOf):
            settled.update(part for part in rule.any if isinstance(part, str))
        elif value is True and isinstance(rule, AllOf):
            settled.update(part for part in rule.all if isinstance(part, str))
    return frozenset(settled)


def more_dangerous(kb: CompiledKB, first: FloatArray, second: FloatArray) -> FloatArray:
    """Of two posteriors, the one giving must-not-miss conditions more probability."""
    danger = kb.must_not_miss
    return first if float(first[:-1][danger].sum()) >= float(second[:-1][danger].sum()) else second


def with_unresolved(
    kb: CompiledKB, bank: QuestionBank, probabilities: FloatArray, triage: Triage
) -> Triage:
    """The triage at the end of the interview: raised to the level of an urgent or emergency
    must-not-miss threshold (mass T) when the mass m of its conditions is not settled, that is
    when the questions not asked could still push it over T with a chance up to m / T (their
    expected mass is m) of at least the policy's ``unresolved_probability``."""
    reasons = list(triage.reasons)
    for level, selected, bar in unresolved_bars(kb, bank):
        mass = float(probabilities[selected].sum())
        if level.rank > triage.level.rank and mass >= bar:
            order = np.argsort(-np.where(selected, probabilities, -1.0), kind="stable")[:_NAMED]
            named = [i for i in order if selected[i] and probabilities[i] > 0]
            reasons.append(
                TriageReason(
                    kind=TriageReasonKind.UNRESOLVED,
                    level=level,
                    conditions=tuple(kb.condition_ids[i] for i in named),
                    probabilities=tuple(min(float(probabilities[i]), 1.0) for i in named),
                    mass=min(mass, 1.0),
                    threshold=bar,
                )
            )
    reasons.sort(key=lambda r: -r.level.rank)
    level = TriageLevel.most_urgent(*(r.level for r in reasons))
    return Triage(level=level, reasons=tuple(reasons))


def in_reserve(bank: QuestionBank, asked: int, budget: int) -> bool:
    """Whether the next question is one of the last ``safety_reserve`` of the budget: those go
    to the questions that could still raise the triage level, when there are any."""
    return budget - asked <= bank.policy.safety_reserve.value


def decide_stop(
    bank: QuestionBank,
    probabilities: FloatArray,
    flags: tuple[FiredRedFlag, ...],
    suggestions: tuple[Suggestion, ...],
    *,
    asked: int,
    budget: int,
    hold: Callable[[], SafetyHold | None],
) -> Stop | None:
    """The reason to stop now, or None to ask on. ``hold`` is called only when a red flag has
    fired, the leader is clear or nothing is worth asking: a safety hold keeps the interview
    going."""
    policy = bank.policy
    if flags and (asked >= budget or hold() is None):
        return Stop(
            reason=StopReason.RED_FLAG, red_flags=tuple(f.red_flag for f in flags), asked=asked
        )
    if asked >= budget:
        return Stop(reason=StopReason.BUDGET, threshold=float(budget), asked=asked)
    conditions = probabilities[:-1]
    leader = int(np.argmax(conditions))
    threshold = policy.leader_probability.value
    if conditions[leader] >= threshold:
        if hold() is not None:
            return None
        return Stop(
            reason=StopReason.LEADER_CLEAR,
            leader=bank.condition_ids[leader],
            leader_probability=float(conditions[leader]),
            threshold=threshold,
            asked=asked,
        )
    clear = _picture_clear(bank, conditions, asked)
    if clear is not None:
        return None if hold() is not None else clear
    minimum = policy.minimum_gain.value
    if not suggestions or suggestions[0].score < minimum:
        if suggestions and hold() is not None:
            return None
        return Stop(reason=StopReason.NOTHING_WORTH_ASKING, threshold=minimum, asked=asked)
    return None


def _picture_clear(bank: QuestionBank, conditions: FloatArray, asked: int) -> Stop | None:
    """The ``picture_clear`` stop: the three leading conditions hold the policy's
    ``leading_three_probability`` together (None when they do not, or the policy has none)."""
    threshold = bank.policy.leading_three_probability
    if threshold is None:
        return None
    mass = float(np.sort(conditions)[-3:].sum())
    if mass < threshold.value:
        return None
    return Stop(
        reason=StopReason.PICTURE_CLEAR,
        leader=bank.condition_ids[int(np.argmax(conditions))],
        leader_probability=mass,
        threshold=threshold.value,
        asked=asked,
    )


def plausible_danger_hold(situation: Situation) -> SafetyHold | None:
    """A hold while a must-not-miss condition that needs more than ``level`` (urgent or
    emergency) holds ``safety_probability`` or more and an open question is worth
    ``triage_rise_probability`` levels or more (`hipdx.interview.triage_value`): an urgent red
    flag does not end the screening of a plausible emergency."""
    kb, probabilities, level = situation.kb, situation.probabilities, situation.level
    threshold = situation.bank.policy.safety_probability.value
    conditions = probabilities[:-1]
    needs_more = kb.must_not_miss & (kb.urgency_rank >= max(level.rank + 1, _URGENT))
    probable = needs_more & (conditions >= threshold)
    if not probable.any():
        return None
    question = safety_question(situation, held=frozenset())
    if question is None:
        return None
    order = np.argsort(-np.where(probable, conditions, -1.0), kind="stable")
    return SafetyHold(
        conditions=tuple(kb.condition_ids[i] for i in order[: int(probable.sum())]),
        probability=float(conditions[probable].sum()),
        threshold=threshold,
        red_flags=(),
        questions=(question.question,),
    )
