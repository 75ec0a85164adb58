"""A file of cases in, a file of scores and a file of errors out, chunk by chunk.

Input: JSON Lines (one case a line, findings flat or under ``findings``), CSV or Parquet (one
column per finding id, or a ``note`` column). Output: Parquet or CSV by the file's suffix, one
row per scored input row (its ``row`` number and ``id``, the top k conditions and probabilities,
the other-cause probability, triage level, red flags fired, KB version); errors as JSON Lines,
one per row that could not be scored, with its issues. Every input row is in one of the two.

Chunks are scored in this process (structured rows: the matrix path is fastest here), in a pool
of processes (when the input has notes, which are slow to read), or on a Dask cluster
(``scheduler``: ``local`` for a `LocalCluster`, or a scheduler address such as
``tcp://10.0.0.5:8786``). Only a few chunks are in flight at a time, so memory stays bounded
whatever the input's size. The output is the same whichever way it was scored.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hipdx.batch._chunks import UNREADABLE, Chunk, ChunkResult, Scored, TableRows, score_chunk

#: Rows per chunk: structured rows, and rows with notes (slow to read: smaller, to share out).
CHUNK_ROWS, NOTE_CHUNK_ROWS = 16384, 64
FORMATS = {".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet"}


@dataclass(frozen=True)
class BatchSummary:
    rows: int
    scored: int
    errors: int
    output: Path
    errors_file: Path


def run_batch(
    source: Path,
    output: Path,
    *,
    errors_file: Path | None = None,
    k: int = 5,
    workers: int = 1,
    scheduler: str | None = None,
    chunk_rows: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> BatchSummary:
    """Score every row of ``source`` into ``output`` (and ``errors_file``, by default beside
    the output as ``<name>.errors.jsonl``)."""
    errors_file = errors_file or output.with_name(output.stem + ".errors.jsonl")
    notes = has_notes(source)
    size = chunk_rows or (NOTE_CHUNK_ROWS if notes else CHUNK_ROWS)
    chunks = read_chunks(source, size)
    rows = scored = failed = 0
    with _Writer(output, k) as writer, errors_file.open("w") as errors:
        for result in _scored(chunks, k=k, workers=workers, scheduler=scheduler, notes=notes):
            writer.write(result.columns)
            for record in result.errors:
                errors.write(json.dumps(record) + "\n")
            done = len(result.columns) + len(result.errors)
            rows, scored, failed = (
                rows + done,
                scored + len(result.columns),
                failed + len(result.errors),
            )
            if progress is not None:
                progress(done)
    return BatchSummary(rows, scored, failed, output, errors_file)


def _scored(
    chunks: Iterator[Chunk], *, k: int, workers: int, scheduler: str | None, notes: bool
) -> Iterator[ChunkResult]:
    if scheduler is not None:
        yield from _on_dask(chunks, k=k, scheduler=scheduler, workers=workers)
    elif notes and workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            yield from _in_order(chunks, lambda c: pool.submit(score_chunk_task, c, k), workers * 2)
    else:
        for chunk in chunks:
            yield score_chunk(chunk, k=k)


def score_chunk_task(chunk: Chunk, k: int) -> ChunkResult:
    """`score_chunk` on the default engine of the process it runs in (a pool or Dask worker)."""
    return score_chunk(chunk, k=k)


def _in_order(
    chunks: Iterator[Chunk], submit: Callable[[Chunk], Any], window: int
) -> Iterator[ChunkResult]:
    """Results in input order, at most ``window`` chunks in flight."""
    pending: deque[Any] = deque()
    for chunk in chunks:
        pending.append(submit(chunk))
        if len(pending) >= window:
            yield _result(pending.popleft())
    while pending:
        yield _result(pending.popleft())


def _result(future: Any) -> ChunkResult:
    result: ChunkResult = future.result()
    return result


def _on_dask(
    chunks: Iterator[Chunk], *, k: int, scheduler: str, workers: int
) -> Iterator[ChunkResult]:
    from distributed import Client, LocalCluster

    if scheduler == "local":
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",  # this machine only
            dashboard_address="127.0.0.1:0",  # a free port, if the dashboard's library is there
        )
        with cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
            yield from _in_order(
                chunks, lambda c: client.submit(score_chunk_task, c, k), workers * 2
            )
    else:
        with Client(scheduler) as client:  # type: ignore[no-untyped-call]
            window = 2 * max(1, len(client.scheduler_info().get("workers", {})))
            yield from _in_order(chunks, lambda c: client.submit(score_chunk_task, c, k), window)


# ----------------------------------------------------------------------------------------------
# Files


def file_format(path: Path) -> str:
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise ValueError(f"{path.name}: use a .jsonl, .csv or .parquet file") from None


def count_rows(source: Path) -> int | None:
    """The number of rows, when it is cheap to know (a progress bar's total)."""
    if file_format(source) == "parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(source).metadata.num_rows)
    if source.stat().st_size > 200 * 1024 * 1024:
        return None
    with source.open("rb") as stream:
        lines = sum(1 for line in stream if line.strip())
    return lines - 1 if file_format(source) == "csv" else lines


def has_notes(source: Path) -> bool:
    """Whether the input has a ``note`` column (or, in JSON Lines, a first row with a note)."""
    kind = file_format(source)
    if kind == "parquet":
        import pyarrow.parquet as pq

        return "note" in pq.read_schema(source).names
    with source.open() as stream:
        first = stream.readline()
    if kind == "csv":
        return "note" in [c.strip() for c in first.strip().split(",")]
    return bool(first.strip()) and "note" in json.loads(first)


def read_chunks(source: Path, size: int) -> Iterator[Chunk]:
    """The rows of ``source``, ``size`` at a time, numbered from 0."""
    kind = file_format(source)
    start = 0
    chunks: Iterator[Sequence[Mapping[str, Any]]] = (
        _jsonl(source, size) if kind == "jsonl" else _arrow(source, size, kind)
    )
    for rows in chunks:
        yield Chunk(start, rows)
        start += len(rows)


def _jsonl(source: Path, size: int) -> Iterator[list[dict[str, Any]]]:
    rows: list[dict[str, Any]] = []
    with source.open() as stream:
        for line in stream:
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as problem:
                value = {UNREADABLE: f"not JSON: {problem.msg}"}
            rows.append(value if isinstance(value, dict) else {UNREADABLE: "not an object"})
            if len(rows) == size:
                yield rows
                rows = []
    if rows:
        yield rows


def _arrow(source: Path, size: int, kind: str) -> Iterator[TableRows]:
    import pyarrow as pa

    if kind == "parquet":
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(source).iter_batches(batch_size=size):
            yield TableRows(pa.Table.from_batches([batch]))
        return
    import pyarrow.csv as pcsv

    reader = pcsv.open_csv(source, read_options=pcsv.ReadOptions(block_size=1 << 22))
    for batch in reader:
        for start in range(0, batch.num_rows, size):
            yield TableRows(pa.Table.from_batches([batch.slice(start, size)]))


class _Writer:
    """Scored rows to Parquet or CSV, with one fixed schema."""

    def __init__(self, path: Path, k: int) -> None:
        import pyarrow as pa

        self.path, self.kind = path, file_format(path)
        if self.kind == "jsonl":
            raise ValueError(f"{path.name}: write the scores to a .parquet or .csv file")
        fields = [pa.field("row", pa.int64()), pa.field("id", pa.string())]
        for place in range(1, k + 1):
            fields += [pa.field(f"condition_{place}", pa.string())]
            fields += [pa.field(f"probability_{place}", pa.float64())]
        fields += [
            pa.field("other_cause_probability", pa.float64()),
            pa.field("triage", pa.string()),
            pa.field("red_flags", pa.string()),
            pa.field("kb_version", pa.string()),
        ]
        self.schema = pa.schema(fields)
        self.writer: Any = None

    def __enter__(self) -> _Writer:
        import pyarrow.csv as pcsv
        import pyarrow.parquet as pq

        if self.kind == "parquet":
            self.writer = pq.ParquetWriter(self.path, self.schema)
        else:
            self.writer = pcsv.CSVWriter(self.path, self.schema)
        return self

    def write(self, scored: Scored) -> None:
        """The scored rows, column by column (NaN probabilities as nulls)."""
        import pyarrow as pa

        if not len(scored):
            return
        arrays = []
        for field in self.schema:
            values = scored.values[field.name]
            mask = np.isnan(values) if values.dtype == np.float64 else None
            arrays.append(pa.array(values, type=field.type, mask=mask))
        self.writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))

    def __exit__(self, *exc: object) -> None:
        self.writer.close()
