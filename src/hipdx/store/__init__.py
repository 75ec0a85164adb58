"""Storage: assessments, interview sessions, API keys and the audit log, in SQLite (default, one
file in a data folder, WAL) or PostgreSQL (``HIPDX_DATABASE_URL``), with Alembic migrations.

Repository functions take a SQLAlchemy session and keyword arguments; they never commit (the
caller's transaction does) and never log what a case says.
"""

from __future__ import annotations

from hipdx.store._audit import record_event
from hipdx.store._database import (
    EncodedJSON,
    Sessions,
    database_url,
    is_sqlite,
    open_engine,
    session_factory,
    shown_url,
    sqlite_path,
    transaction,
)
from hipdx.store._errors import SchemaMismatchError, StoreError, StoreUnavailableError
from hipdx.store._keys import ApiKey, create_key, find_key, hash_secret, list_keys, revoke_key
from hipdx.store._migrate import current_revision, head_revision, require_head, upgrade
from hipdx.store._open import current_store
from hipdx.store._records import (
    StoredAssessment,
    StoredInterview,
    count_assessments,
    finish_interview,
    get_assessment,
    get_interview,
    save_assessment,
    save_interview,
    update_interview,
)

__all__ = [
    "ApiKey",
    "EncodedJSON",
    "SchemaMismatchError",
    "Sessions",
    "StoreError",
    "StoreUnavailableError",
    "StoredAssessment",
    "StoredInterview",
    "count_assessments",
    "create_key",
    "current_revision",
    "current_store",
    "database_url",
    "find_key",
    "finish_interview",
    "get_assessment",
    "get_interview",
    "hash_secret",
    "head_revision",
    "is_sqlite",
    "list_keys",
    "open_engine",
    "record_event",
    "require_head",
    "revoke_key",
    "save_assessment",
    "save_interview",
    "session_factory",
    "shown_url",
    "sqlite_path",
    "transaction",
    "update_interview",
    "upgrade",
]
