"""A note and structured answers about the same patient, as one case: the answers win.

A structured answer (a form, the interview, an API caller) is what someone stated on purpose; a
note is read by machine. So for each answered finding the answer is used, the note's value of
that finding and of the other answers of its exclusive question are dropped, and every place
where they disagree is reported as a warning (``findings.onset_sudden``: the note says yes, the
answers say no). Age and sex likewise.
"""

from __future__ import annotations

from hipdx.inference.case import Answer, Case
from hipdx.issues import Issue, warning
from hipdx.kb.compiled import CompiledKB

_USED = "the answers are used"


def combine(note: Case, answers: Case, kb: CompiledKB) -> tuple[Case, tuple[Issue, ...]]:
    """The case made of ``note`` (read from text) and ``answers`` (structured), and where
    they disagreed."""
    conflicts: list[Issue] = []
    findings: dict[str, Answer] = dict(note.findings)
    group_of = {m: g.id for g in kb.knowledge.groups for m in g.members}
    for finding_id, value in answers.findings.items():
        group = group_of.get(finding_id)
        siblings = [m for m in findings if group is not None and group_of.get(m) == group]
        for sibling in siblings:
            if sibling != finding_id and findings[sibling] is True and value is True:
                conflicts.append(_conflict(sibling, "yes", f"{finding_id} instead"))
            if sibling != finding_id:
                del findings[sibling]
        if finding_id in findings and findings[finding_id] != value:
            conflicts.append(_conflict(finding_id, _said(findings[finding_id]), _said(value)))
        findings[finding_id] = value
    age, sex = answers.age, answers.sex
    if age is not None and note.age is not None and age != note.age:
        conflicts.append(_conflict("age", f"{note.age:g}", f"{age:g}", where="age"))
    if sex is not None and note.sex is not None and sex is not note.sex:
        conflicts.append(_conflict("sex", note.sex.value, sex.value, where="sex"))
    case = Case(
        age=age if age is not None else note.age,
        sex=sex if sex is not None else note.sex,
        setting=answers.setting,
        findings=findings,
        text=note.text,
    )
    return case, tuple(conflicts)


def _said(value: Answer) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return f"{value:g}"


def _conflict(name: str, note: str, answer: str, *, where: str | None = None) -> Issue:
    return warning(
        where or f"findings.{name}",
        f"the note says {note} for {name}, the answers say {answer}; {_USED}",
        "check the note or the answer",
    )
