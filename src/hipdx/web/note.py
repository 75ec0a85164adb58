"""A pasted note as the clinician sees it: the text cut into plain and highlighted pieces, and
the findings read from it, each ready to be corrected."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hipdx.inference.case import Case
from hipdx.intake import ParsedCase
from hipdx.kb.compiled import CompiledKB

#: How a read finding can be set on the review form.
CHOICES = ("present", "absent", "unknown")


@dataclass(frozen=True)
class Piece:
    """A stretch of the note; ``status`` is None for plain text, else what was read there."""

    text: str
    status: str | None = None
    finding: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class ReadFinding:
    """One finding the note set (or a number it gave), for the correction table."""

    finding: str
    name: str
    value: str  # present | absent | a number
    numeric: bool
    quoted: tuple[str, ...]
    unit: str = ""


def pieces(parsed: ParsedCase, kb: CompiledKB) -> list[Piece]:
    """The note cut at every mention and measurement (overlaps keep the first)."""
    marks: list[tuple[int, int, str, str, str]] = []
    for m in parsed.mentions:
        name = kb.finding(m.finding).clinician if kb.has_finding(m.finding) else m.finding
        status = m.status.value
        label = f"{name}: {'not present (negated)' if status == 'absent' else status}"
        marks.append((m.span.start, m.span.end, status, m.finding, label))
    for n in parsed.measurements:
        name = kb.finding(n.finding).clinician if kb.has_finding(n.finding) else n.finding
        marks.append((n.span.start, n.span.end, "measure", n.finding, f"{name}: {n.value:g}"))
    out: list[Piece] = []
    at = 0
    for start, end, status, finding, label in sorted(marks):
        if start < at:
            continue
        if start > at:
            out.append(Piece(parsed.text[at:start]))
        out.append(Piece(parsed.text[start:end], status, finding, label))
        at = end
    if at < len(parsed.text):
        out.append(Piece(parsed.text[at:]))
    return out


def read_findings(parsed: ParsedCase, kb: CompiledKB) -> list[ReadFinding]:
    """The case the note gave, finding by finding, with the words each came from."""
    quoted: dict[str, list[str]] = {}
    for m in parsed.mentions:
        quoted.setdefault(m.finding, []).append(m.span.text)
    for n in parsed.measurements:
        quoted.setdefault(n.finding, []).append(n.span.text)
    out = []
    for finding, value in parsed.case.findings.items():
        if not kb.has_finding(finding):
            continue
        numeric = not isinstance(value, bool)
        shown = f"{value:g}" if numeric else ("present" if value else "absent")
        spec = kb.finding(finding).numeric
        out.append(
            ReadFinding(
                finding,
                kb.finding(finding).clinician,
                shown,
                numeric,
                tuple(dict.fromkeys(quoted.get(finding, []))),
                spec.unit if spec is not None else "",
            )
        )
    return out


def corrected_case(
    form: Mapping[str, str], base: Case, kb: CompiledKB
) -> tuple[dict[str, bool | int | float], list[str]]:
    """The findings after the clinician's corrections (``f.<id>`` = present / absent /
    unknown, ``n.<id>`` = a number, ``add`` + ``add_value`` = one more finding), and what
    could not be taken."""
    findings: dict[str, bool | int | float] = {}
    problems: list[str] = []
    for name, value in form.items():
        if name.startswith("f.") and value in ("present", "absent"):
            findings[name[2:]] = value == "present"
        elif name.startswith("n.") and value.strip():
            try:
                findings[name[2:]] = float(value)
            except ValueError:
                problems.append(f"{name[2:]}: {value!r} is not a number")
    added, added_value = form.get("add", "").strip(), form.get("add_value", "present")
    if added:
        finding = _finding_named(added, kb)
        if finding is None:
            problems.append(f"no finding called {added!r}")
        elif added_value in ("present", "absent"):
            findings[finding] = added_value == "present"
    unknown = [f for f in findings if not kb.has_finding(f)]
    for finding in unknown:
        findings.pop(finding)
        problems.append(f"{finding}: not a finding of the knowledge base")
    return findings, problems


def _finding_named(text: str, kb: CompiledKB) -> str | None:
    """A finding by its id or its clinician wording (as the datalist offers it)."""
    if kb.has_finding(text):
        return text
    lowered = text.lower()
    for f in kb.knowledge.findings:
        if f.clinician.lower() == lowered:
            return f.id
    return None
