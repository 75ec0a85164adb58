"""Reading against a clinician's coding: how much of a case report the reader finds, measured on
vignettes coded by hand (``findings`` from the text, ``workup_findings`` from the workup; the
files of ``corpus/coded/``).

For each coded file: the reader's precision, recall and negation accuracy against the coding, for
the presentation text and the workup apart (age and sex left out: the vignette carries them). Only
totals are printed, never a case, so that a held-out sample can be measured without being studied.
Beside it, ``hipdx eval --structured FILE`` (the coding) and ``hipdx eval FILE`` (the reader) give
the ranking with perfect and with real reading.

    .venv/bin/python bench/bench_coded.py [FILE.jsonl ...]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import hipdx
from hipdx.evaluation._extraction import OVERALL, GoldPassage, score_extraction
from hipdx.inference.case import Case

ROOT = Path(__file__).parent.parent
CODED = sorted((ROOT / "corpus" / "coded").glob("*.jsonl"))
PARTS = (("presentation text", "text", "findings"), ("workup", "workup", "workup_findings"))


def passages(path: Path, text_field: str, coding_field: str) -> list[GoldPassage]:
    """One passage per vignette that has both the text and its coding."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        case = json.loads(line)
        if str(case.get(text_field, "")).strip() and case.get(coding_field) is not None:
            found.append(
                GoldPassage(
                    id=case["id"],
                    style=text_field,
                    text=case[text_field],
                    expected=case[coding_field],
                )
            )
    return found


def read(text: str) -> Case:
    """The reader's case, without the age and sex the vignette gives anyway."""
    return hipdx.parse(text).case.model_copy(update={"age": None, "sex": None})


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("files", nargs="*", type=Path, default=CODED)
    args = parser.parse_args()
    kb = hipdx.default_engine().knowledge
    for path in args.files:
        print(f"{path.name}:")
        for label, text_field, coding_field in PARTS:
            report = score_extraction(kb, passages(path, text_field, coding_field), read)
            overall = report.by_kind[OVERALL]
            print(
                f"  {label:18s} {report.passages:3d} passages  precision {overall.precision:.3f}"
                f"  recall {overall.recall:.3f}  negation {report.negation_accuracy:.3f}"
                f" ({report.negated} absent)  coded findings {overall.expected}"
            )


if __name__ == "__main__":
    main()
