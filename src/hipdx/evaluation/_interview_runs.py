"""One patient's interview under one strategy, recorded after every question.

The adaptive strategy takes the interview's own step (`interview_step`, the step
`InterviewSession` takes): it asks the step's first question and notes where the stop rule
stopped; for the accuracy curves the run goes on past that stop up to the budget, asking the
question the step still ranks first. The fixed and random strategies ask their list in order,
skipping what is already known.

Not through `InterviewSession` itself: a simulated patient's findings are drawn independently, so
a combined finding (``peritoneal_signs_or_cmt``) can be answered "no" and one of its parts "yes"
later; the session refuses such answers, the simulation keeps them as `encode` resolves them
(and a session cannot be answered past its stop).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hipdx._types import Asker
from hipdx.evaluation._simulated_patients import SimulatedPatient
from hipdx.inference.answers import Answers, encode
from hipdx.inference.case import Case
from hipdx.inference.snapshot import Patient, take_snapshot
from hipdx.interview.bank import QuestionBank, QuestionKind
from hipdx.interview.step import InterviewStep, interview_step
from hipdx.kb.compiled import CompiledKB, FloatArray

#: The rank recorded when no expected condition is in the knowledge base.
NOT_RANKED = 10**6


@dataclass(frozen=True)
class InterviewRun:
    """One interview, after 0, 1, ... ``budget`` questions."""

    top_rank: list[int]  # the best rank of an expected condition
    triage: list[int]  # the triage level's rank
    stop_at: int  # questions asked when the stop rule stopped (adaptive), else the budget
    stop_reason: str
    held: bool  # a safety hold deferred a stop for "leader clear" or "nothing worth asking"
    asked: list[str]  # the questions, in order (after the stop too)


def adaptive_run(
    kb: CompiledKB, bank: QuestionBank, patient: SimulatedPatient, *, budget: int, asker: Asker
) -> InterviewRun:
    """The adaptive interview of ``patient``: where its stop rule stopped, and the curves up to
    ``budget`` questions."""
    findings: dict[str, bool | int | float] = dict(patient.intake)
    asked: list[str] = []
    ranks: list[int] = []
    triages: list[int] = []
    stop: tuple[int, str] | None = None
    held = False
    for n in range(budget + 1):
        step = _interview_step(kb, bank, patient, findings, asked, budget=budget, asker=asker)
        ranks.append(best_rank(kb, step.probabilities, patient.expected))
        triages.append(step.triage.level.rank)
        if n == budget:
            break
        held = held or (stop is None and step.hold is not None and not step.reserved)
        if stop is None and step.stop is not None:
            stop = (n, step.stop.reason.value)
        if not step.suggestions:
            _carry_on(ranks, triages, budget - n)
            break
        question = step.suggestions[0].question  # past the stop too, for the curves
        asked.append(question)
        findings.update(answer_findings(question, answer_of(bank, question, patient)) or {})
    stop_at, stop_reason = stop if stop is not None else (budget, "budget")
    return InterviewRun(ranks, triages, stop_at, stop_reason, held, asked)


def _interview_step(
    kb: CompiledKB,
    bank: QuestionBank,
    patient: SimulatedPatient,
    findings: dict[str, bool | int | float],
    asked: list[str],
    *,
    budget: int,
    asker: Asker,
) -> InterviewStep:
    """The interview's step after the questions ``asked`` (their answers in ``findings``). The
    answers are encoded as they come, contradictions included (see the module docstring)."""
    case = Case(age=patient.age, sex=patient.sex, setting=patient.setting, findings=findings)
    answers, _ = encode(case, kb)
    return interview_step(
        kb,
        bank,
        answers,
        Patient(case.setting, case.age, case.sex),
        asker=asker,
        asked=len(asked),
        budget=budget,
        skipped=frozenset(asked),
    )


def answer_of(bank: QuestionBank, question: str, patient: SimulatedPatient) -> bool | str | None:
    """The patient's answer: yes / no, the group member present, or None for don't know."""
    q = bank.questions[bank.index(question)]
    if q.kind is QuestionKind.GROUP:
        chosen = [m for m in q.answers if patient.answers.get(m) is True]
        return chosen[0] if chosen else None
    return patient.answers.get(q.id)


def answer_findings(question: str, value: bool | str | None) -> dict[str, bool] | None:
    """What an answer sets: the question's finding, the member chosen, or nothing (None)."""
    if value is None:
        return None
    return {value: True} if isinstance(value, str) else {question: value}


def ordered_run(
    kb: CompiledKB,
    bank: QuestionBank,
    patient: SimulatedPatient,
    order: Sequence[int],
    *,
    budget: int,
) -> InterviewRun:
    """The questions of ``order`` (indices into the bank) asked in turn, skipping those already
    answered, up to ``budget``; no stop rule."""
    findings: dict[str, bool | int | float] = dict(patient.intake)
    asked: list[str] = []
    ranks: list[int] = []
    triages: list[int] = []
    queue = [bank.questions[i].id for i in order]
    for n in range(budget + 1):
        case = Case(age=patient.age, sex=patient.sex, setting=patient.setting, findings=findings)
        answers, _ = encode(case, kb)
        now = take_snapshot(kb, answers, Patient(case.setting, case.age, case.sex))
        ranks.append(best_rank(kb, now.posterior.probabilities, patient.expected))
        triages.append(now.triage.level.rank)
        if n == budget:
            break
        open_ = [q for q in queue if q not in asked and _open(bank, q, answers)]
        if not open_:
            _carry_on(ranks, triages, budget - n)
            break
        asked.append(open_[0])
        findings.update(answer_findings(open_[0], answer_of(bank, open_[0], patient)) or {})
    return InterviewRun(ranks, triages, budget, "budget", False, asked)


def _open(bank: QuestionBank, question: str, answers: Answers) -> bool:
    q = bank.questions[bank.index(question)]
    return all(answers.known(f) is None for f in q.findings)


def _carry_on(ranks: list[int], triages: list[int], questions: int) -> None:
    """Nothing left to ask: the last figures stand for the rest of the budget."""
    ranks += [ranks[-1]] * questions
    triages += [triages[-1]] * questions


def best_rank(kb: CompiledKB, probabilities: FloatArray, expected: tuple[str, ...]) -> int:
    """The best (1-based) rank of an expected condition, ties broken by condition id."""
    conditions = probabilities[:-1]
    order = sorted(range(len(conditions)), key=lambda i: (-conditions[i], kb.condition_ids[i]))
    ranks = [order.index(kb.condition_ids.index(c)) + 1 for c in expected if c in kb.condition_ids]
    return min(ranks, default=NOT_RANKED)
