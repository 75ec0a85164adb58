"""`hipdx.next_questions` against the previous code path, in one run.

First the same questions: every self-test vignette (presentation, and with its workup), for
every asker, the five suggestions (question, scores, outcomes) from this tree and from the
previous one (a subprocess on its source) must be identical. Then the time per call on the seed
case, the seed case with its MRI and a short sciatica case (it takes the safety-hold path),
each case on its own, this tree and the previous one timed side by side, taking turns (wall
time); and the processor time of each (``time.thread_time``: what a call costs the process, less
sensitive to other jobs on a shared machine than the wall time), best of several repeats.

    .venv/bin/python bench/bench_questions.py [--repeat N] [--rounds N] [--commit C] [--json]
"""

from __future__ import annotations

import argparse
import json

from _previous import ROOT, output_of, previous_and_current, same_knowledge, source_tree

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


_PROCESSOR = (
    _CASES
    + """
import time
def best(case, calls=20, repeats=7):
    engine.next_questions(case, k=3)
    samples = []
    for _ in range(repeats):
        start = time.thread_time()
        for _ in range(calls):
            engine.next_questions(case, k=3)
        samples.append((time.thread_time() - start) / calls)
    return min(samples)
print(json.dumps([best(case) for case in cases]))
"""
)


def processor_times(commit: str) -> dict[str, list[float]]:
    """Per tree, the best processor seconds per call of each case."""
    trees = {"previous": source_tree(commit), "current": ROOT / "src"}
    return {name: json.loads(output_of(src, _PROCESSOR)) for name, src in trees.items()}


def same_questions(commit: str) -> int:
    """The number of (vignette, asker) cases compared (0 when the baseline's knowledge base
    differs, so its questions may rightly differ); raises when any differs."""
    if not same_knowledge(commit):
        return 0
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
    cpu = processor_times(args.commit)
    figures = {
        "cases_compared": compared,
        "baseline_commit": args.commit,
        "cases": {
            name: {
                "previous_ms": times["previous"] * 1e3,
                "current_ms": times["current"] * 1e3,
                "ratio": times["previous"] / times["current"],
                "previous_cpu_ms": cpu["previous"][index] * 1e3,
                "current_cpu_ms": cpu["current"][index] * 1e3,
                "cpu_ratio": cpu["previous"][index] / cpu["current"][index],
            }
            for index, (name, times) in enumerate(per_case.items())
        },
    }
    previous = sum(t["previous"] for t in per_case.values()) / len(per_case)
    current = sum(t["current"] for t in per_case.values()) / len(per_case)
    figures |= {"previous_ms": previous * 1e3, "current_ms": current * 1e3}
    figures["ratio"] = previous / current
    cpu_previous, cpu_current = (sum(cpu[tree]) / len(CASES) for tree in ("previous", "current"))
    figures |= {"previous_cpu_ms": cpu_previous * 1e3, "current_cpu_ms": cpu_current * 1e3}
    figures["cpu_ratio"] = cpu_previous / cpu_current
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    if compared:
        print(f"identical suggestions on {compared} vignette cases (k=5, every asker)")
    else:
        print("suggestions not compared: the baseline commit holds another knowledge base")
    print(f"next_questions (k=3), ms per call: previous code ({args.commit}) / this code")
    print(f"  {'':20s} {'wall, median':>22s} {'processor, best':>22s}")
    for name, case in figures["cases"].items():
        print(
            f"  {name:20s} {case['previous_ms']:7.2f} / {case['current_ms']:6.2f}"
            f" ({case['ratio']:.1f}x)  {case['previous_cpu_ms']:6.2f} / "
            f"{case['current_cpu_ms']:5.2f} ({case['cpu_ratio']:.1f}x)"
        )
    print(
        f"  {'mean of the three':20s} {figures['previous_ms']:7.2f} / {figures['current_ms']:6.2f}"
        f" ({figures['ratio']:.1f}x)  {figures['previous_cpu_ms']:6.2f} / "
        f"{figures['current_cpu_ms']:5.2f} ({figures['cpu_ratio']:.1f}x)"
    )


if __name__ == "__main__":
    main()
