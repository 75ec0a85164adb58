"""`hipdx assess`: assess a case given as JSON, or a note, or both (a note and structured
answers about the same patient: the answers win and each disagreement is reported)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from hipdx._types import Setting
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
    setting: Annotated[
        Setting | None,
        typer.Option(
            "--setting", help="Care setting (sets the priors); overrides the case file's."
        ),
    ] = None,
    patient: Annotated[
        bool, typer.Option("--patient", help="Print the result for a patient, in plain words.")
    ] = False,
) -> None:
    """Rank the conditions that could explain a case, explain them, and triage it. A note in
    which nothing beyond age and sex is recognised is not assessed (exit status 1). Given a
    note (--text) and structured answers (--case), the answers win and each disagreement is
    reported (a case file's own "text" is a description, not read)."""
    import hipdx

    if case is None and text is None:
        fail("give --case FILE, --text NOTE, or both")
    engine = hipdx.default_engine()
    where = "the text" if case is None else str(case)
    result: Assessment | NoteAssessment
    try:
        answers = None if case is None else _with_setting(read_json(str(case)), setting)
        if text is not None:
            result = engine.assess_note(
                _note(text),
                setting=setting or Setting.PRIMARY_CARE,
                answers=None if answers is None else _without_text(answers),
            )
        else:
            result = engine.assess(answers or {})
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
        from rich.markup import escape

        if not (document or as_json):
            for clause in result.not_understood:
                stdout().print(f"[yellow]not understood:[/] {escape(printable(clause))}")
        if result.assessment is None:
            message = printable(result.understanding.message)
            stderr().print(f"[bold yellow]{escape(message[:1].upper() + message[1:])}.[/]")
            raise typer.Exit(NOT_UNDERSTOOD)
        result = result.assessment
    if patient and not (document or as_json):
        from rich.text import Text

        from hipdx.report.patient import patient_result, render_patient_text

        stdout().print(Text(render_patient_text(patient_result(result, engine.knowledge))))
    elif not (document or as_json):
        from hipdx.cli.render import render_assessment

        render_assessment(stdout(), result, engine.knowledge, top=top)


def _with_setting(answers: Any, setting: Setting | None) -> Any:
    """The case file's content, its setting replaced by --setting when given."""
    if setting is None or not isinstance(answers, dict):
        return answers
    return answers | {"setting": setting.value}


def _without_text(answers: Any) -> Any:
    return (
        {k: v for k, v in answers.items() if k != "text"} if isinstance(answers, dict) else answers
    )


def _note(text: str) -> str:
    from hipdx.cli.parse import read_note

    return read_note(text)


def _warn(result: NoteAssessment) -> None:
    from rich.markup import escape

    for warning in result.warnings:
        stderr().print(f"[yellow]warning:[/] {escape(printable(warning.message))}")


def _echo(data: dict[str, Any]) -> None:
    typer.echo(json.dumps(data, indent=2))
