"""The service's settings, read from ``HIPDX_*`` environment variables and validated at start-up."""

from __future__ import annotations

from pathlib import Path

import limits
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hipdx.store import database_url, shown_url


class ServiceSettings(BaseSettings):
    """Everything the service can be told; a bad value stops it before it serves anything."""

    model_config = SettingsConfigDict(env_prefix="HIPDX_", extra="ignore", frozen=True)

    #: SQLAlchemy URL; PostgreSQL as ``postgresql://user@host/db``. Default: SQLite in data_dir.
    database_url: str | None = None
    #: Folder of the default SQLite database (created when missing).
    data_dir: Path = Path("data")
    #: Requests each API key may make, in the `limits` notation ("600/minute", "20/second").
    rate_limit: str = "1200/minute"
    #: Largest request body accepted, in bytes.
    max_body_bytes: int = Field(default=256 * 1024, ge=1024, le=16 * 1024 * 1024)
    #: Origins allowed to call from a browser; empty (the default) turns CORS off.
    cors_origins: tuple[str, ...] = ()
    #: How long a SQLite writer waits for the lock before answering 503 (milliseconds).
    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0, le=60_000)
    #: Database connections per process.
    pool_size: int = Field(default=8, ge=1, le=64)
    #: Serve the web page at ``/`` (the interview, the note reader, results, PDF reports).
    web: bool = True
    #: The code people type to use the web page. Needed, and then asked of everyone, when the
    #: server listens on any address but loopback; without it the page answers only this
    #: computer (loopback clients). Never an API key: the browser is given no key.
    web_access_code: SecretStr | None = Field(default=None, min_length=8)

    @field_validator("rate_limit")
    @classmethod
    def _known_rate_limit(cls, value: str) -> str:
        try:
            limits.parse(value)
        except ValueError as exc:
            raise ValueError(f"not a rate limit like '600/minute': {value!r}") from exc
        return value

    @property
    def url(self) -> str:
        return database_url(self.database_url, self.data_dir)

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden, for messages."""
        return shown_url(self.url)
