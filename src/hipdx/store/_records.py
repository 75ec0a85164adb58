"""Assessments and interview sessions: saved and read back as plain records."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hipdx.store._database import EncodedJSON
from hipdx.store._tables import AssessmentRow, InterviewAnswerRow, InterviewRow


def new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class StoredAssessment:
    id: str
    created_at: datetime
    source: str
    kb_version: str
    hipdx_version: str
    input: dict[str, Any]
    document: dict[str, Any] | EncodedJSON


@dataclass(frozen=True)
class StoredInterview:
    id: str
    created_at: datetime
    updated_at: datetime
    kb_version: str
    status: str
    state: dict[str, Any]
    assessment_id: str | None
    answers: int


def save_assessment(
    session: Session,
    *,
    source: str,
    input: dict[str, Any],
    document: dict[str, Any] | EncodedJSON,
    kb_version: str,
    hipdx_version: str,
    api_key_id: int | None,
    now: datetime | None = None,
) -> StoredAssessment:
    """Add an assessment; the record returned holds ``document`` as given."""
    row = AssessmentRow(
        id=new_id(),
        created_at=now or datetime.now(UTC),
        api_key_id=api_key_id,
        source=source,
        kb_version=kb_version,
        hipdx_version=hipdx_version,
        input=input,
        document=document,  # EncodedJSON is written as its text
    )
    session.add(row)
    session.flush()
    return _assessment(row)


def get_assessment(session: Session, *, assessment_id: str) -> StoredAssessment | None:
    row = session.get(AssessmentRow, assessment_id)
    return None if row is None else _assessment(row)


def count_assessments(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AssessmentRow)) or 0)


def save_interview(
    session: Session,
    *,
    state: dict[str, Any],
    kb_version: str,
    api_key_id: int | None,
    now: datetime | None = None,
) -> StoredInterview:
    when = now or datetime.now(UTC)
    row = InterviewRow(
        id=new_id(),
        created_at=when,
        updated_at=when,
        api_key_id=api_key_id,
        kb_version=kb_version,
        status="open",
        state=state,
        assessment_id=None,
    )
    session.add(row)
    session.flush()
    return _interview(row, answers=0)


def get_interview(
    session: Session, *, interview_id: str, for_update: bool = False
) -> StoredInterview | None:
    query = select(InterviewRow).where(InterviewRow.id == interview_id)
    row = session.scalar(query.with_for_update() if for_update else query)
    if row is None:
        return None
    return _interview(row, answers=_answer_count(session, interview_id))


def update_interview(
    session: Session,
    *,
    interview_id: str,
    question: str,
    value: Any,
    state: dict[str, Any],
    now: datetime | None = None,
) -> StoredInterview:
    """Record one answer (or ``back``) and the state it led to."""
    when = now or datetime.now(UTC)
    row = session.get(InterviewRow, interview_id)
    if row is None:
        raise KeyError(interview_id)
    seq = _answer_count(session, interview_id) + 1
    session.add(
        InterviewAnswerRow(
            interview_id=interview_id,
            seq=seq,
            question=question,
            value={"value": value},
            answered_at=when,
        )
    )
    row.state = state
    row.updated_at = when
    session.flush()
    return _interview(row, answers=seq)


def finish_interview(
    session: Session, *, interview_id: str, assessment_id: str, now: datetime | None = None
) -> StoredInterview:
    """Mark the interview finished, ending in ``assessment_id``."""
    row = session.get(InterviewRow, interview_id)
    if row is None:
        raise KeyError(interview_id)
    row.status = "finished"
    row.assessment_id = assessment_id
    row.updated_at = now or datetime.now(UTC)
    session.flush()
    return _interview(row, answers=_answer_count(session, interview_id))


def _answer_count(session: Session, interview_id: str) -> int:
    query = select(func.count()).where(InterviewAnswerRow.interview_id == interview_id)
    return int(session.scalar(query) or 0)


def utc(moment: datetime) -> datetime:
    """The moment in UTC (SQLite gives back naive times, which were stored in UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _assessment(row: AssessmentRow) -> StoredAssessment:
    return StoredAssessment(
        id=row.id,
        created_at=utc(row.created_at),
        source=row.source,
        kb_version=row.kb_version,
        hipdx_version=row.hipdx_version,
        input=row.input,
        document=row.document,
    )


def _interview(row: InterviewRow, *, answers: int) -> StoredInterview:
    return StoredInterview(
        id=row.id,
        created_at=utc(row.created_at),
        updated_at=utc(row.updated_at),
        kb_version=row.kb_version,
        status=row.status,
        state=row.state,
        assessment_id=row.assessment_id,
        answers=answers,
    )
