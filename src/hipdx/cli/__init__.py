"""The `hipdx` command line: thin, no domain logic; every command renders what the core returns.

Each command lives in its own module, imported when the command runs: ``hipdx assess`` does not
pay for the evaluation, the interview's terminal or the web server. `app` (all commands, as
``hipdx --help`` lists them) is built on first use.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer

__all__ = ["app", "main"]

#: Command name: (module, function) for a command, (module, Typer) for a group of them.
_COMMANDS = {
    "assess": ("hipdx.cli.assess", "assess_command"),
    "interview": ("hipdx.cli.interview", "interview_command"),
    "kb": ("hipdx.cli.kb", "kb_app"),
    "parse": ("hipdx.cli.parse", "parse_command"),
    "eval": ("hipdx.cli.eval", "eval_command"),
    "batch": ("hipdx.cli.batch", "batch_command"),
    "serve": ("hipdx.cli.serve", "serve_command"),
    "db": ("hipdx.cli.db", "db_app"),
    "keys": ("hipdx.cli.keys", "keys_app"),
}
_APP: typer.Typer | None = None


def build_app(only: str | None = None) -> typer.Typer:
    """The command line with every command, or with command ``only`` alone (what running it
    needs: its usage, options and errors are the same)."""
    built = typer.Typer(
        name="hipdx",
        help="Differential diagnosis and triage for hip, groin, buttock and low-back pain "
        "(decision support, not a diagnosis).",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    for name, (module, attribute) in _COMMANDS.items():
        if only is not None and name != only:
            continue
        command = getattr(importlib.import_module(module), attribute)
        if isinstance(command, typer.Typer):
            built.add_typer(command, name=name)
        else:
            built.command(name)(command)
    if only is not None:
        built.callback()(_group)  # a group still, as with every command: `hipdx NAME ...`
    return built


def _group() -> None:
    """Differential diagnosis and triage for hip, groin, buttock and low-back pain (decision
    support, not a diagnosis)."""


def __getattr__(name: str) -> Any:
    global _APP
    if name == "app":
        if _APP is None:
            _APP = build_app()
        return _APP
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    first = sys.argv[1] if len(sys.argv) > 1 else None
    build_app(first if first in _COMMANDS else None)()
