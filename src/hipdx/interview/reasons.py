"""Why a question is asked, in plain words, generated from the step that chose it.

* a question a standing caution wants (pregnancy not excluded): the caution's lay wording;
* red-flag screening (the safety hold or the reserve chose it, or screening for red flags is
  most of its score, and a red-flag rule mentions it): "to check for signs that need urgent
  care"; when the question is about a region the person denied, it says so first;
* otherwise the plain names of the conditions it is expected to tell apart.
"""

from __future__ import annotations

from hipdx.inference.answers import Answers
from hipdx.interview.gains import Suggestion
from hipdx.interview.relevance import (
    presupposes_denied_region,
    red_flag_findings,
    standing_cautions,
)
from hipdx.interview.step import InterviewStep
from hipdx.kb.compiled import CompiledKB
from hipdx.kb.schema import InterviewPolicy

URGENT_CARE = "To check for signs that need urgent care."
DENIED_REGION = "You said you have no pain there, but I still need to ask this"
_NAMED = 3


def lay_reason(
    kb: CompiledKB,
    policy: InterviewPolicy,
    step: InterviewStep,
    question: Suggestion,
    answers: Answers,
) -> str:
    """One or two plain sentences: why this question is asked now."""
    for caution in standing_cautions(policy, answers):
        if question.question in caution.unless_answered:
            return caution.lay
    if is_screening(kb, step, question):
        if presupposes_denied_region(kb, answers, question.question):
            return f"{DENIED_REGION}, to check for signs that need urgent care."
        return URGENT_CARE
    names = [kb.condition(c).plain_name or kb.condition(c).name for c in question.separates]
    return separating(names[:_NAMED])


def is_screening(kb: CompiledKB, step: InterviewStep, question: Suggestion) -> bool:
    """Whether the question screens for red flags rather than telling causes apart."""
    flagged = any(f in red_flag_findings(kb) for f in question.findings)
    held = step.hold is not None and question.question in step.hold.questions
    screening_led = question.red_flag_gain + question.dangerous_gain > question.differential_gain
    return flagged and (held or step.reserved or screening_led)


def separating(names: list[str]) -> str:
    if not names:
        return "To learn more about what is causing your pain."
    if len(names) == 1:
        return f"To find out whether this could be {names[0]}."
    listed = ", ".join(names[:-1]) + f" or {names[-1]}"
    return f"To tell apart causes such as {listed}."
