"""Reading input files and reporting problems, shared by the commands."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer

from hipdx.exceptions import InvalidCaseError
from hipdx.inference.json_input import parse_json
from hipdx.issues import SHOWN, Issue, shorten

if TYPE_CHECKING:
    from rich.console import Console

#: Input files larger than this are refused before parsing.
MAX_INPUT_BYTES = 5 * 1024 * 1024
#: The longest line of an error message, in characters.
_LINE = 200
#: What a terminal must not be sent as it is: C0/C1 controls but newline and tab, format
#: characters (zero-width, bidirectional overrides) and lone surrogates.
_UNSAFE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e"
    r"\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]"
)


def stdout() -> Console:
    from rich.console import Console  # only where something is drawn (not for --json)

    return Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 110)


def stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def printable(text: str) -> str:
    """``text`` safe to show in a terminal: control characters (escape sequences, carriage
    returns), invisible format characters (bidirectional overrides) and lone surrogates are
    shown as escapes (``\\x1b``) instead of acting on the terminal or failing to encode.
    Newlines and tabs are kept."""
    return _UNSAFE.sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def fail(message: str, issues: list[Issue] | None = None, code: int = 2) -> NoReturn:
    """Print the error and its first few issues (each line cut short, the rest counted) to
    standard error, and exit with ``code``. The one place the commands report errors."""
    from rich.markup import escape

    console = stderr()
    console.print(f"[bold red]error:[/] {escape(printable(shorten(message, _LINE)))}")
    listed = issues or []
    for issue in listed[:SHOWN]:
        fix = f" [dim](fix: {escape(printable(shorten(issue.fix, _LINE)))})[/]" if issue.fix else ""
        text = printable(shorten(f"{issue.where}: {issue.message}", _LINE))
        console.print(f"  - {escape(text)}{fix}")
    if len(listed) > SHOWN:
        console.print(f"  … and {len(listed) - SHOWN:,} more")
    raise typer.Exit(code)


def read_json(path: str) -> Any:
    """Parse a JSON file (``-`` for standard input) or exit with a clear message."""
    text = _read_text(path)
    if not text.strip():
        fail(f"{path}: the file is empty")
    try:
        return parse_json(text)
    except InvalidCaseError as exc:
        fail(f"{path}: not valid JSON", exc.issues)


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
