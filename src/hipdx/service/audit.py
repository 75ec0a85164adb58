"""Writing the audit trail: an action name, the key, a resource id, a status, the client.

Successful writes are audited in the same transaction as the write; reads and refusals in a
transaction of their own. Nothing from a request body is ever passed here.
"""

from __future__ import annotations

import logging

from fastapi import Request
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from hipdx.service.deps import Caller
from hipdx.service.runtime import Runtime
from hipdx.store import record_event

logger = logging.getLogger("hipdx.service")


def audit(
    session: Session, caller: Caller, *, action: str, status: int, resource_id: str | None = None
) -> None:
    """Add the event to ``session`` (committed with the caller's work)."""
    record_event(
        session,
        action=action,
        status=status,
        api_key_id=caller.key.id,
        resource_id=resource_id,
        client=caller.client,
    )


def audit_alone(
    runtime: Runtime,
    caller: Caller,
    *,
    action: str,
    status: int,
    resource_id: str | None = None,
) -> None:
    """Record a read in a transaction of its own."""
    with runtime.transaction() as session:
        audit(session, caller, action=action, status=status, resource_id=resource_id)


def audit_refusal(request: Request, status: int) -> None:
    """Record a refused or failed request on its own (best effort: the database may be down)."""
    runtime: Runtime = request.app.state.runtime
    caller: Caller | None = getattr(request.state, "caller", None)
    route = request.scope.get("route")
    action = getattr(route, "name", None) or "unknown"
    try:
        with runtime.transaction() as session:
            record_event(
                session,
                action=action,
                status=status,
                api_key_id=caller.key.id if caller else None,
                client=request.client.host if request.client else None,
            )
    except SQLAlchemyError as exc:
        logger.warning("could not write the audit event for %s: %s", action, type(exc).__name__)
