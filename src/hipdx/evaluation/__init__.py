"""Evaluation: score hipdx against vignettes, beside a text-retrieval baseline, in one run."""

from __future__ import annotations

from hipdx.evaluation._baseline import TfidfBaseline
from hipdx.evaluation._runner import (
    RECALL_AT,
    TOP_K,
    CaseBuilder,
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
    "CaseBuilder",
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
