"""The notes the reader must read identically before and after a change: every gold set, the
intake sentence table, and the notes of every vignette file (text, workup, and both together as
the evaluation reads them). Only the notes are taken; nothing else of a case is looked at.

    notes()  ->  {"gold/intake_gold/g001": "...", "vignettes/dev/v01/text": "...", ...}
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

ROOT = Path(__file__).parent.parent
GOLD = sorted((ROOT / "tests" / "fixtures" / "gold").glob("*.jsonl"))
INTAKE_CASES = ROOT / "tests" / "fixtures" / "intake_cases.yaml"
VIGNETTES = [
    ROOT.parent / "shared" / "vignettes" / "dev.jsonl",
    *sorted((ROOT / "tests" / "vignettes").glob("*.jsonl")),
    ROOT / "corpus" / "development.jsonl",
    ROOT / "corpus" / "validation.jsonl",
]


def _rows(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def gold_notes() -> dict[str, str]:
    """The passages of the gold sets, by set and id."""
    return {f"gold/{p.stem}/{row['id']}": str(row["text"]) for p in GOLD for row in _rows(p)}


def sentence_notes() -> dict[str, str]:
    """The sentences of the intake table (tests/fixtures/intake_cases.yaml)."""
    cases = yaml.safe_load(INTAKE_CASES.read_text())
    return {f"intake_cases/{i}": str(case["text"]) for i, case in enumerate(cases)}


def vignette_notes() -> dict[str, str]:
    """Each vignette's presentation, workup, and presentation with workup (missing files, such
    as the shared set outside a checkout, are skipped)."""
    notes: dict[str, str] = {}
    for path in VIGNETTES:
        if not path.exists():
            continue
        for row in _rows(path):
            key = f"vignettes/{path.parent.name}/{path.stem}/{row['id']}"
            text, workup = str(row.get("text") or ""), str(row.get("workup") or "")
            notes[f"{key}/text"] = text
            if workup.strip():
                notes[f"{key}/workup"] = workup
                notes[f"{key}/with_workup"] = f"{text}\n{workup}"
    return notes


def notes() -> dict[str, str]:
    """Every note to compare, by a key naming its source."""
    return {**gold_notes(), **sentence_notes(), **vignette_notes()}
