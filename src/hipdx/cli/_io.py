"""Reading input files and reporting problems, shared by the commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from hipdx.issues import Issue

#: Input files larger than this are refused before parsing.
MAX_INPUT_BYTES = 5 * 1024 * 1024


def stdout() -> Console:
    return Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 110)


def stderr() -> Console:
    return Console(stderr=True, highlight=False)


def fail(message: str, issues: list[Issue] | None = None, code: int = 2) -> NoReturn:
    console = stderr()
    console.print(f"[bold red]error:[/] {escape(message)}")
    for issue in issues or []:
        fix = f" [dim](fix: {escape(issue.fix)})[/]" if issue.fix else ""
        console.print(f"  - {escape(f'{issue.where}: {issue.message}')}{fix}")
    raise typer.Exit(code)


def read_json(path: str) -> Any:
    """Parse a JSON file (``-`` for standard input) or exit with a clear message."""
    text = _read_text(path)
    if not text.strip():
        fail(f"{path}: the file is empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"{path}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")


def _read_text(path: str) -> str:
    if path == "-":
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
    else:
        file = Path(path)
        if not file.is_file():
            fail(f"{path}: no such file")
        with file.open("rb") as handle:
            data = handle.read(MAX_INPUT_BYTES + 1)
    if len(data) > MAX_INPUT_BYTES:
        fail(f"{path}: larger than {MAX_INPUT_BYTES // (1024 * 1024)} MiB; refusing to read it")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        fail(f"{path}: not UTF-8 text")
