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
from hipdx.evaluation import Evaluation, load_vignettes, text_case

SRC = Path(__file__).resolve().parent.parent / "src" / "hipdx" / "knowledge"
cache: dict[str, object] = {}


def parse(text):
    if text not in cache:
        cache[text] = hipdx.parse(text).case
    return cache[text]


def variant(subs):
    d = Path(tempfile.mkdtemp()) / "knowledge"
    shutil.copytree(SRC, d)
    p = d / "policy" / "triage.yaml"
    s = p.read_text()
    for pat, rep in subs:
        s2 = re.sub(pat, rep, s, count=1)
        assert s2 != s, pat
        s = s2
    p.write_text(s)
    return hipdx.load_knowledge(d)


f = sys.argv[1]
vignettes, _ = load_vignettes(Path(f))
builder = text_case(parse)
for spec in sys.argv[2:]:
    label, _, body = spec.partition("::")
    subs = [tuple(x.split("=>")) for x in body.split(";;") if x]
    r = Evaluation(variant(subs), builder).run(vignettes)
    out = [f"{label:28s}"]
    for st, sc in (("pres", r.presentation), ("work", r.with_workup)):
        out.append(
            f"{st} t1 {sc.top1:.2f} t3 {sc.top3:.2f} t10 {sc.top10:.2f} under {sc.under_triage:.2f} over {sc.over_triage:.2f} missE {sc.missed_emergencies}"
        )
    print(" | ".join(out), flush=True)
