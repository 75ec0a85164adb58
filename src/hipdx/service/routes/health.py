"""``GET /health``: is the service up, with which knowledge and schema (no key needed)."""

from __future__ import annotations

from fastapi import APIRouter

from hipdx import __version__
from hipdx.service.deps import RuntimeDep
from hipdx.service.models import Health
from hipdx.service.problems import responses
from hipdx.store import current_revision, is_sqlite

router = APIRouter(tags=["health"])


@router.get("/health", name="health", response_model=Health, responses=responses(503))
def health(runtime: RuntimeDep) -> Health:
    """``ok`` with the versions, or 503 when the database cannot be read."""
    runtime.check_database_file()
    revision = current_revision(runtime.database)
    return Health(
        status="ok",
        hipdx_version=__version__,
        kb_version=runtime.engine.version,
        schema_revision=revision or "none",
        database="sqlite" if is_sqlite(runtime.settings.url) else "postgresql",
    )
