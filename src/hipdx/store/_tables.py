"""The tables: API keys, assessments, interview sessions and their answers, the audit log.

Rows are storage, not the API: the service maps them to its own response models. No table but
``assessments`` and ``interviews`` holds health data; the audit log names who did what to
which resource, never the note text or findings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: JSON on SQLite, JSONB on PostgreSQL.
Document = JSON().with_variant(JSONB(), "postgresql")
#: Row ids of assessments and interviews: 32 hexadecimal digits (a UUID4).
ID_LENGTH = 32


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: DateTime(timezone=True),
        dict[str, Any]: Document,
    }


class ApiKeyRow(Base):
    """A client's key: only the SHA-256 of the secret is kept, and a prefix to recognise it."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class AssessmentRow(Base):
    """One assessment: what came in, the result document, and the knowledge it used."""

    __tablename__ = "assessments"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    created_at: Mapped[datetime]
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    source: Mapped[str] = mapped_column(String(16))  # case | note | interview
    kb_version: Mapped[str] = mapped_column(String(64))
    hipdx_version: Mapped[str] = mapped_column(String(64))
    input: Mapped[dict[str, Any]]
    document: Mapped[dict[str, Any]]


class InterviewRow(Base):
    """An interview session: its serialised state, and the assessment it ended in."""

    __tablename__ = "interviews"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    kb_version: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # open | finished
    state: Mapped[dict[str, Any]]
    assessment_id: Mapped[str | None] = mapped_column(ForeignKey("assessments.id"))


class InterviewAnswerRow(Base):
    """One answer given in an interview, in order (``back`` is recorded as an answer too)."""

    __tablename__ = "interview_answers"
    __table_args__ = (UniqueConstraint("interview_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    interview_id: Mapped[str] = mapped_column(ForeignKey("interviews.id"))
    seq: Mapped[int]
    question: Mapped[str] = mapped_column(String(100))
    value: Mapped[dict[str, Any]]
    answered_at: Mapped[datetime]


class AuditRow(Base):
    """Who did what, to which resource, when, and how it ended: never what the case said."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    action: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    status: Mapped[int]
    client: Mapped[str | None] = mapped_column(String(64))
