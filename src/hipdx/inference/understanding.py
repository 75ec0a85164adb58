"""Whether a note said enough to assess, and the honest result when it did not.

The criterion: a note is understood when its case answers at least one finding beyond the
demographics (age, sex, pregnancy). Age and sex alone set priors but say nothing about the pain,
so a differential from them would look like an answer while only restating the priors; a note in
another language, numbers only, or a word repeated, reads as nothing at all. A note that is not
understood gets no differential and no triage, and says what it could read.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from hipdx.inference.assessment import DISCLAIMER, Assessment
from hipdx.inference.case import Case
from hipdx.issues import Issue
from hipdx.kb.compiled import CompiledKB
from hipdx.kb.schema import FindingKind


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Understanding(_Record):
    """What was read in a note, and whether it is enough to assess."""

    understood: bool
    read: tuple[str, ...]  # everything read, for people: "age 31", "sex male", "pain_groin"
    clinical: tuple[str, ...]  # the findings beyond the demographics
    message: str


class NoteAssessment(_Record):
    """The result of assessing a note: the assessment when the note was understood, else none."""

    understanding: Understanding
    assessment: Assessment | None
    warnings: tuple[Issue, ...] = ()  # about the text itself (characters removed)
    #: the clauses with a clinical word that set no finding (what the reader did not understand)
    not_understood: tuple[str, ...] = ()

    @property
    def understood(self) -> bool:
        return self.understanding.understood

    def machine_form(self) -> dict[str, Any]:
        """`Assessment.machine_form` with ``understood`` and ``read``; when the note was not
        understood, no differential and no triage (``null``), and the message."""
        head = {
            "understood": self.understood,
            "read": list(self.understanding.read),
            "not_understood": list(self.not_understood),
        }
        if self.assessment is not None:
            return head | self.assessment.machine_form()
        return head | {
            "message": self.understanding.message,
            "differential": [],
            "triage": None,
            "red_flags": [],
            "disclaimer": DISCLAIMER,
        }

    def document(self) -> dict[str, Any]:
        """The result document (input, metadata, results) with the understanding; input,
        metadata and results are ``null`` when the note was not understood."""
        parts = (
            self.assessment.document()
            if self.assessment is not None
            else {"input": None, "metadata": None, "results": None}
        )
        return {"understanding": self.understanding.model_dump(mode="json")} | parts


def understanding(case: Case, kb: CompiledKB) -> Understanding:
    """Whether ``case`` (read from a note) answers anything beyond the demographics."""
    demographics = [f"age {case.age:g}"] if case.age is not None else []
    demographics += [f"sex {case.sex.value}"] if case.sex is not None else []
    clinical, other = [], []
    for finding_id, answer in case.findings.items():
        label = finding_id if answer is True else f"{finding_id}={str(answer).lower()}"
        if kb.has_finding(finding_id) and kb.finding(finding_id).kind is FindingKind.DEMOGRAPHIC:
            other.append(label)
        else:
            clinical.append(label)
    read = (*demographics, *other, *clinical)
    if clinical:
        return Understanding(understood=True, read=read, clinical=tuple(clinical), message="")
    said = f"nothing beyond {', '.join(read)} was recognised" if read else "nothing was recognised"
    message = (
        f"the note was not understood: {said} (no finding about where it hurts, how it began, "
        "what makes it worse, the examination or tests), so it is not assessed; rephrase the "
        "note in English or enter the findings"
    )
    return Understanding(understood=False, read=read, clinical=(), message=message)
