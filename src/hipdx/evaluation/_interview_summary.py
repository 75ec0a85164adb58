"""The figures of an interview simulation: accuracy curves, the stop, misses and over-triage
for each strategy, JSON-ready (the bench prints them with ``--json``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NotRequired, TypedDict

import numpy as np

from hipdx._types import Asker, TriageLevel
from hipdx.evaluation._interview_runs import InterviewRun
from hipdx.evaluation._simulated_patients import SimulatedPatient
from hipdx.evaluation._strategies import FullQuestionnaire, Strategy, StrategyRuns, run_strategies
from hipdx.evaluation._triage_metrics import (
    MissBreakdown,
    OverTriage,
    miss_breakdown,
    missed,
    need,
    over_triage,
)
from hipdx.interview.bank import QuestionBank
from hipdx.kb.compiled import CompiledKB

#: The question counts at which top-1 / top-3 accuracy is reported.
BUDGETS = (5, 10, 15, 20)


class AtStop(TypedDict):
    mean_questions: float
    top1: float
    top3: float
    reasons: dict[str, int]
    held: int  # interviews whose stop a safety hold deferred


class StrategySummary(TypedDict):
    top1: dict[int, float]  # at each of `BUDGETS` within the budget
    top3: dict[int, float]
    top1_curve: list[float]  # after 0..budget questions
    top3_curve: list[float]
    mean_questions_to_top3: float | None  # of the interviews that got there
    reached_top3: float
    at_stop: AtStop  # adaptive: where its stop rule stopped; others: at the budget
    over_triage: OverTriage
    emergencies_missed: int  # catchable
    emergencies_missed_raw: int
    below_full_questionnaire: int
    missed_breakdown: NotRequired[MissBreakdown]  # adaptive only


class RedFlagsFull(TypedDict):
    any: int  # patients with a red flag on the full questionnaire
    spontaneous: int  # of them, with no fired flag suggesting the true condition


class InterviewSummary(TypedDict):
    patients: int
    budget: int
    dangerous_patients_raw: int  # with an urgent or emergency must-not-miss condition
    dangerous_patients: int  # of them, triaged urgent or higher by the full questionnaire
    adaptive: StrategySummary
    fixed: StrategySummary
    random: StrategySummary
    adaptive_questions_to_match_fixed: int | None
    red_flags_full: RedFlagsFull


def evaluate_interviews(
    kb: CompiledKB,
    bank: QuestionBank,
    patients: Sequence[SimulatedPatient],
    *,
    asker: Asker,
    budget: int,
    seed: int,
) -> InterviewSummary:
    """The three strategies run on ``patients`` and summarised."""
    runs = run_strategies(kb, bank, patients, asker=asker, budget=budget, seed=seed)
    return summarise(kb, patients, runs, budget)


def summarise(
    kb: CompiledKB, patients: Sequence[SimulatedPatient], runs: StrategyRuns, budget: int
) -> InterviewSummary:
    full = [f.level for f in runs.full]
    needing = [i for i, p in enumerate(patients) if need(kb, p) >= 0]
    each = {
        s: strategy_summary(
            kb, patients, runs.runs[s], full, budget, stop_rule=s is Strategy.ADAPTIVE
        )
        for s in Strategy
    }
    each[Strategy.ADAPTIVE]["missed_breakdown"] = miss_breakdown(
        kb, patients, runs.runs[Strategy.ADAPTIVE], runs.full
    )
    fixed_top3 = each[Strategy.FIXED]["top3_curve"][budget]
    adaptive = each[Strategy.ADAPTIVE]["top3_curve"]
    return InterviewSummary(
        patients=len(patients),
        budget=budget,
        dangerous_patients_raw=len(needing),
        dangerous_patients=sum(full[i] >= TriageLevel.URGENT.rank for i in needing),
        adaptive=each[Strategy.ADAPTIVE],
        fixed=each[Strategy.FIXED],
        random=each[Strategy.RANDOM],
        adaptive_questions_to_match_fixed=next(
            (n for n, value in enumerate(adaptive) if value >= fixed_top3), None
        ),
        red_flags_full=red_flags_full(kb, patients, runs.full),
    )


def strategy_summary(
    kb: CompiledKB,
    patients: Sequence[SimulatedPatient],
    runs: list[InterviewRun],
    full: list[int],
    budget: int,
    *,
    stop_rule: bool,
) -> StrategySummary:
    """One strategy's figures; ``stop_rule``: judged where it stopped, not at the budget."""
    curve1 = top_k_curve(runs, 1, budget)
    curve3 = top_k_curve(runs, 3, budget)
    reached = [next((n for n, rank in enumerate(r.top_rank) if rank <= 3), None) for r in runs]
    got_there = [n for n in reached if n is not None]
    at_stop = [r.stop_at if stop_rule else budget for r in runs]
    levels = [r.triage[s] for r, s in zip(runs, at_stop, strict=True)]
    misses = missed(kb, patients, levels, full)
    return StrategySummary(
        top1={n: curve1[n] for n in BUDGETS if n <= budget},
        top3={n: curve3[n] for n in BUDGETS if n <= budget},
        top1_curve=curve1,
        top3_curve=curve3,
        mean_questions_to_top3=float(np.mean(got_there)) if got_there else None,
        reached_top3=float(np.mean([n is not None for n in reached])),
        at_stop=_at_stop(runs, at_stop),
        over_triage=over_triage(kb, patients, levels, full),
        emergencies_missed=len(misses["catchable"]),
        emergencies_missed_raw=len(misses["raw"]),
        below_full_questionnaire=len(misses["below_full"]),
    )


def top_k_curve(runs: list[InterviewRun], k: int, budget: int) -> list[float]:
    """The share of interviews with an expected condition in the first ``k`` after 0, 1, ...
    ``budget`` questions."""
    return [float(np.mean([r.top_rank[n] <= k for r in runs])) for n in range(budget + 1)]


def _at_stop(runs: list[InterviewRun], at_stop: list[int]) -> AtStop:
    reasons: dict[str, int] = {}
    for r in runs:
        reasons[r.stop_reason] = reasons.get(r.stop_reason, 0) + 1
    return AtStop(
        mean_questions=float(np.mean(at_stop)),
        top1=float(np.mean([r.top_rank[s] <= 1 for r, s in zip(runs, at_stop, strict=True)])),
        top3=float(np.mean([r.top_rank[s] <= 3 for r, s in zip(runs, at_stop, strict=True)])),
        reasons=reasons,
        held=sum(r.held for r in runs),
    )


def by_strategy(summary: InterviewSummary) -> dict[Strategy, StrategySummary]:
    """The summary's strategy parts, in `Strategy` order."""
    return {
        Strategy.ADAPTIVE: summary["adaptive"],
        Strategy.FIXED: summary["fixed"],
        Strategy.RANDOM: summary["random"],
    }


def red_flags_full(
    kb: CompiledKB, patients: Sequence[SimulatedPatient], full: list[FullQuestionnaire]
) -> RedFlagsFull:
    """How many patients a red flag fires in on the full questionnaire, and in how many of them
    no fired flag suggests the true condition."""
    suggests = {flag.id: set(flag.suggests) for flag in kb.knowledge.red_flags}
    return RedFlagsFull(
        any=sum(bool(f.red_flags) for f in full),
        spontaneous=sum(
            bool(f.red_flags) and all(p.truth not in suggests[x] for x in f.red_flags)
            for p, f in zip(patients, full, strict=True)
            if p.truth is not None
        ),
    )
