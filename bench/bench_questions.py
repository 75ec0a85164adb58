"""`hipdx.next_questions` against the previous code path, in one run.

First the same questions: every self-test vignette (presentation, and with its workup), for
every asker, the five suggestions (question, scores, outcomes) from this tree and from the
previous one (a subprocess on its source) must be identical. Then the time per call on the seed
case, the seed case with its MRI and a short sciatica case, this tree and the previous one
timed side by side, taking turns.

    .venv/bin/python bench/bench_questions.py [--repeat N] [--rounds N] [--json]
"""

from __future__ import annotations

import argparse
import json

from _previous import BASELINE_COMMIT, ROOT, output_of, previous_and_current, source_tree

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
for case in cases:
    engine.next_questions(case, k=3)
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
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--commit", default=BASELINE_COMMIT)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    compared = same_questions(args.commit)
    times = previous_and_current(
        _CASES, _TIMED, repeat=args.repeat, rounds=args.rounds, commit=args.commit
    )
    figures = {
        "cases_compared": compared,
        "previous_ms": times["previous"] / 3 * 1e3,
        "current_ms": times["current"] / 3 * 1e3,
        "ratio": times["previous"] / times["current"],
        "baseline_commit": args.commit,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"identical suggestions on {compared} vignette cases (k=5, every asker)")
    print(f"next_questions, previous code ({args.commit}): {figures['previous_ms']:.2f} ms")
    print(f"next_questions, this code: {figures['current_ms']:.2f} ms")
    print(f"previous / this code: {figures['ratio']:.1f}x")


if __name__ == "__main__":
    main()
