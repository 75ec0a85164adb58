"""`hipdx parse TEXT|-`: show what intake reads in a note, highlighted in the text."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from hipdx.cli._io import MAX_INPUT_BYTES, fail, printable, stdout
from hipdx.exceptions import InvalidCaseError

if TYPE_CHECKING:
    from hipdx.intake import Mention, ParsedCase

_STYLE = {"present": "bold green", "absent": "bold red strike"}
_NOT_SET_STYLE = "yellow"
_NUMBER_STYLE = "bold cyan"


def read_note(text: str) -> str:
    """The note given on the command line, or standard input for ``-``."""
    if text != "-":
        return text
    data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
    if len(data) > MAX_INPUT_BYTES:
        fail("standard input is larger than 5 MiB; refusing to read it")
    return data.decode("utf-8", errors="replace")


def parse_note(text: str) -> ParsedCase:
    """Parse or exit with the problem (empty or huge text)."""
    from hipdx import parse

    try:
        return parse(read_note(text))
    except InvalidCaseError as exc:
        fail(str(exc).splitlines()[0], exc.issues)


def parse_command(
    text: Annotated[str, typer.Argument(help="The note, or '-' to read standard input.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the parse as JSON.")] = False,
) -> None:
    """Read a clinical note: findings (negated ones struck through), numbers, what was not used."""
    parsed = parse_note(text)
    if as_json:
        typer.echo(json.dumps(parsed.model_dump(mode="json"), indent=2))
        return
    render_parse(stdout(), parsed)


def render_parse(console: Console, parsed: ParsedCase) -> None:
    """Every piece of the note is shown through `printable`: the note was cleaned when it was
    read, and nothing from it may act on the terminal even so."""
    for issue in (i for i in parsed.issues if i.where == "text"):  # characters removed
        console.print(Text(f"warning: {printable(issue.message)}", style="yellow"))
    console.print(_highlighted(parsed))
    console.print(Text("[x] present · [¬x] absent · [~x] not current or not used", style="dim"))
    console.print(_mentions_table(parsed.mentions))
    if parsed.measurements:
        table = Table(title="Measurements", title_justify="left")
        for column in ("finding", "value", "text", "cue"):
            table.add_column(column)
        for m in parsed.measurements:
            cue = m.cue.text if m.cue else ""
            value = f"{m.value:g} {m.unit}" + ("" if m.used else " (not used)")
            table.add_row(m.finding, value, printable(m.span.text), printable(cue))
        console.print(table)
    for conflict in parsed.conflicts:
        decided = "unanswered" if conflict.decided is None else str(conflict.decided).lower()
        console.print(f"[yellow]conflict:[/] {conflict.finding} -> {decided} ({conflict.rule})")
    for sentence in parsed.unmapped:
        console.print(Text(f"not mapped: {printable(sentence.text)}", style="dim"))


def _highlighted(parsed: ParsedCase) -> Text:
    """The note with each finding in brackets and colour: [groin pain], [¬fever] for a negated
    one, [~low back pain] for one that is not current, [31-year-old] numbers in cyan."""
    marks = [(m.span.start, m.span.end, *_mark(m)) for m in parsed.mentions]
    marks += [(m.span.start, m.span.end, "", _NUMBER_STYLE) for m in parsed.measurements]
    text = Text()
    position = 0
    for start, end, prefix, style in sorted(marks):
        if start < position:
            continue  # overlaps a mark already shown
        text.append(printable(parsed.text[position:start]))
        text.append(f"[{prefix}{printable(parsed.text[start:end])}]", style=style)
        position = end
    text.append(printable(parsed.text[position:]))
    return text


def _mark(mention: Mention) -> tuple[str, str]:
    if not mention.used:
        return "~", _NOT_SET_STYLE
    if mention.status.value == "absent":
        return "¬", _STYLE["absent"]
    return "", _STYLE["present"]


def _mentions_table(mentions: tuple[Mention, ...]) -> Table:
    table = Table(title="Findings", title_justify="left")
    for column in ("finding", "status", "text", "trigger", "side", "used"):
        table.add_column(column)
    for m in mentions:
        status = m.status.value + (" (test result)" if m.test_result else "")
        side = m.side.value if m.side else ""
        trigger = m.trigger.text if m.trigger else ""
        used = "yes" if m.used else "no"
        table.add_row(m.finding, status, printable(m.span.text), printable(trigger), side, used)
    return table
