"""`hipdx interview`: the adaptive interview in the terminal.

Age, sex, where it hurts and what brings it on first; then one question at a time, chosen by
`hipdx.interview.gains` (yes / no / don't know, or numbered choices), each with why it is asked
in plain words; clinicians see the top five and the triage after each answer, patients only a
red flag that fires. 'b' goes back, 'q' stops. Ends with the assessment (a patient: the plain
patient result, `hipdx.report.patient`). Answers are read
through an ``ask`` function (the seam tests drive); nothing here decides anything clinical.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from hipdx._types import Asker, Setting, Sex
from hipdx.cli.render import LEVEL_STYLE
from hipdx.exceptions import HipdxError
from hipdx.inference.assessment import DISCLAIMER, TriageReasonKind
from hipdx.inference.case import Case
from hipdx.interview.bank import QuestionKind
from hipdx.interview.gains import Suggestion
from hipdx.interview.session import (
    SIDE_FINDING,
    InterviewSession,
    Side,
    opening_choice,
    region_choices,
    region_labels,
)
from hipdx.interview.step import InterviewStep, Stop, StopReason
from hipdx.kb.compiled import CompiledKB
from hipdx.report.sentences import LEVEL_MEANING, describe_reason

#: Reads one answer after showing a prompt; None when the input has ended.
Ask = Callable[[str], str | None]
_YES, _NO = {"y", "yes"}, {"n", "no"}
_UNKNOWN, _BACK, _QUIT = {"?", "dk", "don't know", "dont know", ""}, {"b", "back"}, {"q", "quit"}
_SHOWN = 5
_SIDES: tuple[Side, ...] = ("left", "right", "both")
#: The longest answer line read, in bytes.
_LINE_BYTES = 10_000


class _EndedError(Exception):
    """The user (or the end of the input) ended the interview."""


@dataclass
class Interview:
    """The terminal around one `InterviewSession`: how answers are read and where output goes."""

    session: InterviewSession
    ask: Ask
    console: Console

    @property
    def kb(self) -> CompiledKB:
        return self.session.kb

    @property
    def lay(self) -> bool:
        return self.session.asker is Asker.PATIENT

    def read(self, prompt: str) -> str:
        line = self.ask(prompt)
        if line is None or line.strip().lower() in _QUIT:
            raise _EndedError
        return line.strip().lower()


def run_interview(interview: Interview) -> tuple[Case, Stop | None]:
    """Ask until the stop rule (or the user) ends it; the case and why it stopped."""
    console = interview.console
    console.print(Text(DISCLAIMER, style="italic"))
    console.print("Answer y (yes), n (no) or ? (don't know); b goes back, q stops.\n")
    stop: Stop | None = None
    try:
        _intake(interview)
        stop = _questions(interview)
    except _EndedError:
        console.print("\nInterview ended.")
    return interview.session.case(), stop


def _intake(interview: Interview) -> None:
    age = _read_age(interview)
    interview.session.set_patient(age=age, sex=_read_sex(interview))
    regions = region_choices(interview.kb)
    title = "Where is the pain, and where does it spread? Choose all that apply."
    labels = region_labels(interview.kb)
    chosen = _read_many(
        interview,
        title,
        [labels.get(f.id, f.lay) if interview.lay else f.clinician for f in regions],
    )
    side = None
    if interview.kb.has_finding(SIDE_FINDING):
        answer = _read_choice(interview, "Which side hurts?", ["left", "right", "both sides"])
        side = None if answer is None else _SIDES[answer]
    picked = None if chosen is None else [regions[i].id for i in sorted(chosen)]
    interview.session.set_regions(picked, side)
    _read_complaints(interview)


def _read_complaints(interview: Interview) -> None:
    """The chief complaint: what brings the pain on (the policy's opening choice)."""
    opening = opening_choice(interview.kb)
    if opening is None:
        return
    options = [
        o.lay if interview.lay else interview.kb.finding(o.finding).clinician
        for o in opening.options
    ]
    complaints = _read_many(interview, opening.question, options)
    interview.session.set_complaints([opening.options[i].finding for i in sorted(complaints or ())])


def _read_age(interview: Interview) -> float | None:
    while True:
        text = interview.read("How old are you (years)? " if interview.lay else "Age (years)? ")
        if text in _UNKNOWN:
            return None
        try:
            age = float(text)
        except ValueError:
            age = -1.0
        if 0 <= age <= 120:
            return age
        interview.console.print("Please give the age as a number of years (0 to 120).")


def _read_sex(interview: Interview) -> Sex | None:
    title = "What sex were you assigned at birth?" if interview.lay else "Sex?"
    index = _read_choice(interview, title, [s.value for s in Sex])
    return None if index is None else list(Sex)[index]


def _print_menu(interview: Interview, title: str, options: list[str]) -> None:
    """The title, then the options numbered from 1 (numbers right-aligned)."""
    interview.console.print(Text(title, style="bold"))
    width = len(str(len(options)))
    for number, option in enumerate(options, start=1):
        interview.console.print(f"  {number:>{width}}) {option}")


def _read_choice(interview: Interview, title: str, options: list[str]) -> int | None:
    """One of ``options`` by number or by name (0-based), or None for don't know."""
    _print_menu(interview, title, options)
    while True:
        text = interview.read(f"Choose 1-{len(options)} (? don't know): ")
        if text in _UNKNOWN:
            return None
        number = _number(text, len(options))
        if number is None:
            number = _named(text, options)
        if number is not None:
            return number
        interview.console.print(
            f"Please type a number from 1 to {len(options)}, the start of an option's name, or ?."
        )


def _named(text: str, options: list[str]) -> int | None:
    """The 0-based option ``text`` names: the option itself, or the start of exactly one
    option's name ("f" or "fem" for female, "l" for left); None if it names none or several."""
    names = [option.casefold() for option in options]
    if text in names:
        return names.index(text)
    starting = [i for i, name in enumerate(names) if text and name.startswith(text)]
    return starting[0] if len(starting) == 1 else None


def _number(text: str, count: int) -> int | None:
    """The 0-based option typed as its number 1..``count`` (ASCII digits only: "²", "①" or a
    5,000-digit number are not choices), or None."""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(count)):
        return None
    number = int(text)
    return number - 1 if 1 <= number <= count else None


def _read_many(interview: Interview, title: str, options: list[str]) -> set[int] | None:
    _print_menu(interview, title, options)
    while True:
        text = interview.read("Numbers separated by spaces (? don't know): ")
        if text in _UNKNOWN:
            return None
        numbers = [_number(p, len(options)) for p in text.replace(",", " ").split()]
        if numbers and None not in numbers:
            return {n for n in numbers if n is not None}
        interview.console.print(f"Please type numbers from 1 to {len(options)}, e.g. 1 3.")


def _questions(interview: Interview) -> Stop:
    while True:
        step = interview.session.step()
        _show_status(interview, step)
        if step.stop is not None:
            _show_stop(interview, step.stop)
            return step.stop
        assert step.question is not None
        _ask(interview, step.question)


def _ask(interview: Interview, question: Suggestion) -> None:
    number = interview.session.asked + 1
    limit = interview.session.limit
    interview.console.print(Text(f"\nQuestion {number} of at most {limit}", "bold"))
    why = interview.session.lay_reason(question)
    interview.console.print(Text(f"Why I am asking: {why}", style="dim"))
    if not interview.lay:
        interview.console.print(Text(_why(interview, question), style="dim"))
    if question.kind is QuestionKind.GROUP:
        group = next(g for g in interview.kb.knowledge.groups if g.id == question.question)
        findings = [interview.kb.finding(m) for m in question.findings]
        labels = [f.lay if interview.lay else f.clinician for f in findings]
        _answer_group(interview, question, group.lay if interview.lay else group.clinician, labels)
    else:
        finding = interview.kb.finding(question.question)
        _answer_finding(interview, question, finding.lay if interview.lay else finding.clinician)


def _answer_finding(interview: Interview, question: Suggestion, text: str) -> None:
    while True:
        reply = interview.read(f"{text} [y/n/?/b]: ")
        if reply in _BACK:
            _back(interview)
            return
        if reply in _YES | _NO | _UNKNOWN:
            interview.session.answer(
                question.question, None if reply in _UNKNOWN else reply in _YES
            )
            return
        interview.console.print("Please answer y, n, ? (don't know), b (back) or q (quit).")


def _answer_group(interview: Interview, question: Suggestion, text: str, labels: list[str]) -> None:
    _print_menu(interview, text, labels)
    while True:
        reply = interview.read(f"Choose 1-{len(labels)} (? don't know, b back): ")
        if reply in _BACK:
            _back(interview)
            return
        if reply in _UNKNOWN:
            interview.session.answer(question.question, None)
            return
        number = _number(reply, len(labels))
        if number is not None:
            interview.session.answer(question.question, question.findings[number])
            return
        interview.console.print(f"Please type a number from 1 to {len(labels)}, ?, b or q.")


def _back(interview: Interview) -> None:
    question = interview.session.back()
    if question is None:
        interview.console.print("Nothing to go back to yet.")
        return
    interview.console.print(f"Going back: the answer to '{question}' is cleared; answer it again.")


def _why(interview: Interview, question: Suggestion) -> str:
    names = ", ".join(interview.kb.condition(c).name for c in question.separates)
    return (
        f"why: separates {names or 'nothing yet'}; expected gain {question.score:.2f} bits "
        f"(differential {question.differential_gain:.2f}, "
        f"must-not-miss {question.must_not_miss_gain:.2f}, "
        f"each dangerous condition {question.dangerous_gain:.2f}, "
        f"red flags {question.red_flag_gain:.2f})"
    )


def _show_status(interview: Interview, step: InterviewStep) -> None:
    """Clinicians: the leading five and the triage after each answer. Patients: only a red
    flag that has fired (the differential waits for the result at the end)."""
    if interview.lay:
        for flag in step.red_flags:
            interview.console.print(Text(flag.advice, style="bold red"))
        return
    kb = interview.kb
    conditions = step.probabilities[:-1]
    order = sorted(range(len(conditions)), key=lambda i: (-conditions[i], kb.condition_ids[i]))
    table = Table(title="Most likely so far", title_justify="left", show_header=False)
    for index in order[:_SHOWN]:
        condition = kb.condition(kb.condition_ids[index])
        mark = " ⚠" if condition.must_not_miss else ""
        table.add_row(f"{condition.name}{mark}", f"{conditions[index] * 100:.1f}%")
    if kb.knowledge.triage is not None:
        other = kb.knowledge.triage.other_cause
        name = other.plain_name if interview.lay else other.name
        table.add_row(Text(name, style="dim"), f"{step.probabilities[-1] * 100:.1f}%")
    interview.console.print(table)
    level = step.triage.level
    interview.console.print(Text(f"Triage: {LEVEL_MEANING[level]}", style=LEVEL_STYLE[level]))
    for reason in step.triage.reasons:
        if reason.kind is TriageReasonKind.UNRESOLVED:
            interview.console.print(Text(f"  {describe_reason(reason, kb)}", style="bold"))
    for flag in step.red_flags:
        interview.console.print(Text(f"RED FLAG: {flag.name}. {flag.advice}", style="bold red"))


def _show_stop(interview: Interview, stop: Stop) -> None:
    if interview.lay:
        message = (
            "Please act on the advice above. Here is what your answers suggest."
            if stop.reason is StopReason.RED_FLAG
            else "Thank you. That is enough to give you a result."
        )
        interview.console.print(Text(f"\n{message}", style="bold"))
        return
    messages = {
        StopReason.RED_FLAG: "The interview stops here: a red flag needs attention now "
        "(see above); please act on the advice.",
        StopReason.BUDGET: f"The interview stops after {stop.asked} questions (the budget).",
        StopReason.LEADER_CLEAR: "The interview stops: the leading cause is clear enough "
        f"({(stop.leader_probability or 0) * 100:.0f}%).",
        StopReason.PICTURE_CLEAR: "The interview stops: the three leading causes hold "
        f"{(stop.leader_probability or 0) * 100:.0f}% together.",
        StopReason.NOTHING_WORTH_ASKING: "The interview stops: no further question is "
        "likely to change the result.",
    }
    interview.console.print(Text(f"\n{messages[stop.reason]}", style="bold"))


def _stdin_ask(prompt: str) -> str | None:
    """One line of standard input (bytes that are not UTF-8 become U+FFFD; a line is cut at
    `_LINE_BYTES`), or None at its end."""
    sys.stdout.write(prompt)
    sys.stdout.flush()
    line = sys.stdin.buffer.readline(_LINE_BYTES)
    return line.decode("utf-8", errors="replace") if line else None


def _check_save(save: Path) -> None:
    """Refuse a ``--save`` path that cannot be written, before any question is asked."""
    from hipdx.cli._io import fail

    if save.is_dir():
        fail(f"--save {save}: is a folder; give a file name")
    folder = save.parent
    if not folder.is_dir():
        fail(f"--save {save}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (save.exists() and not os.access(save, os.W_OK)):
        fail(f"--save {save}: cannot write there")


def _save(console: Console, case: Case, save: Path) -> None:
    """Write the case; if that fails after all, print it so that no answer is lost."""
    text = json.dumps(case.model_dump(mode="json", exclude_none=True), indent=2) + "\n"
    try:
        save.write_text(text)
    except OSError as exc:
        console.print(f"[red]Could not write {save} ({exc.strerror}); the case is:[/]")
        typer.echo(text)
        raise typer.Exit(1) from None
    console.print(f"Case saved to {save} (run `hipdx assess --case {save}`).")


def interview_command(
    mode: Annotated[
        Asker,
        typer.Option(
            "--mode",
            help="Who answers: patient (history, lay wording), clinician (history and "
            "examination) or clinician_with_imaging (everything).",
        ),
    ] = Asker.PATIENT,
    setting: Annotated[
        Setting, typer.Option("--setting", help="Care setting (sets the priors).")
    ] = Setting.PRIMARY_CARE,
    budget: Annotated[
        int | None,
        typer.Option("--budget", min=1, max=200, help="Most questions to ask (after the intake)."),
    ] = None,
    save: Annotated[
        Path | None, typer.Option("--save", help="Write the answers as a case JSON file.")
    ] = None,
) -> None:
    """Answer questions one at a time; each is the one expected to tell the most."""
    import hipdx
    from hipdx.cli._io import stdout
    from hipdx.cli.render import render_assessment

    if save is not None:
        _check_save(save)
    engine = hipdx.default_engine()
    console = stdout()
    try:
        session = engine.start_interview(asker=mode, setting=setting, budget=budget)
    except HipdxError as exc:
        from hipdx.cli._io import fail

        fail(str(exc).splitlines()[0], getattr(exc, "issues", []))
    case, _ = run_interview(Interview(session, _stdin_ask, console))
    console.print()
    assessment = engine.assess(case)
    if mode is Asker.PATIENT:
        from hipdx.report.patient import patient_result, render_patient_text

        console.print(Text(render_patient_text(patient_result(assessment, engine.knowledge))))
    else:
        render_assessment(console, assessment, engine.knowledge, top=_SHOWN)
    if save is not None:
        _save(console, case, save)
