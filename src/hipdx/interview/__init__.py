"""The adaptive interview: the question bank as arrays (`bank`), expected information gain
(`gains`), red-flag screening (`screening`; every question at once, `screening_plan`, over the
red-flag rules as one circuit, `circuit`), the safety hold (`safety`) and the triage value
of a question (`triage_value`), one step with its stop rule (`step`) reading one `Situation`
that computes what the step needs once, and the UI-free session the CLI, the service and the
web page drive (`session`).
"""

from __future__ import annotations

from hipdx.interview.bank import Question, QuestionBank, QuestionKind, build_question_bank
from hipdx.interview.gains import Suggestion, rank_questions
from hipdx.interview.session import InterviewSession, SessionState, region_choices
from hipdx.interview.step import InterviewStep, Stop, StopReason, interview_step

__all__ = [
    "InterviewSession",
    "InterviewStep",
    "Question",
    "QuestionBank",
    "QuestionKind",
    "SessionState",
    "Stop",
    "StopReason",
    "Suggestion",
    "build_question_bank",
    "interview_step",
    "rank_questions",
    "region_choices",
]
