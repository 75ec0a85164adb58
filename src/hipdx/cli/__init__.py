"""The `hipdx` command line: thin, no domain logic; every command renders what the core returns."""

from __future__ import annotations

import typer

from hipdx.cli.assess import assess_command
from hipdx.cli.db import db_app
from hipdx.cli.eval import eval_command
from hipdx.cli.interview import interview_command
from hipdx.cli.kb import kb_app
from hipdx.cli.keys import keys_app
from hipdx.cli.parse import parse_command
from hipdx.cli.serve import serve_command

__all__ = ["app", "main"]

app = typer.Typer(
    name="hipdx",
    help="Differential diagnosis and triage for hip, groin, buttock and low-back pain "
    "(decision support, not a diagnosis).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("assess")(assess_command)
app.command("interview")(interview_command)
app.add_typer(kb_app, name="kb")
app.command("parse")(parse_command)
app.command("eval")(eval_command)
app.command("serve")(serve_command)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")


def main() -> None:
    app()
