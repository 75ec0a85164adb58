"""Sweep the triage policy on a vignette file: each note is parsed once, then assessed with
variants of knowledge/policy/triage.yaml (regex substitutions), one line of figures per variant.
Used in session 5 for the unlinked-finding rule and the must-not-miss thresholds (run it on the
development part only; measure the chosen variant once on validation).

    .venv/bin/python scripts/sweep_triage_policy.py corpus/development.jsonl "base::" \
        "urgent07::level: urgent, mass: 0.10=>level: urgent, mass: 0.07" \
        "ratio05::rate_ratio: [0-9.]+=>rate_ratio: 0.5"
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path

import hipdx
from hipdx import Case
from hipdx.evaluation import Evaluation, Scores, load_vignettes, text_case

SRC = Path(__file__).resolve().parent.parent / "src" / "hipdx" / "knowledge"
_parsed: dict[str, Case] = {}


def parse(text: str) -> Case:
    """Each note is read once, whatever the variant."""
    if text not in _parsed:
        _parsed[text] = hipdx.parse(text).case
    return _parsed[text]


def variant(substitutions: list[tuple[str, str]]) -> hipdx.CompiledKB:
    """The knowledge base with policy/triage.yaml edited by the substitutions."""
    root = Path(tempfile.mkdtemp()) / "knowledge"
    shutil.copytree(SRC, root)
    policy = root / "policy" / "triage.yaml"
    text = policy.read_text()
    for pattern, replacement in substitutions:
        edited = re.sub(pattern, replacement, text, count=1)
        if edited == text:
            raise SystemExit(f"{pattern!r} matched nothing in triage.yaml")
        text = edited
    policy.write_text(text)
    return hipdx.load_knowledge(root)


def figures(stage: str, scores: Scores) -> str:
    return (
        f"{stage} top-1 {scores.top1:.2f} top-3 {scores.top3:.2f} top-10 {scores.top10:.2f} "
        f"under {scores.under_triage or 0:.2f} over {scores.over_triage or 0:.2f} "
        f"below urgent {scores.missed_emergencies}"
    )


def main() -> None:
    vignettes, _ = load_vignettes(Path(sys.argv[1]))
    builder = text_case(parse)
    for spec in sys.argv[2:]:
        label, _, body = spec.partition("::")
        substitutions = [(a, b) for a, _, b in (x.partition("=>") for x in body.split(";;") if x)]
        report = Evaluation(variant(substitutions), builder).run(vignettes)
        presentation = figures("presentation", report.presentation)
        workup = figures("with workup", report.with_workup)
        print(f"{label:24s} | {presentation} | {workup}", flush=True)


if __name__ == "__main__":
    main()
