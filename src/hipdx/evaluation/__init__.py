"""Evaluation: score hipdx against vignettes, beside two text-retrieval baselines (TF-IDF and
BM25 over a frozen corpus), in one run."""

from __future__ import annotations

from hipdx.evaluation._baseline import Bm25Baseline, TfidfBaseline
from hipdx.evaluation._runner import (
    RECALL_AT,
    TOP_K,
    CaseBuilder,
    Confusion,
    Evaluation,
    Outcome,
    Report,
    Scores,
    Stage,
    structured_case,
    text_case,
)
from hipdx.evaluation._vignettes import Vignette, load_vignettes

__all__ = [
    "RECALL_AT",
    "TOP_K",
    "Bm25Baseline",
    "CaseBuilder",
    "Confusion",
    "Evaluation",
    "Outcome",
    "Report",
    "Scores",
    "Stage",
    "TfidfBaseline",
    "Vignette",
    "load_vignettes",
    "structured_case",
    "text_case",
]
