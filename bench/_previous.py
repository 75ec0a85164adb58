"""The previous code path as a baseline: the source tree of an earlier commit, timed in a
subprocess beside the current tree, in alternating rounds so both see the same machine load.

    timings = previous_and_current(SETUP, STATEMENT, repeat=200, rounds=3)

``SETUP`` runs once per subprocess (imports, the engine, the inputs); ``STATEMENT`` is timed
``repeat`` times after a warm-up. Both see ``ROOT`` (this checkout) as the working directory.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parent.parent
#: main when the speed work (issue 17) last merged it (kb-layout included): the default baseline.
BASELINE_COMMIT = "b8e20b8"

_HARNESS = """
import json, sys, time
{setup}
def _statement():
{statement}
for _ in range(max(3, {repeat} // 10)):
    _statement()
samples = []
for _ in range({repeat}):
    start = time.perf_counter()
    _statement()
    samples.append(time.perf_counter() - start)
print(json.dumps(samples))
"""


def source_tree(commit: str) -> Path:
    """``src/`` of ``commit``, extracted once into the temporary directory."""
    target = Path(tempfile.gettempdir()) / f"hipdx-src-{commit}"
    if not (target / "src" / "hipdx").exists():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", commit, "src"], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target / "src"


def output_of(src: Path, code: str) -> str:
    """What ``code`` prints, run with ``src`` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


def timed_in(src: Path, setup: str, statement: str, repeat: int) -> list[float]:
    """Seconds per run of ``statement``, ``repeat`` samples, with ``src`` first on the path."""
    body = "\n".join("    " + line for line in statement.strip().splitlines())
    code = _HARNESS.format(setup=setup.strip(), statement=body, repeat=repeat)
    samples: list[float] = json.loads(output_of(src, code).strip().splitlines()[-1])
    return samples


#: A worker: runs ``setup``, then times ``statement`` on request, by the wall clock and by the
#: process's CPU time (a (wall, cpu) pair per run; on a shared machine CPU time is what an idle
#: machine would take).
SERVER = """
import json, sys, time
{setup}
def _statement():
{statement}
for _ in range(3):
    _statement()
print("ready", flush=True)
for line in sys.stdin:
    samples = []
    for _ in range(int(line)):
        wall, cpu = time.perf_counter(), time.process_time()
        _statement()
        samples.append((time.perf_counter() - wall, time.process_time() - cpu))
    print(json.dumps(samples), flush=True)
"""


def previous_and_current(
    setup: str, statement: str, *, repeat: int, rounds: int = 3, commit: str = BASELINE_COMMIT
) -> dict[str, float]:
    """Median seconds of ``statement`` on the previous tree and on this one: both trees run
    side by side in two processes, taking turns ``rounds`` times at ``repeat`` runs each, so
    both see the same machine load."""
    trees = {"previous": source_tree(commit), "current": ROOT / "src"}
    body = "\n".join("    " + line for line in statement.strip().splitlines())
    code = SERVER.format(setup=setup.strip(), statement=body)
    samples = alternating_samples(code, trees, repeat=repeat, rounds=rounds, timeout=60)
    return {name: statistics.median(wall for wall, _ in values) for name, values in samples.items()}


def alternating_samples(
    code: str, trees: dict[str, Path], *, repeat: int, rounds: int, timeout: float
) -> dict[str, list[Any]]:
    """Every sample of a worker ``code`` per tree: one process per tree (its ``src`` first on
    the path) that prints "ready", then for each line it reads (a count) a JSON list of that
    many samples; the processes take turns ``rounds`` times, so all see the same machine load."""
    workers = {
        name: subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(src)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for name, src in trees.items()
    }
    samples: dict[str, list[Any]] = {name: [] for name in trees}
    try:
        for worker in workers.values():
            assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
        for _ in range(rounds):
            for name, worker in workers.items():
                assert worker.stdin is not None and worker.stdout is not None
                worker.stdin.write(f"{repeat}\n")
                worker.stdin.flush()
                samples[name] += json.loads(worker.stdout.readline())
    finally:
        for worker in workers.values():
            if worker.stdin is not None:
                worker.stdin.close()
            worker.wait(timeout=timeout)
    return samples


_KB_VERSION = "import hipdx; print(hipdx.default_engine().version)"


def same_knowledge(commit: str) -> bool:
    """Whether ``commit``'s tree holds the knowledge base this tree holds: outputs can only be
    compared with a previous code path that reasons on the same knowledge."""
    return output_of(source_tree(commit), _KB_VERSION) == output_of(ROOT / "src", _KB_VERSION)
