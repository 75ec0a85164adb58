"""API keys: created once and shown once; only the SHA-256 of the secret is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hipdx.store._records import utc
from hipdx.store._tables import ApiKeyRow

#: Every secret starts with this, so a leaked key is easy to recognise (and to scan for).
TOKEN_PREFIX = "hipdx_"
#: Random bytes in a secret (256 bits: a plain hash is enough, no slow KDF needed).
TOKEN_BYTES = 32
#: How many characters of the secret are kept in clear to tell keys apart.
SHOWN_PREFIX = 12


@dataclass(frozen=True)
class ApiKey:
    id: int
    name: str
    prefix: str
    created_at: datetime
    revoked: bool


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_key(session: Session, *, name: str, now: datetime | None = None) -> tuple[ApiKey, str]:
    """A new key and its secret (the only time the secret is seen)."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    row = ApiKeyRow(
        name=name,
        prefix=secret[:SHOWN_PREFIX],
        secret_hash=hash_secret(secret),
        created_at=now or datetime.now(UTC),
        revoked_at=None,
    )
    session.add(row)
    session.flush()
    return _key(row), secret


def find_key(session: Session, *, secret: str) -> ApiKey | None:
    """The live key whose secret this is, or None (unknown or revoked)."""
    row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.secret_hash == hash_secret(secret)))
    if row is None or row.revoked_at is not None:
        return None
    return _key(row)


def list_keys(session: Session) -> list[ApiKey]:
    return [_key(row) for row in session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id))]


def revoke_key(session: Session, *, key_id: int, now: datetime | None = None) -> bool:
    """Revoke a key; False when there is no such key."""
    row = session.get(ApiKeyRow, key_id)
    if row is None:
        return False
    row.revoked_at = row.revoked_at or now or datetime.now(UTC)
    return True


def _key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        created_at=utc(row.created_at),
        revoked=row.revoked_at is not None,
    )
