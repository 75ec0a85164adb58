"""Evaluation: score hipdx against vignettes, beside two text-retrieval baselines (TF-IDF and
BM25 over a frozen corpus), in one run; and simulate the adaptive interview against a fixed and
a random questionnaire (simulated patients drawn from the knowledge base's answer model, and the
vignettes replayed)."""

from __future__ import annotations

from hipdx.evaluation._baseline import Bm25Baseline, TfidfBaseline
from hipdx.evaluation._interview_runs import InterviewRun, adaptive_run, ordered_run
from hipdx.evaluation._interview_summary import (
    BUDGETS,
    InterviewSummary,
    StrategySummary,
    evaluate_interviews,
)
from hipdx.evaluation._interview_table import interview_table
from hipdx.evaluation._runner import (
    RECALL_AT,
    TOP_K,
    CaseBuilder,
    Comparison,
    Confusion,
    Evaluation,
    Outcome,
    Report,
    Scores,
    Stage,
    structured_case,
    text_case,
)
from hipdx.evaluation._simulated_patients import (
    SimulatedPatient,
    sample_patient,
    sex_specific_findings,
    simulated_patients,
    simulation_model,
)
from hipdx.evaluation._strategies import Strategy, StrategyRuns, fixed_order, run_strategies
from hipdx.evaluation._triage_metrics import miss_breakdown, missed, need, over_triage
from hipdx.evaluation._vignette_patients import vignette_patients
from hipdx.evaluation._vignettes import (
    Vignette,
    load_vignette_files,
    load_vignettes,
    source_addresses,
)

__all__ = [
    "BUDGETS",
    "RECALL_AT",
    "TOP_K",
    "Bm25Baseline",
    "CaseBuilder",
    "Comparison",
    "Confusion",
    "Evaluation",
    "InterviewRun",
    "InterviewSummary",
    "Outcome",
    "Report",
    "Scores",
    "SimulatedPatient",
    "Stage",
    "Strategy",
    "StrategyRuns",
    "StrategySummary",
    "TfidfBaseline",
    "Vignette",
    "adaptive_run",
    "evaluate_interviews",
    "fixed_order",
    "interview_table",
    "load_vignette_files",
    "load_vignettes",
    "miss_breakdown",
    "missed",
    "need",
    "ordered_run",
    "over_triage",
    "run_strategies",
    "sample_patient",
    "sex_specific_findings",
    "simulated_patients",
    "simulation_model",
    "source_addresses",
    "structured_case",
    "text_case",
    "vignette_patients",
]
