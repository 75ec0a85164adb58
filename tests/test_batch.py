"""Scoring cohorts: the matrix path gives what `hipdx.assess` gives, row by row; every row is
scored or reported; the file formats, the CLI and a Dask cluster give the same output."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import hipdx
from hipdx.batch import Chunk, run_batch, score_chunk
from hipdx.cli import app
from hipdx.engine import Engine

VIGNETTES = [
    json.loads(line)
    for path in sorted((Path(__file__).parent / "vignettes").glob("*.jsonl"))
    for line in path.read_text().splitlines()
    if line.strip()
]


def _rows(engine: Engine, count: int, seed: int = 7) -> list[dict[str, Any]]:
    """The self-test vignettes (with and without workup), then random structured cases."""
    rows: list[dict[str, Any]] = []
    for v in VIGNETTES:
        base = {"id": v["id"], "age": v["age"], "sex": v["sex"], "setting": v["setting"]}
        rows.append(base | v["findings"])
        rows.append(base | {"id": v["id"] + "+"} | v["findings"] | v.get("workup_findings", {}))
    kb = engine.knowledge
    answerable = [f for f in kb.finding_ids if kb.finding(f).derived is None]
    rng = random.Random(seed)
    for i in range(count):
        row: dict[str, Any] = {"id": f"r{i}", "age": rng.choice([None, rng.randint(1, 95)])}
        row["sex"] = rng.choice([None, "female", "male"])
        row["setting"] = rng.choice(["primary_care", "sports", "emergency"])
        row |= {f: rng.random() < 0.5 for f in rng.sample(answerable, rng.randint(0, 25))}
        rows.append(row)
    return rows


def _case(row: dict[str, Any]) -> dict[str, Any]:
    reserved = ("id", "age", "sex", "setting")
    case = {k: row[k] for k in reserved[1:] if row.get(k) is not None}
    return case | {"findings": {k: v for k, v in row.items() if k not in reserved}}


def test_every_row_scores_as_hipdx_assess_scores_it(engine: Engine) -> None:
    rows = _rows(engine, 600)
    result = score_chunk(Chunk(0, rows), k=5, engine=engine)
    assert not result.errors and [r["row"] for r in result.scored] == list(range(len(rows)))
    for record in result.scored:
        assessment = engine.assess(_case(rows[record["row"]]))
        expected = [(r.condition, r.probability) for r in assessment.differential[:5]]
        got = [(record[f"condition_{i}"], record[f"probability_{i}"]) for i in range(1, 6)]
        assert [c for c, _ in got[: len(expected)]] == [c for c, _ in expected], record["id"]
        for (_, p), (_, q) in zip(expected, got, strict=False):
            assert abs(p - q) <= 1e-9
        assert record["triage"] == assessment.triage.level.value, record["id"]
        assert record["red_flags"] == ";".join(f.red_flag for f in assessment.results.red_flags)
        assert record["kb_version"] == engine.version


def test_rows_that_cannot_be_scored_are_reported_and_none_is_lost(engine: Engine) -> None:
    rows = [
        {"id": "fine", "age": 30, "pain_groin": True},
        {"id": "unknown", "age": 30, "not_a_finding": True},
        {"id": "both", "findings": {"sex_female": True, "sex_male": True}},
        {"id": "number", "pain_groin": 3},
        {"id": "age", "age": "forty"},
    ]
    result = score_chunk(Chunk(10, rows), k=3, engine=engine)
    assert [r["row"] for r in result.scored] == [10]
    assert [(e["row"], e["id"]) for e in result.errors] == [
        (11, "unknown"),
        (12, "both"),
        (13, "number"),
        (14, "age"),
    ]
    assert all(e["issues"] and e["issues"][0]["message"] for e in result.errors)


def _write(rows: list[dict[str, Any]], path: Path) -> Path:
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        return path
    table = pa.Table.from_pylist(rows)
    if path.suffix == ".csv":
        pcsv.write_csv(table, path)
    else:
        pq.write_table(table, path)
    return path


def _scores(path: Path) -> list[dict[str, Any]]:
    table = pq.read_table(path) if path.suffix == ".parquet" else pcsv.read_csv(path)
    return list(table.to_pylist())


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_each_input_format_gives_the_same_scores(
    engine: Engine, tmp_path: Path, suffix: str
) -> None:
    rows = [{k: v for k, v in r.items() if k != "setting"} for r in _rows(engine, 50)[:120]]
    columns = sorted({k for r in rows for k in r})
    uniform = [{k: r.get(k) for k in columns} for r in rows]  # one schema for CSV / Parquet
    source = _write(uniform, tmp_path / f"cases{suffix}")
    summary = run_batch(source, tmp_path / "scores.parquet", k=3, chunk_rows=40)
    assert (summary.rows, summary.scored, summary.errors) == (len(rows), len(rows), 0)
    expected = score_chunk(Chunk(0, rows), k=3, engine=engine).scored
    assert _scores(tmp_path / "scores.parquet") == expected


def test_the_cli_writes_scores_and_errors(tmp_path: Path) -> None:
    rows = [{"id": "a", "age": 52, "sex": "male", "pain_low_back": True}, {"id": "b", "x": 1}]
    source = _write(rows, tmp_path / "cases.jsonl")
    result = CliRunner().invoke(
        app, ["batch", str(source), "--out", str(tmp_path / "s.csv"), "--quiet"]
    )
    assert result.exit_code == 1, result.output  # one row could not be scored
    assert "2 rows: 1 scored" in result.output
    scored = _scores(tmp_path / "s.csv")
    assert [r["id"] for r in scored] == ["a"]
    assert scored[0]["kb_version"] == hipdx.default_engine().version
    errors = (tmp_path / "s.errors.jsonl").read_text().splitlines()
    assert [json.loads(e)["id"] for e in errors] == ["b"]


def test_a_dask_cluster_gives_the_output_of_one_process(engine: Engine, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    rows = _rows(engine, 200)
    source = _write(rows, tmp_path / "cases.jsonl")
    run_batch(source, tmp_path / "here.parquet", k=4, chunk_rows=64)
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=False,
            dashboard_address="127.0.0.1:0",
        ) as cluster,
    ):
        run_batch(
            source,
            tmp_path / "dask.parquet",
            k=4,
            chunk_rows=64,
            scheduler=cluster.scheduler_address,
        )
    assert _scores(tmp_path / "dask.parquet") == _scores(tmp_path / "here.parquet")


def test_a_parquet_column_of_the_wrong_kind_is_reported_row_by_row(tmp_path: Path) -> None:
    rows = [
        {"id": "a", "age": 40.0, "pain_groin": True, "not_a_finding": None},
        {"id": "b", "age": 40.0, "pain_groin": None, "not_a_finding": 2.0},
        {"id": "c", "age": 300.0, "pain_groin": False, "not_a_finding": None},
    ]
    source = _write(rows, tmp_path / "cases.parquet")
    summary = run_batch(source, tmp_path / "scores.parquet", k=2)
    assert (summary.scored, summary.errors) == (1, 2)
    errors = [json.loads(e) for e in summary.errors_file.read_text().splitlines()]
    assert [(e["row"], e["id"]) for e in errors] == [(1, "b"), (2, "c")]


def test_a_chunk_of_notes_only_is_read(engine: Engine) -> None:
    rows = [{"id": "n", "note": "52 year old man with low back pain spreading down the leg."}]
    result = score_chunk(Chunk(0, rows), k=2, engine=engine)
    assert [r["id"] for r in result.scored] == ["n"] and not result.errors
    expected = engine.assess(engine.parse(rows[0]["note"]).case).differential[0].condition
    assert result.scored[0]["condition_1"] == expected
