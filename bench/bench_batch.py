"""Batch scoring: the matrix path against a loop of `hipdx.assess`, in one run.

1. Structured cases after loading: random cases (age, sex, setting, 15 answered findings each)
   as column arrays, scored in chunks of 8,192 by the matrix path (encode, posterior, triage);
   the baselines are the previous code path (``--commit``, main at d37ac6b by default: the same
   chunks scored side by side in a second process from that commit's source, the two taking
   turns; and its matrix module loaded in this process, the two timed in CPU seconds, taking
   turns) and a loop of `hipdx.assess` on the first cases of the same set. A sample of rows
   is first checked to come out as `hipdx.assess` gives them (order, probabilities within 1e-9,
   triage, red flags), through `score_chunk` (which sends close calls to the engine).
2. A Parquet file of ``--cases`` structured rows (default 1,000,000) scored end to end
   (`run_batch`, one process) in a subprocess: rows per second and its peak memory (its own
   VmHWM: the max RSS of getrusage would keep this benchmark's, from before the exec);
   and the first ``--previous-cases`` rows (default 100,000) by this code and by the previous
   code, file to file, each in its own subprocess, the outputs compared.
3. Notes: ``--notes`` short notes read by one process, by a pool of 2, and on a Dask
   LocalCluster of 1 and of 2 workers (notes per second; the workers' start-up included).

    .venv/bin/python bench/bench_batch.py [--cases N] [--previous-cases N] [--notes N] [--json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from _previous import previous_and_current, source_tree

import hipdx
from hipdx._types import Setting, Sex
from hipdx.batch import CaseMatrix, Chunk, encode_matrix, run_batch, score_chunk, score_matrix
from hipdx.kb.compiled import CompiledKB

CHUNK = 8192
#: main before this round of issue 17 (the previous code path of the batch figures).
PREVIOUS = "d37ac6b"
#: The side-by-side timing: both processes build the same chunks, then score them all in turn.
_SETUP = """
import sys
sys.path.insert(0, "bench")
import hipdx
from bench_batch import CHUNK, as_matrix, columns
from hipdx.batch import encode_matrix, score_matrix
kb = hipdx.default_engine().knowledge
data = columns(kb, {count})
chunks = [as_matrix(data, s, min(s + CHUNK, {count})) for s in range(0, {count}, CHUNK)]
"""
_STATEMENT = """
for matrix in chunks:
    score_matrix(kb, matrix, encode_matrix(kb, matrix), k=5)
"""
NOTES = [
    "45 year old woman with right groin pain for 3 months, worse with hip flexion, no fever.",
    "Runner, 28, buttock pain when striding out; pain relieved by stopping. No back pain.",
    "62 year old man, low back pain radiating below the knee, numbness in the foot.",
    "Lateral hip pain lying on that side, tender over the greater trochanter, 55 year old woman.",
]


def columns(kb: CompiledKB, count: int, seed: int = 1) -> dict[str, Any]:
    """Random structured cases as columns (NaN where unanswered)."""
    rng = np.random.default_rng(seed)
    answerable = [f for f in kb.finding_ids if kb.finding(f).derived is None]
    answers = np.full((count, len(answerable)), np.nan)
    chosen = np.argsort(rng.random((count, len(answerable))), axis=1)[:, :15]
    np.put_along_axis(answers, chosen, (rng.random((count, 15)) < 0.5).astype(float), axis=1)
    return {
        "age": rng.integers(1, 96, count).astype(float),
        "sex": rng.choice(["female", "male"], count),
        "setting": rng.choice(["primary_care", "sports", "emergency"], count),
        "answers": dict(zip(answerable, np.asfortranarray(answers).T, strict=True)),
    }


def as_matrix(data: dict[str, Any], start: int, stop: int) -> CaseMatrix:
    return CaseMatrix(
        age=data["age"][start:stop],
        sex=[Sex(s) for s in data["sex"][start:stop]],
        setting=[Setting(s) for s in data["setting"][start:stop]],
        answers={f: v[start:stop] for f, v in data["answers"].items()},
    )


def as_rows(data: dict[str, Any], start: int, stop: int) -> list[dict[str, Any]]:
    rows = []
    for i in range(start, stop):
        row: dict[str, Any] = {"age": float(data["age"][i]), "sex": str(data["sex"][i])}
        row["setting"] = str(data["setting"][i])
        row |= {f: bool(v[i]) for f, v in data["answers"].items() if not np.isnan(v[i])}
        rows.append(row)
    return rows


def check_sample(kb: CompiledKB, data: dict[str, Any], size: int) -> int:
    rows = as_rows(data, 0, size)
    result = score_chunk(Chunk(0, rows), k=5)
    assert not result.errors
    for record in result.scored:
        row = rows[record["row"]]
        case = {k: row[k] for k in ("age", "sex", "setting")}
        case["findings"] = {k: v for k, v in row.items() if k not in case}
        assessment = hipdx.assess(case, knowledge=kb)
        expected = [(r.condition, r.probability) for r in assessment.differential[:5]]
        got = [(record[f"condition_{i}"], record[f"probability_{i}"]) for i in range(1, 6)]
        assert [c for c, _ in got] == [c for c, _ in expected], record["row"]
        assert all(abs(p - q) <= 1e-9 for (_, p), (_, q) in zip(expected, got, strict=True))
        assert record["triage"] == assessment.triage.level.value
        assert record["red_flags"] == ";".join(f.red_flag for f in assessment.results.red_flags)
    return len(rows)


def previous_matrix_module(commit: str) -> Any:
    """``hipdx/batch/_matrix.py`` of ``commit``, loaded beside this tree's (it imports the rest
    of hipdx from this tree, whose interfaces it uses are unchanged)."""
    path = source_tree(commit) / "hipdx" / "batch" / "_matrix.py"
    spec = importlib.util.spec_from_file_location("previous_matrix", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["previous_matrix"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def cpu_side_by_side(
    kb: CompiledKB, chunks: list[CaseMatrix], commit: str, rounds: int = 5
) -> dict[str, float]:
    """Cases per CPU second of the previous matrix code and of this one in this process, taking
    turns ``rounds`` times (the best round of each): CPU time, not wall time, so that other
    jobs on the machine count less; the two give the same scores (checked first)."""
    previous = previous_matrix_module(commit)
    count = sum(len(m) for m in chunks)
    for matrix in chunks[:2]:
        old = previous.score_matrix(kb, matrix, previous.encode_matrix(kb, matrix), k=5)
        new = score_matrix(kb, matrix, encode_matrix(kb, matrix), k=5)
        fine = ~old.close & ~new.close
        assert np.array_equal(old.top[fine], new.top[fine])
        assert np.array_equal(old.triage_rank[fine], new.triage_rank[fine])
    best = {"previous": np.inf, "current": np.inf}
    for _ in range(rounds):
        for name, module in (("previous", previous), ("current", sys.modules[__name__])):
            start = time.process_time()
            for matrix in chunks:
                module.score_matrix(kb, matrix, module.encode_matrix(kb, matrix), k=5)
            best[name] = min(best[name], time.process_time() - start)
    return {
        "cpu_current_cases_per_s": count / best["current"],
        "cpu_previous_cases_per_s": count / best["previous"],
        "cpu_ratio_to_previous": best["previous"] / best["current"],
    }


def structured(kb: CompiledKB, count: int, baseline: int, commit: str) -> dict[str, Any]:
    data = columns(kb, count)
    checked = check_sample(kb, data, 2000)
    chunks = [as_matrix(data, s, min(s + CHUNK, count)) for s in range(0, count, CHUNK)]
    start, cpu = time.perf_counter(), time.process_time()
    for matrix in chunks:
        score_matrix(kb, matrix, encode_matrix(kb, matrix), k=5)
    matrix_rate = count / (time.perf_counter() - start)
    cpu_rate = count / (time.process_time() - cpu)  # per CPU second: what a free core gives
    cpu = cpu_side_by_side(kb, chunks[: max(1, 65536 // CHUNK)], commit)
    side_by_side = previous_and_current(
        _SETUP.format(count=count), _STATEMENT, repeat=3, rounds=3, commit=commit
    )
    rows = as_rows(data, 0, baseline)
    cases = [
        {"age": r["age"], "sex": r["sex"], "setting": r["setting"]}
        | {"findings": {k: v for k, v in r.items() if k not in ("age", "sex", "setting")}}
        for r in rows
    ]
    start = time.perf_counter()
    for case in cases:
        hipdx.assess(case, knowledge=kb)
    loop_rate = baseline / (time.perf_counter() - start)
    current_rate = count / side_by_side["current"]
    previous_rate = count / side_by_side["previous"]
    return {
        "sample_checked": checked,
        "matrix_cases_per_s": matrix_rate,
        "matrix_cases_per_cpu_s": cpu_rate,
        "side_by_side_current_cases_per_s": current_rate,
        "side_by_side_previous_cases_per_s": previous_rate,
        "ratio_to_previous": current_rate / previous_rate,
        "assess_loop_cases_per_s": loop_rate,
        "ratio_to_assess_loop": matrix_rate / loop_rate,
        "previous_commit": commit,
    } | cpu


_END_TO_END = """
import json, resource, sys, time
from pathlib import Path
from hipdx.batch import run_batch
source, out = Path(sys.argv[1]), Path(sys.argv[2])
start = time.perf_counter()
summary = run_batch(source, out, k=5)
seconds = time.perf_counter() - start
def peak_mib():
    # this process's own high-water mark (VmHWM): ru_maxrss keeps the parent's from before exec
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"rows": summary.rows, "scored": summary.scored, "errors": summary.errors,
                  "seconds": seconds, "peak_mib": peak_mib()}))
"""


def write_cases(kb: CompiledKB, count: int, source: Path) -> Path:
    """``count`` random structured rows as Parquet, written 100,000 at a time."""
    writer = None
    for start in range(0, count, 100_000):
        data = columns(kb, min(100_000, count - start), seed=start + 7)
        table = pa.table(
            {"age": data["age"], "sex": data["sex"], "setting": data["setting"]}
            | {f: pa.array(v == 1, mask=np.isnan(v)) for f, v in data["answers"].items()}
        )
        writer = writer or pq.ParquetWriter(source, table.schema)
        writer.write_table(table)
    assert writer is not None
    writer.close()
    return source


def scored_file(source: Path, out: Path, src: Path | None = None) -> dict[str, float]:
    """`run_batch` from ``source`` to ``out`` in a subprocess (from the source tree ``src``
    when given): rows, seconds, rows per second and the process's peak memory."""
    env = {**os.environ, "PYTHONPATH": str(src)} if src is not None else None
    done = subprocess.run(
        [sys.executable, "-c", _END_TO_END, str(source), str(out)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    figures["rows_per_s"] = figures["rows"] / figures["seconds"]
    return figures


def end_to_end(
    kb: CompiledKB, count: int, previous_count: int, commit: str, directory: Path
) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    if previous_count:
        source = write_cases(kb, previous_count, directory / "first.parquet")
        current = scored_file(source, directory / "first_current.parquet")
        previous = scored_file(source, directory / "first_previous.parquet", source_tree(commit))
        same = pq.read_table(directory / "first_current.parquet").equals(
            pq.read_table(directory / "first_previous.parquet")
        )
        figures["side_by_side"] = {
            "rows": previous_count,
            "current_rows_per_s": current["rows_per_s"],
            "previous_rows_per_s": previous["rows_per_s"],
            "ratio": current["rows_per_s"] / previous["rows_per_s"],
            "current_peak_mib": current["peak_mib"],
            "previous_peak_mib": previous["peak_mib"],
            "same_output": same,
            "previous_commit": commit,
        }
        print(json.dumps({"end_to_end_side_by_side": figures["side_by_side"]}), flush=True)
    if count:
        source = write_cases(kb, count, directory / "cases.parquet")
        figures["all"] = scored_file(source, directory / "scores.parquet")
    return figures


def notes(count: int, directory: Path) -> dict[str, float]:
    rng = random.Random(3)
    source = directory / "notes.jsonl"
    source.write_text(
        "".join(json.dumps({"id": i, "note": rng.choice(NOTES)}) + "\n" for i in range(count))
    )
    rates: dict[str, float] = {}
    outputs = {}
    for label, options in {
        "one_process": {"workers": 1},
        "pool_2": {"workers": 2},
        "dask_local_1": {"workers": 1, "scheduler": "local"},
        "dask_local_2": {"workers": 2, "scheduler": "local"},
    }.items():
        out = directory / f"notes_{label}.parquet"
        start = time.perf_counter()
        run_batch(source, out, k=3, **options)  # type: ignore[arg-type]
        rates[f"notes_per_s_{label}"] = count / (time.perf_counter() - start)
        outputs[label] = pq.read_table(out).to_pylist()
    first = next(iter(outputs.values()))
    assert all(o == first for o in outputs.values()), "the ways of scoring disagree"
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--structured", type=int, default=200_000, help="0: skip")
    parser.add_argument("--baseline", type=int, default=300)
    parser.add_argument("--cases", type=int, default=1_000_000, help="end to end (0: skip)")
    parser.add_argument(
        "--previous-cases", type=int, default=100_000, help="end to end, both codes (0: skip)"
    )
    parser.add_argument("--commit", default=PREVIOUS, help="the previous code path")
    parser.add_argument("--notes", type=int, default=200, help="0: skip")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    kb = hipdx.default_engine().knowledge
    figures: dict[str, Any] = {}
    if args.structured:
        figures["structured"] = structured(kb, args.structured, args.baseline, args.commit)
        print(json.dumps({"structured": figures["structured"]}), flush=True)
    with tempfile.TemporaryDirectory() as directory:
        if args.cases or args.previous_cases:
            figures["end_to_end"] = end_to_end(
                kb, args.cases, args.previous_cases, args.commit, Path(directory)
            )
            print(json.dumps({"end_to_end": figures["end_to_end"]}), flush=True)
        if args.notes:
            figures["notes"] = notes(args.notes, Path(directory))
            print(json.dumps({"notes": figures["notes"]}), flush=True)
    if args.json:
        print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
