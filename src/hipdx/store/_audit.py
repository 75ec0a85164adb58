"""The audit log: who did what to which resource, when, and with what status.

Its columns cannot hold a case: an action name, a resource id, a status code, a key id and the
client's address. Nothing from the request body is passed in.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from hipdx.store._tables import AuditRow


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
