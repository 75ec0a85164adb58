"""`hipdx assess`: assess a case given as JSON, or a note."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.markup import escape

from hipdx.cli._io import fail, printable, read_json, stderr, stdout
from hipdx.exceptions import InvalidCaseError, KnowledgeBaseError
from hipdx.inference.assessment import Assessment
from hipdx.inference.understanding import NoteAssessment

#: The exit status when a note was read but not understood (no result; errors are 2).
NOT_UNDERSTOOD = 1


def assess_command(
    case: Annotated[
        str | None, typer.Option("--case", help="Case JSON file ('-' for standard input).")
    ] = None,
    text: Annotated[
        str | None,
        typer.Option("--text", help="A clinical note to parse first ('-' for standard input)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the machine form as JSON.")
    ] = False,
    document: Annotated[
        bool,
        typer.Option(
            "--document", help="Print the full result document (input, metadata, results)."
        ),
    ] = False,
    top: Annotated[int, typer.Option(min=1, max=100, help="How many conditions to show.")] = 8,
) -> None:
    """Rank the conditions that could explain a case, explain them, and triage it. A note in
    which nothing beyond age and sex is recognised is not assessed (exit status 1)."""
    import hipdx
    from hipdx.cli.render import render_assessment

    if (case is None) == (text is None):
        fail("give either --case FILE or --text NOTE (one of them, not both)")
    engine = hipdx.default_engine()
    where = "the text" if text is not None else str(case)
    result: Assessment | NoteAssessment
    try:
        if text is not None:
            result = engine.assess_note(_note(text))
        else:
            result = engine.assess(read_json(str(case)))
    except InvalidCaseError as exc:
        fail(f"{where}: {str(exc).splitlines()[0]}", exc.issues)
    except KnowledgeBaseError as exc:
        fail("the knowledge base is invalid (run `hipdx kb check`)", exc.issues, code=3)
    if isinstance(result, NoteAssessment):
        _warn(result)
    if document:
        _echo(result.document())
    elif as_json:
        _echo(result.machine_form())
    if isinstance(result, NoteAssessment):
        if result.assessment is None:
            message = printable(result.understanding.message)
            stderr().print(f"[bold yellow]{escape(message[:1].upper() + message[1:])}.[/]")
            raise typer.Exit(NOT_UNDERSTOOD)
        result = result.assessment
    if not (document or as_json):
        render_assessment(stdout(), result, engine.knowledge, top=top)


def _note(text: str) -> str:
    from hipdx.cli.parse import read_note

    return read_note(text)


def _warn(result: NoteAssessment) -> None:
    for warning in result.warnings:
        stderr().print(f"[yellow]warning:[/] {escape(printable(warning.message))}")


def _echo(data: dict[str, Any]) -> None:
    typer.echo(json.dumps(data, indent=2))
