"""Our own typical presentations (tests/vignettes/*.jsonl): each ranks its condition in the top
three from structured findings, and triage is never below the vignette's expected level."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import hipdx
from hipdx import TriageLevel
from hipdx.kb.compiled import CompiledKB

VIGNETTES = [
    json.loads(line)
    for path in sorted((Path(__file__).parent / "vignettes").glob("*.jsonl"))
    for line in path.read_text().splitlines()
    if line.strip()
]


def _case(vignette: dict[str, Any]) -> dict[str, Any]:
    return {
        "age": vignette["age"],
        "sex": vignette["sex"],
        "setting": vignette["setting"],
        "findings": {**vignette["findings"], **vignette.get("workup_findings", {})},
    }


@pytest.mark.parametrize("vignette", VIGNETTES, ids=[v["id"] for v in VIGNETTES])
def test_each_typical_presentation_ranks_its_condition_in_the_top_three(
    kb: CompiledKB, vignette: dict[str, Any]
) -> None:
    result = hipdx.assess(_case(vignette), knowledge=kb)
    ranks = [r for r in (result.rank_of(c) for c in vignette["expected"]) if r is not None]
    top = [r.condition for r in result.differential[:3]]
    assert ranks and min(ranks) <= 3, f"expected {vignette['expected']}, top three {top}"
    if vignette.get("expected_triage"):
        needed = TriageLevel(vignette["expected_triage"])
        assert result.triage.level.rank >= needed.rank, result.triage


def test_every_condition_has_a_self_test_vignette(kb: CompiledKB) -> None:
    covered = {c for v in VIGNETTES for c in v["expected"][:1]}
    missing = sorted(set(kb.condition_ids) - covered)
    assert not missing, f"conditions without a vignette: {missing}"
