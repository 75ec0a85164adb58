"""Start-up: `hipdx assess --case examples/seed_case.json --json`, wall time and peak memory of
the whole process, this tree against the previous code path (main at d37ac6b by default), both
reading their compiled knowledge base back from the cache, in alternating runs of the same
session; the two outputs are compared byte for byte.

    .venv/bin/python bench/bench_startup.py [--runs N] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _previous import ROOT, same_knowledge, source_tree

COMMAND = ["-m", "hipdx", "assess", "--case", "examples/seed_case.json", "--json"]
#: main before this round of issue 17 (the previous code path of the start-up figure).
PREVIOUS = "d37ac6b"


def run(src: Path, cache: str) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds (user and system), peak MiB and output of one start."""
    env = {**os.environ, "PYTHONPATH": str(src), "HIPDX_CACHE_DIR": cache}
    start = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%U %S %M", sys.executable, *COMMAND],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    user, system, peak = done.stderr.strip().splitlines()[-1].split()
    return wall, float(user) + float(system), int(peak) / 1024, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--commit", default=PREVIOUS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    trees = {"previous": source_tree(args.commit), "current": ROOT / "src"}
    with tempfile.TemporaryDirectory() as cache:
        outputs = {name: run(src, cache)[3] for name, src in trees.items()}  # warms the cache
        same = outputs["previous"] == outputs["current"]
        walls: dict[str, list[float]] = {name: [] for name in trees}
        cpus: dict[str, list[float]] = {name: [] for name in trees}
        peaks: dict[str, list[float]] = {name: [] for name in trees}
        for _ in range(args.runs):
            for name, src in trees.items():
                wall, cpu, peak, _ = run(src, cache)
                walls[name].append(wall)
                cpus[name].append(cpu)
                peaks[name].append(peak)
    figures = {
        "same_output": same,
        "previous_s": statistics.median(walls["previous"]),
        "current_s": statistics.median(walls["current"]),
        "ratio": statistics.median(walls["previous"]) / statistics.median(walls["current"]),
        "previous_cpu_s": statistics.median(cpus["previous"]),
        "current_cpu_s": statistics.median(cpus["current"]),
        "fastest_current_s": min(walls["current"]),
        "previous_peak_mib": max(peaks["previous"]),
        "current_peak_mib": max(peaks["current"]),
        "baseline_commit": args.commit,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    knowledge = "same" if same_knowledge(args.commit) else "another (outputs may rightly differ)"
    print(f"same output: {same}; the baseline's knowledge base: {knowledge}")
    for name in trees:
        print(
            f"{name:<9} {figures[name + '_s']:.2f} s wall (median), "
            f"{figures[name + '_cpu_s']:.2f} s CPU, peak {figures[name + '_peak_mib']:.0f} MiB"
        )
    print(f"previous / this code: {figures['ratio']:.1f}x")


if __name__ == "__main__":
    main()
