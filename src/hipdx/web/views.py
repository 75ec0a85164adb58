"""What each page shows, made from the engine's records: the question, the patient's plain
result, the clinician's result, the note with what was read in it. Sentences are made here, at
the edge; the records stay structured."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hipdx._types import Asker, TriageLevel
from hipdx.inference.assessment import Assessment, Contribution, FiredRedFlag, RankedCondition
from hipdx.kb.compiled import CompiledKB
from hipdx.kb.schema import Condition, Reference
from hipdx.report.patient import patient_result as core_patient_result
from hipdx.report.sentences import LEVEL_MEANING, describe_contribution, describe_reason, percent

#: How soon, in plain words, for patients.
PLAIN_LEVEL = {
    TriageLevel.EMERGENCY: (
        "Go to an emergency department now, or call an ambulance.",
        "What you told us includes a warning sign that needs a doctor straight away.",
    ),
    TriageLevel.URGENT: (
        "See a doctor today.",
        "Some of what you told us should be checked the same day.",
    ),
    TriageLevel.SOON: (
        "See a doctor or physiotherapist within the next few days.",
        "Nothing you told us needs emergency care, but it should be checked soon.",
    ),
    TriageLevel.ROUTINE: (
        "Book a routine appointment with your doctor or physiotherapist.",
        "Nothing you told us points to something that needs urgent care.",
    ),
    TriageLevel.SELF_CARE: (
        "You can look after this yourself for now.",
        "See a doctor or physiotherapist if it gets worse or has not improved in a few weeks.",
    ),
}
#: What a clinician should do, first, for the banner.
CLINICIAN_LEVEL = LEVEL_MEANING


@dataclass(frozen=True)
class Likely:
    """One likely cause, in plain words."""

    name: str
    summary: str
    wording: str  # "most likely", "also possible"


#: Below this probability the leading cause is not called "the most likely" to a patient
#: (wording only: the assessment is not changed).
CLEAR_LEADER = 0.5


@dataclass(frozen=True)
class PatientResult:
    level: TriageLevel
    action: str
    because: str
    red_flags: tuple[FiredRedFlag, ...]
    likely: tuple[Likely, ...]
    clear: bool  # whether one cause stands out
    # from the core's patient result (`hipdx.report.patient`), fitted to the case:
    emergency_if: tuple[str, ...] = ()  # lay questions: an emergency department at once if yes
    same_day_if: tuple[str, ...] = ()  # lay questions: a doctor the same day if yes
    cautions: tuple[str, ...] = ()  # e.g. pregnancy not excluded
    questions: tuple[str, ...] = ()  # to ask the clinician


def patient_result(assessment: Assessment, kb: CompiledKB, *, top: int = 3) -> PatientResult:
    """The plain result: how soon, why, and the one to three likely causes (no numbers)."""
    level = assessment.triage.level
    action, because = PLAIN_LEVEL[level]
    leading = [r for r in assessment.differential[:top] if r.probability > 0]
    clear = bool(leading) and leading[0].probability >= CLEAR_LEADER
    likely = tuple(
        Likely(
            name=r.name,
            summary=kb.condition(r.condition).plain_summary,
            wording=("the most likely" if clear else "fits best") if i == 0 else "also possible",
        )
        for i, r in enumerate(leading)
    )
    core = core_patient_result(assessment, kb)
    return PatientResult(
        level,
        action,
        because,
        assessment.results.red_flags,
        likely,
        clear,
        emergency_if=core.emergency_if,
        same_day_if=core.same_day_if,
        cautions=core.cautions,
        questions=core.questions_for_clinician,
    )


@dataclass(frozen=True)
class Explained:
    """One condition of the clinician's result, with its reasoning."""

    ranked: RankedCondition
    condition: Condition
    raised: tuple[str, ...]
    lowered: tuple[str, ...]
    references: tuple[Reference, ...]


@dataclass(frozen=True)
class ClinicianResult:
    level: TriageLevel
    banner: str
    reasons: tuple[str, ...]
    red_flags: tuple[FiredRedFlag, ...]
    differential: tuple[Explained, ...]
    must_not_miss: tuple[RankedCondition, ...]
    other_cause: float
    kb_version: str
    created: str
    findings: tuple[str, ...]


def clinician_result(assessment: Assessment, kb: CompiledKB, *, top: int = 10) -> ClinicianResult:
    results = assessment.results
    ranked = {r.condition: r for r in results.differential}
    return ClinicianResult(
        level=results.triage.level,
        banner=CLINICIAN_LEVEL[results.triage.level],
        reasons=tuple(describe_reason(r, kb) for r in results.triage.reasons),
        red_flags=results.red_flags,
        differential=tuple(_explained(r, kb) for r in results.differential[:top]),
        must_not_miss=tuple(ranked[c] for c in results.must_not_miss if c in ranked),
        other_cause=results.other_cause_probability,
        kb_version=assessment.metadata.kb_version,
        created=assessment.metadata.created,
        findings=case_findings(assessment, kb),
    )


def _explained(ranked: RankedCondition, kb: CompiledKB) -> Explained:
    def sentences(contributions: tuple[Contribution, ...]) -> tuple[str, ...]:
        ordered = sorted(contributions, key=lambda c: -abs(c.log_lr))
        return tuple(describe_contribution(c, kb) for c in ordered)

    condition = kb.condition(ranked.condition)
    cited = {k for c in ranked.explanation for k in c.references} | set(condition.references)
    return Explained(
        ranked=ranked,
        condition=condition,
        raised=sentences(ranked.raised_by),
        lowered=sentences(ranked.lowered_by),
        references=tuple(r for r in kb.knowledge.references if r.id in cited),
    )


def case_findings(assessment: Assessment, kb: CompiledKB) -> tuple[str, ...]:
    """The case's answers as short clinician phrases: present findings and values first, then
    "absent: …" in one line."""
    present: list[str] = []
    absent: list[str] = []
    for finding, value in assessment.input.findings.items():
        if not kb.has_finding(finding):
            continue
        name = kb.finding(finding).clinician
        if isinstance(value, bool):
            (present if value else absent).append(name)
        else:
            unit = kb.finding(finding).numeric
            present.append(f"{name}: {value:g}{' ' + unit.unit if unit else ''}")
    return (*present, *(["absent: " + ", ".join(absent)] if absent else []))


def why_for_patient(why: dict[str, Any]) -> str:
    """Why a question is asked, in lay words (the figures are for clinicians)."""
    if why.get("red_flag_gain", 0) > 0 or why.get("must_not_miss_gain", 0) > why.get(
        "differential_gain", 0
    ):
        return (
            "This checks for a warning sign. Most people answer no, but if the answer is yes "
            "you may need to be seen sooner."
        )
    return (
        "Your answer helps tell apart the causes that fit what you have said so far, so the "
        "result can be more specific."
    )


def why_for_clinician(why: dict[str, Any], kb: CompiledKB) -> list[str]:
    """Why a question is asked: what each answer would do to which conditions."""
    lines: list[str] = []
    separates = [kb.condition(c).name for c in why.get("separates", []) if _known(kb, c)]
    if separates:
        lines.append("Separates: " + "; ".join(separates) + ".")
    for outcome in why.get("outcomes", [])[:3]:
        moves = [
            f"{kb.condition(m['condition']).name} {percent(m['before'])} → {percent(m['after'])}"
            for m in (outcome.get("raises", []) + outcome.get("lowers", []))[:3]
            if _known(kb, m["condition"])
        ]
        if moves:
            answer = str(outcome.get("answer", "")).replace("_", " ")
            chance = percent(outcome.get("probability"))
            lines.append(f"If {answer} ({chance} likely): " + ", ".join(moves) + ".")
    if why.get("red_flag_gain", 0) > 0:
        lines.append("It can fire a red flag.")
    return lines


def _known(kb: CompiledKB, condition: str) -> bool:
    return condition in kb.condition_ids


def is_patient(asker: str | Asker) -> bool:
    return Asker(asker) is Asker.PATIENT


@dataclass(frozen=True)
class PatientAnswers:
    """What the patient told, in their words: the places that hurt and each answer."""

    places: tuple[str, ...]
    answers: tuple[tuple[str, str], ...]


def patient_answers(
    assessment: Assessment, kb: CompiledKB, labels: dict[str, str]
) -> PatientAnswers:
    places: list[str] = []
    answers: list[tuple[str, str]] = []
    for finding, value in assessment.input.findings.items():
        if not kb.has_finding(finding):
            continue
        f = kb.finding(finding)
        if f.kind.value == "region" and finding in labels:
            if value is True:
                places.append(labels[finding])
            continue
        shown = ("yes" if value else "no") if isinstance(value, bool) else f"{value:g}"
        answers.append((f.lay, shown))
    return PatientAnswers(tuple(places), tuple(answers))
