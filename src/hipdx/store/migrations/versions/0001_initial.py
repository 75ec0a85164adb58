"""Initial schema: API keys, assessments, interviews and their answers, the audit log.

Revision ID: 0001
Revises:
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _document() -> sa.types.TypeEngine[object]:
    """JSON, JSONB on PostgreSQL."""
    document: sa.types.TypeEngine[object] = sa.JSON()
    return document.with_variant(postgresql.JSONB(), "postgresql")


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("revoked_at", _when(), nullable=True),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("api_key_id", sa.Integer(), sa.ForeignKey("api_keys.id"), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("kb_version", sa.String(64), nullable=False),
        sa.Column("hipdx_version", sa.String(64), nullable=False),
        sa.Column("input", _document(), nullable=False),
        sa.Column("document", _document(), nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, primary_key=True),
        sa.Column("at", _when(), nullable=False),
        sa.Column("api_key_id", sa.Integer(), sa.ForeignKey("api_keys.id"), nullable=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("resource_id", sa.String(32), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(64), nullable=True),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_table(
        "interviews",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("updated_at", _when(), nullable=False),
        sa.Column("api_key_id", sa.Integer(), sa.ForeignKey("api_keys.id"), nullable=True),
        sa.Column("kb_version", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("state", _document(), nullable=False),
        sa.Column("assessment_id", sa.String(32), sa.ForeignKey("assessments.id"), nullable=True),
    )
    op.create_table(
        "interview_answers",
        sa.Column("id", sa.Integer(), autoincrement=True, primary_key=True),
        sa.Column("interview_id", sa.String(32), sa.ForeignKey("interviews.id"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(100), nullable=False),
        sa.Column("value", _document(), nullable=False),
        sa.Column("answered_at", _when(), nullable=False),
        sa.UniqueConstraint("interview_id", "seq"),
    )


def downgrade() -> None:
    op.drop_table("interview_answers")
    op.drop_table("interviews")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("assessments")
    op.drop_table("api_keys")
