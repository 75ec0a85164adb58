"""The three interview strategies run on the same patients, beside the full questionnaire.

* adaptive: the interview (expected information gain, the safety hold and reserve, the stop rule);
* fixed: the same list for everyone, every question by its score at the primary-care prior;
* random: that list shuffled for each patient.

The full questionnaire (every question the asker can answer) is the reference the misses are
counted against.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from hipdx._types import Asker, Setting
from hipdx.evaluation._interview_runs import InterviewRun, adaptive_run, ordered_run
from hipdx.evaluation._simulated_patients import SimulatedPatient
from hipdx.inference.answers import Answers, encode
from hipdx.inference.case import Case
from hipdx.inference.snapshot import Patient, take_snapshot
from hipdx.interview.bank import QuestionBank
from hipdx.interview.gains import candidates, expected_gains
from hipdx.kb.compiled import CompiledKB


class Strategy(StrEnum):
    ADAPTIVE = "adaptive"
    FIXED = "fixed"
    RANDOM = "random"


@dataclass(frozen=True)
class FullQuestionnaire:
    """A patient after every question the asker can answer."""

    level: int  # the triage level's rank
    red_flags: tuple[str, ...]  # the red flags that fire


@dataclass(frozen=True)
class StrategyRuns:
    """Every patient's run under each strategy, and their full questionnaires (same order)."""

    runs: dict[Strategy, list[InterviewRun]]
    full: list[FullQuestionnaire]


def run_strategies(
    kb: CompiledKB,
    bank: QuestionBank,
    patients: Sequence[SimulatedPatient],
    *,
    asker: Asker,
    budget: int,
    seed: int,
) -> StrategyRuns:
    """Each patient through the full questionnaire and the three strategies; ``seed`` sets the
    random orders (one shuffle per patient)."""
    rng = np.random.default_rng(seed)
    fixed = fixed_order(kb, bank, asker)
    runs: dict[Strategy, list[InterviewRun]] = {s: [] for s in Strategy}
    full: list[FullQuestionnaire] = []
    for patient in patients:
        full.append(full_questionnaire(kb, bank, patient, asker))
        runs[Strategy.ADAPTIVE].append(adaptive_run(kb, bank, patient, budget=budget, asker=asker))
        runs[Strategy.FIXED].append(ordered_run(kb, bank, patient, fixed, budget=budget))
        shuffled = [int(i) for i in rng.permutation(fixed)]
        runs[Strategy.RANDOM].append(ordered_run(kb, bank, patient, shuffled, budget=budget))
    return StrategyRuns(runs, full)


def fixed_order(kb: CompiledKB, bank: QuestionBank, asker: Asker) -> list[int]:
    """Questions by their score at the prior of the setting: the same list for every patient."""
    prior = np.exp(kb.log_prior[Setting.PRIMARY_CARE])
    scores = expected_gains(bank, prior / prior.sum()).score
    allowed = candidates(bank, Answers(frozenset(), frozenset(), {}, frozenset()), asker)
    return [int(i) for i in np.argsort(-scores, kind="stable") if allowed[i]]


def full_questionnaire(
    kb: CompiledKB, bank: QuestionBank, patient: SimulatedPatient, asker: Asker
) -> FullQuestionnaire:
    """The triage after every question the asker can answer, and the red flags that fire."""
    allowed = list(Asker).index(asker)
    askable = {
        f
        for q, rank in zip(bank.questions, bank.asker_rank, strict=True)
        if rank <= allowed
        for f in q.findings
    }
    answered = {f: v for f, v in patient.answers.items() if f in askable}
    findings: dict[str, bool | int | float] = {**patient.intake, **answered}
    case = Case(age=patient.age, sex=patient.sex, setting=patient.setting, findings=findings)
    answers, _ = encode(case, kb)
    now = take_snapshot(kb, answers, Patient(case.setting, case.age, case.sex))
    return FullQuestionnaire(now.triage.level.rank, tuple(f.red_flag for f in now.red_flags))
