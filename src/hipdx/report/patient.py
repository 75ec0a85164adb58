"""The patient's part of a result: what a patient can act on, in plain words.

`patient_result` turns an `Assessment` into a `PatientResult` record (the web page and the PDF
render the same record); `render_patient_text` gives it as plain text (the CLI prints it). It
holds the one to three likely causes (plain name and plain summary), what to do and how soon
(from triage), "go to an emergency department at once if ..." safety-netting made from the red
flags that one new symptom would still fire (their findings' lay wording), the cautions of the
interview policy that stand (pregnancy not excluded), questions to ask the clinician, and the
decision-support notice. No likelihood ratios, no percentages, no list of rare dangers, no drugs.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from hipdx._types import TriageLevel
from hipdx.inference.answers import encode
from hipdx.inference.assessment import Assessment, TriageReasonKind
from hipdx.interview.relevance import standing_cautions
from hipdx.kb.compiled import CompiledKB
from hipdx.kb.rules import Lookup, evaluate, rule_findings
from hipdx.kb.schema import FindingKind, RedFlag

#: At most this many causes are named; a cause after the first is named only when it holds at
#: least this share of the leader's probability (a presentation choice, not a clinical number:
#: the patient is shown the causes worth talking about, never a tail of rare ones).
_MOST_CAUSES = 3
_SHARE_OF_LEADER = 0.25
#: At most this many warning signs per list.
_MOST_SIGNS = 5
#: Findings a patient can notice at home: the safety-netting names only these.
_NOTICEABLE = frozenset({FindingKind.SYMPTOM, FindingKind.HISTORY, FindingKind.REGION})

WHAT_TO_DO = {
    TriageLevel.EMERGENCY: "Go to an emergency department now, or call an ambulance.",
    TriageLevel.URGENT: "See a doctor today.",
    TriageLevel.SOON: "See a doctor or a physiotherapist in the next few days.",
    TriageLevel.ROUTINE: "Book a visit with your doctor or a physiotherapist. It does not need "
    "to be urgent.",
    TriageLevel.SELF_CARE: "You can look after this yourself for now. See a doctor if it is not "
    "better in a few weeks, or if it gets worse.",
}
NOTICE = (
    "This is not a diagnosis. A computer made this guide from your answers. It can be wrong, "
    "so a doctor or other health worker needs to check you. If you feel very unwell, get help "
    "at once."
)


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LikelyCause(_Record):
    condition: str
    plain_name: str
    plain_summary: str


class PatientResult(_Record):
    """What a patient is told at the end: plain words only, no figures."""

    level: TriageLevel
    what_to_do: str
    why_now: tuple[str, ...]  # the advice of fired red flags, and why a visit is sooner
    causes: tuple[LikelyCause, ...]
    emergency_if: tuple[str, ...]  # lay questions: go to an emergency department if yes
    same_day_if: tuple[str, ...]  # lay questions: see a doctor today if yes
    cautions: tuple[str, ...]
    questions_for_clinician: tuple[str, ...]
    notice: str = NOTICE


def patient_result(assessment: Assessment, kb: CompiledKB) -> PatientResult:
    """The patient's part of ``assessment``."""
    results = assessment.results
    level = results.triage.level
    causes = likely_causes(assessment, kb)
    answers, _ = encode(assessment.input, kb)
    cautions = tuple(c.lay for c in standing_cautions(kb.knowledge.interview, answers))
    return PatientResult(
        level=level,
        what_to_do=WHAT_TO_DO[level],
        why_now=_why_now(assessment, kb),
        causes=causes,
        emergency_if=warning_signs(assessment, kb, TriageLevel.EMERGENCY),
        same_day_if=warning_signs(assessment, kb, TriageLevel.URGENT),
        cautions=cautions,
        questions_for_clinician=_questions(causes, level, bool(cautions)),
    )


def likely_causes(assessment: Assessment, kb: CompiledKB) -> tuple[LikelyCause, ...]:
    """The one to three leading conditions, in plain words."""
    ranked = assessment.results.differential
    if not ranked:
        return ()
    leader = ranked[0].probability
    chosen = [
        row
        for row in ranked[:_MOST_CAUSES]
        if row is ranked[0] or row.probability >= _SHARE_OF_LEADER * leader
    ]
    return tuple(_cause(kb, row.condition) for row in chosen)


def _cause(kb: CompiledKB, condition_id: str) -> LikelyCause:
    condition = kb.condition(condition_id)
    return LikelyCause(
        condition=condition_id,
        plain_name=condition.plain_name or condition.name,
        plain_summary=" ".join(condition.plain_summary.split()),
    )


def _why_now(assessment: Assessment, kb: CompiledKB) -> tuple[str, ...]:
    """The advice of the red flags that fired; for a must-not-miss level, which cause needs
    checking first."""
    lines = [flag.advice for flag in assessment.results.red_flags]
    for reason in assessment.results.triage.reasons:
        if reason.kind in (TriageReasonKind.MUST_NOT_MISS, TriageReasonKind.UNRESOLVED):
            names = [kb.condition(c).plain_name or kb.condition(c).name for c in reason.conditions]
            if names:
                lines.append(
                    f"Some of your answers could fit {names[0]}. This needs to be checked "
                    "soon, even if it is not the most likely cause."
                )
            break
    return tuple(dict.fromkeys(lines))


def warning_signs(assessment: Assessment, kb: CompiledKB, level: TriageLevel) -> tuple[str, ...]:
    """The lay questions of the findings that alone would now fire a red flag of ``level``
    (a patient can notice them at home), the flags suggesting the likelier conditions first;
    only flags that suggest no condition, or one the answers leave at the interview's
    ``safety_probability`` or more, or whose rule already holds a symptom or pain region of
    the patient's (the case's own dangers, not every rare one)."""
    answers, _ = encode(assessment.input, kb)
    probability = {row.condition: row.probability for row in assessment.results.differential}
    policy = kb.knowledge.interview
    floor = policy.safety_probability.value if policy is not None else 0.0
    fitting = [
        f
        for f in kb.knowledge.red_flags
        if f.level is level
        and (
            not f.suggests
            or any(probability.get(c, 0.0) >= floor for c in f.suggests)
            or _anchored(kb, f, answers.known)
        )
    ]
    flags = sorted(
        fitting,
        key=lambda f: -max((probability.get(c, 0.0) for c in f.suggests), default=0.0),
    )
    signs: dict[str, None] = {}
    for flag in flags:
        for finding_id in _completing_findings(kb, flag, answers.known):
            signs[kb.finding(finding_id).lay] = None
    return tuple(signs)[:_MOST_SIGNS]


def _anchored(kb: CompiledKB, flag: RedFlag, known: Lookup) -> bool:
    """Whether a finding the patient has (a pain region, a symptom) is part of the flag."""
    return any(
        known(f) is True and kb.has_finding(f) and kb.finding(f).kind in _NOTICEABLE
        for f in rule_findings(flag.when)
    )


def _completing_findings(kb: CompiledKB, flag: RedFlag, known: Lookup) -> list[str]:
    """The findings of ``flag`` not present now that, present alone (the other unknown
    findings taken as absent), would make it fire."""
    if evaluate(flag.when, known) is True:
        return []

    present = frozenset(f for f in rule_findings(flag.when) if known(f) is True)
    found = []
    for finding_id in dict.fromkeys(rule_findings(flag.when)):
        if finding_id in present or not kb.has_finding(finding_id):
            continue
        if kb.finding(finding_id).kind not in _NOTICEABLE:
            continue
        if evaluate(flag.when, (present | {finding_id}).__contains__):
            found.append(finding_id)
    return found


def _questions(
    causes: tuple[LikelyCause, ...], level: TriageLevel, caution: bool
) -> tuple[str, ...]:
    questions = []
    if causes:
        questions.append(f"Could this be {causes[0].plain_name}? How can we tell?")
    if len(causes) > 1:
        others = " or ".join(c.plain_name for c in causes[1:])
        questions.append(f"Could it be {others} instead?")
    if caution:
        questions.append("Do I need a pregnancy test?")
    questions.append("Do I need any tests or scans?")
    if level.rank <= TriageLevel.ROUTINE.rank:
        questions.append("What can I do myself, and what should I avoid?")
    questions.append("How long should it take to get better, and when should I come back?")
    return tuple(questions)


def render_patient_text(result: PatientResult) -> str:
    """The patient result as plain text (no styling), for a terminal or a printout."""
    parts = ["WHAT TO DO", result.what_to_do, *result.why_now]
    if result.causes:
        parts += ["", "WHAT IT MIGHT BE"]
        parts += [
            f"- {c.plain_name[0].upper()}{c.plain_name[1:]}: {c.plain_summary}"
            for c in result.causes
        ]
    if result.cautions:
        parts += ["", "PLEASE NOTE", *result.cautions]
    if result.emergency_if:
        parts += [
            "",
            "GO TO AN EMERGENCY DEPARTMENT AT ONCE IF THE ANSWER TO ANY OF THESE BECOMES YES",
        ]
        parts += [f"- {sign}" for sign in result.emergency_if]
    if result.same_day_if:
        parts += ["", "SEE A DOCTOR THE SAME DAY IF THE ANSWER TO ANY OF THESE BECOMES YES"]
        parts += [f"- {sign}" for sign in result.same_day_if]
    parts += [
        "",
        "QUESTIONS TO ASK YOUR DOCTOR",
        *(f"- {q}" for q in result.questions_for_clinician),
    ]
    parts += ["", result.notice]
    return "\n".join(parts) + "\n"
