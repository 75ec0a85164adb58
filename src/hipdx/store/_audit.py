"""The audit log: who did what to which resource, when, and with what status.

Its columns cannot hold a case: an action name, a resource id, a status code, a key id and the
client's address. Nothing from the request body is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hipdx.store._records import utc
from hipdx.store._tables import AuditRow


@dataclass(frozen=True)
class AuditEvent:
    at: datetime
    api_key_id: int | None
    action: str
    resource_id: str | None
    status: int
    client: str | None


def record_event(
    session: Session,
    *,
    action: str,
    status: int,
    api_key_id: int | None,
    resource_id: str | None = None,
    client: str | None = None,
    now: datetime | None = None,
) -> None:
    session.add(
        AuditRow(
            at=now or datetime.now(UTC),
            api_key_id=api_key_id,
            action=action,
            resource_id=resource_id,
            status=status,
            client=client,
        )
    )


def recent_events(session: Session, *, limit: int = 100) -> list[AuditEvent]:
    query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
    return [
        AuditEvent(
            at=utc(row.at),
            api_key_id=row.api_key_id,
            action=row.action,
            resource_id=row.resource_id,
            status=row.status,
            client=row.client,
        )
        for row in session.scalars(query)
    ]
