"""`hipdx batch`: score a file of cases into a file of scores (and a file of errors)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hipdx.cli._io import fail, stderr, stdout


def batch_command(
    source: Annotated[Path, typer.Argument(help="Cases: .jsonl, .csv or .parquet.")],
    output: Annotated[Path, typer.Option("--out", "-o", help="Scores: .parquet or .csv.")],
    errors: Annotated[
        Path | None,
        typer.Option(help="Rows that could not be scored (JSON Lines); default OUT.errors.jsonl."),
    ] = None,
    top: Annotated[int, typer.Option(min=1, max=20, help="Conditions per row.")] = 5,
    workers: Annotated[
        int,
        typer.Option(min=1, max=256, help="Processes (notes), or Dask workers for 'local'."),
    ] = max(1, min(4, os.cpu_count() or 1)),
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="Score on Dask: 'local' (a LocalCluster here) or a scheduler address "
            "such as tcp://HOST:8786."
        ),
    ] = None,
    chunk_rows: Annotated[
        int | None, typer.Option(min=1, help="Rows per chunk (memory is bounded by it).")
    ] = None,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Score every case of a file: the top conditions and their probabilities, triage, red flags
    and KB version per row; every row is scored or reported in the errors file."""
    from hipdx.batch import count_rows, file_format, run_batch

    if not source.is_file():
        fail(f"{source}: no such file")
    try:
        file_format(source)
        if file_format(output) == "jsonl":
            fail(f"{output.name}: write the scores to a .parquet or .csv file")
    except ValueError as problem:
        fail(str(problem))
    progress = Progress(
        TextColumn("scoring"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr(),
        disable=quiet,
        transient=True,
    )
    with progress:
        task = progress.add_task("rows", total=count_rows(source))
        summary = run_batch(
            source,
            output,
            errors_file=errors,
            k=top,
            workers=workers,
            scheduler=scheduler,
            chunk_rows=chunk_rows,
            progress=lambda done: progress.advance(task, done),
        )
    stdout().print(
        f"{summary.rows} rows: {summary.scored} scored into {summary.output}, "
        f"{summary.errors} in {summary.errors_file}"
    )
    if summary.errors:
        raise typer.Exit(1)
