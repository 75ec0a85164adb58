"""`hipdx.next_questions` against the previous code path, in one run.

First the same questions: every self-test vignette (presentation, and with its workup), for
every asker, the five suggestions (question, scores, outcomes) from this tree and from the
previous one (a subprocess on its source) must be identical. Then the time per call on the seed
case, the seed case with its MRI and a short sciatica case (it takes the safety-hold path),
each case on its own, this tree and the previous one timed side by side, taking turns.

    .venv/bin/python bench/bench_questions.py [--repeat N] [--rounds N] [--commit C] [--json]
"""

from __future__ import annotations

import argparse
import json

from _previous import ROOT, output_of, previous_and_current, source_tree

#: main before the interview's own speed work (issue 17, item 4): the default baseline.
BASELINE_COMMIT = "d37ac6b"
CASES = ("seed case", "seed case with MRI", "sciatica case")

_CASES = f"""
import json
from pathlib import Path
import hipdx
engine = hipdx.default_engine()
examples = Path({str(ROOT / "examples")!r})
cases = [
    json.loads((examples / "seed_case.json").read_text()),
    json.loads((examples / "seed_case_with_mri.json").read_text()),
    {{"age": 44, "sex": "male", "findings": {{"pain_low_back": True, "bilateral_sciatica": True}}}},
]
"""
_TIMED = """
engine.next_questions(cases[{index}], k=3)
"""
_SUGGESTIONS = f"""
import json
from pathlib import Path
import hipdx
engine = hipdx.default_engine()
found = {{}}
for path in sorted(Path({str(ROOT / "tests" / "vignettes")!r}).glob("*.jsonl")):
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        v = json.loads(line)
        base = {{k: v[k] for k in ("age", "sex", "setting")}}
        workup = {{**v["findings"], **v.get("workup_findings", {{}})}}
        for label, findings in (("presentation", v["findings"]), ("workup", workup)):
            for asker in ("patient", "clinician", "clinician_with_imaging"):
                case = base | {{"findings": findings}}
                suggestions = engine.next_questions(case, asker=asker, k=5)
                found[f"{{v['id']}}/{{label}}/{{asker}}"] = [
                    s.model_dump(mode="json") for s in suggestions
                ]
print(json.dumps(found, sort_keys=True))
"""


def same_questions(commit: str) -> int:
    """The number of (vignette, asker) cases compared; raises when any differs."""
    now = json.loads(output_of(ROOT / "src", _SUGGESTIONS))
    before = json.loads(output_of(source_tree(commit), _SUGGESTIONS))
    differing = [key for key in before if before[key] != now.get(key)]
    assert not differing and now.keys() == before.keys(), f"different: {differing[:5]}"
    return len(now)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--commit", default=BASELINE_COMMIT)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    compared = same_questions(args.commit)
    per_case = {
        name: previous_and_current(
            _CASES,
            _TIMED.format(index=index),
            repeat=args.repeat,
            rounds=args.rounds,
            commit=args.commit,
        )
        for index, name in enumerate(CASES)
    }
    figures = {
        "cases_compared": compared,
        "baseline_commit": args.commit,
        "cases": {
            name: {
                "previous_ms": times["previous"] * 1e3,
                "current_ms": times["current"] * 1e3,
                "ratio": times["previous"] / times["current"],
            }
            for name, times in per_case.items()
        },
    }
    previous = sum(t["previous"] for t in per_case.values()) / len(per_case)
    current = sum(t["current"] for t in per_case.values()) / len(per_case)
    figures |= {"previous_ms": previous * 1e3, "current_ms": current * 1e3}
    figures["ratio"] = previous / current
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"identical suggestions on {compared} vignette cases (k=5, every asker)")
    print(f"next_questions (k=3), median ms per call: previous code ({args.commit}) / this code")
    for name, case in figures["cases"].items():
        print(
            f"  {name:20s} {case['previous_ms']:7.2f} / {case['current_ms']:6.2f}"
            f"  ({case['ratio']:.1f}x)"
        )
    print(
        f"  {'mean of the three':20s} {figures['previous_ms']:7.2f} / {figures['current_ms']:6.2f}"
        f"  ({figures['ratio']:.1f}x)"
    )


if __name__ == "__main__":
    main()
