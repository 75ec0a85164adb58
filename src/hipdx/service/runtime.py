"""What one service process holds: its settings, database, engine and rate limiter."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock

import limits
import sqlalchemy
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy.orm import Session, sessionmaker

from hipdx.engine import Engine
from hipdx.service.settings import ServiceSettings
from hipdx.store import (
    ApiKey,
    StoreUnavailableError,
    find_key,
    hash_secret,
    is_sqlite,
    open_engine,
    require_head,
    session_factory,
    sqlite_path,
)

#: How long a verified key is trusted before it is looked up again (seconds).
KEY_CACHE_SECONDS = 10.0


@dataclass
class Runtime:
    settings: ServiceSettings
    database: sqlalchemy.Engine
    sessions: sessionmaker[Session]
    engine: Engine
    rate_limit: limits.RateLimitItem
    limiter: MovingWindowRateLimiter
    database_file: tuple[Path, int] | None = None  # SQLite: the file and its inode at start
    _keys: dict[str, tuple[ApiKey, float]] = field(default_factory=dict)
    _keys_lock: Lock = field(default_factory=Lock)
    _writer: AbstractContextManager[object] = field(default_factory=nullcontext)

    @classmethod
    def start(cls, settings: ServiceSettings, engine: Engine) -> Runtime:
        """Open the database and refuse to go on unless its schema is at the head."""
        database = open_engine(
            settings.url,
            create_folder=True,
            pool_size=settings.pool_size,
            busy_timeout_ms=settings.sqlite_busy_timeout_ms,
        )
        require_head(database, where=settings.safe_url)
        path = sqlite_path(settings.url)
        writer: AbstractContextManager[object] = (
            Lock() if is_sqlite(settings.url) else nullcontext()
        )
        return cls(
            _writer=writer,
            database_file=None if path is None else (path, path.stat().st_ino),
            settings=settings,
            database=database,
            sessions=session_factory(database),
            engine=engine,
            rate_limit=limits.parse(settings.rate_limit),
            limiter=MovingWindowRateLimiter(MemoryStorage()),
        )

    def check_database_file(self) -> None:
        """For SQLite: the file the server opened must still be there (a deleted or replaced
        file would take writes that are then lost), else StoreUnavailableError."""
        if self.database_file is None:
            return
        path, inode = self.database_file
        try:
            same = path.stat().st_ino == inode
        except OSError:
            same = False
        if not same:
            raise StoreUnavailableError(f"the database file {path} is missing or was replaced")

    def key_for(self, secret: str) -> ApiKey | None:
        """The live key with this secret (cached for a few seconds once verified)."""
        now, digest = time.monotonic(), hash_secret(secret)
        with self._keys_lock:
            cached = self._keys.get(digest)
        if cached is not None and cached[1] > now:
            return cached[0]
        with self.sessions() as session:
            key = find_key(session, secret=secret)
        if key is not None:
            with self._keys_lock:
                self._keys[digest] = (key, now + KEY_CACHE_SECONDS)
        return key

    def allow(self, key: ApiKey) -> tuple[bool, int]:
        """Whether the key may make one more request now, and seconds until its window resets."""
        if self.limiter.hit(self.rate_limit, "key", str(key.id)):
            return True, 0
        stats = self.limiter.get_window_stats(self.rate_limit, "key", str(key.id))
        return False, max(1, int(stats.reset_time - time.time()) + 1)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A transaction committed at the end (rolled back on error). On SQLite, writers in this
        process take turns on a lock first instead of polling the database's lock."""
        with self._writer, self.sessions.begin() as session:
            yield session

    def close(self) -> None:
        self.database.dispose()
