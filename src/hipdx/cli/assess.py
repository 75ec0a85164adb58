"""`hipdx assess`: assess a case given as JSON."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from pydantic import ValidationError

from hipdx.cli._io import fail, read_json, stdout
from hipdx.exceptions import InvalidCaseError, KnowledgeBaseError
from hipdx.inference.case import Case
from hipdx.issues import error


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
    """Rank the conditions that could explain a case, explain them, and triage it."""
    import hipdx
    from hipdx.cli.render import render_assessment
    from hipdx.engine import packaged_knowledge

    if (case is None) == (text is None):
        fail("give either --case FILE or --text NOTE (one of them, not both)")
    parsed = _from_text(text) if text is not None else _from_json(str(case))
    try:
        assessment = hipdx.assess(parsed)
    except InvalidCaseError as exc:
        fail(f"{case or 'the text'}: the case cannot be assessed", exc.issues)
    except KnowledgeBaseError as exc:
        fail("the knowledge base is invalid (run `hipdx kb check`)", exc.issues, code=3)
    if document:
        typer.echo(json.dumps(assessment.document(), indent=2))
    elif as_json:
        typer.echo(json.dumps(assessment.machine_form(), indent=2))
    else:
        render_assessment(stdout(), assessment, packaged_knowledge(), top=top)


def _from_json(path: str) -> Case:
    raw = read_json(path)
    try:
        return Case.model_validate(raw)
    except ValidationError as exc:
        issues = [
            error(".".join(str(p) for p in e["loc"]) or "case", e["msg"]) for e in exc.errors()
        ]
        fail(f"{path}: not a valid case", issues)


def _from_text(text: str) -> Case:
    from hipdx.cli.parse import parse_note

    return parse_note(text).case
