"""Connecting to the database: SQLite (one file, WAL) by default, PostgreSQL by URL."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

#: The file name of the default SQLite database inside the data folder.
SQLITE_FILE = "hipdx.sqlite3"
#: How long a writer waits for SQLite's lock before giving up (milliseconds).
SQLITE_BUSY_TIMEOUT_MS = 5000


class EncodedJSON:
    """A document already encoded as JSON text, stored as it is (encoding a large result
    document again with the standard library would cost more than assessing it)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def encode_json(value: Any) -> str:
    """The JSON text of a column's value (the text itself for `EncodedJSON`)."""
    return value.text if isinstance(value, EncodedJSON) else json.dumps(value)


def default_url(data_dir: Path) -> str:
    """The SQLite database in ``data_dir``."""
    return f"sqlite:///{data_dir / SQLITE_FILE}"


def database_url(url: str | None = None, data_dir: Path | None = None) -> str:
    """``url``, else ``HIPDX_DATABASE_URL``, else SQLite in ``data_dir`` (``HIPDX_DATA_DIR``,
    default ``./data``). PostgreSQL URLs are given the psycopg 3 driver."""
    chosen = url or os.environ.get("HIPDX_DATABASE_URL")
    if not chosen:
        folder = data_dir or Path(os.environ.get("HIPDX_DATA_DIR", "data"))
        chosen = default_url(folder)
    parsed = make_url(chosen)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def shown_url(url: str) -> str:
    """The URL with any password hidden, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for in-memory or another backend)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(str(parsed.database))


def open_engine(
    url: str,
    *,
    create_folder: bool = False,
    pool_size: int = 8,
    busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
) -> Engine:
    """An engine for ``url``: SQLite in WAL mode, synchronous commits, foreign keys on, and a
    writer waiting ``busy_timeout_ms`` for the lock before giving up."""
    path = sqlite_path(url)
    if path is not None and create_folder:
        path.parent.mkdir(parents=True, exist_ok=True)
    if is_sqlite(url):
        engine = create_engine(
            url, pool_size=pool_size, max_overflow=pool_size, json_serializer=encode_json
        )
        event.listen(engine, "connect", partial(_sqlite_pragmas, busy_timeout_ms))
        return engine
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        json_serializer=encode_json,
    )


def _sqlite_pragmas(busy_timeout_ms: int, connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


#: What makes sessions on one database.
Sessions = sessionmaker[Session]


def session_factory(engine: Engine) -> Sessions:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(sessions: Sessions) -> Iterator[Session]:
    """A session whose work is committed at the end, or rolled back on any error."""
    with sessions.begin() as session:
        yield session
