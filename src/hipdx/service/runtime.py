"""What one service process holds: its settings, database, knowledge base and rate limiter."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from threading import Lock

import limits
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hipdx.kb.compiled import CompiledKB
from hipdx.service.settings import ServiceSettings
from hipdx.store import ApiKey, find_key, open_engine, require_head, session_factory

#: How long a verified key is trusted before it is looked up again (seconds).
KEY_CACHE_SECONDS = 10.0


@dataclass
class Runtime:
    settings: ServiceSettings
    database: Engine
    sessions: sessionmaker[Session]
    knowledge: CompiledKB
    rate_limit: limits.RateLimitItem
    limiter: MovingWindowRateLimiter
    _keys: dict[str, tuple[ApiKey, float]] = field(default_factory=dict)
    _keys_lock: Lock = field(default_factory=Lock)

    @classmethod
    def start(cls, settings: ServiceSettings, knowledge: CompiledKB) -> Runtime:
        """Open the database and refuse to go on unless its schema is at the head."""
        database = open_engine(settings.url, create_folder=True, pool_size=settings.pool_size)
        require_head(database, where=settings.safe_url)
        return cls(
            settings=settings,
            database=database,
            sessions=session_factory(database),
            knowledge=knowledge,
            rate_limit=limits.parse(settings.rate_limit),
            limiter=MovingWindowRateLimiter(MemoryStorage()),
        )

    def key_for(self, secret: str) -> ApiKey | None:
        """The live key with this secret (cached for a few seconds once verified)."""
        now = time.monotonic()
        with self._keys_lock:
            cached = self._keys.get(secret)
        if cached is not None and cached[1] > now:
            return cached[0]
        with self.sessions() as session:
            key = find_key(session, secret=secret)
        if key is not None:
            with self._keys_lock:
                self._keys[secret] = (key, now + KEY_CACHE_SECONDS)
        return key

    def allow(self, key: ApiKey) -> tuple[bool, int]:
        """Whether the key may make one more request now, and seconds until its window resets."""
        if self.limiter.hit(self.rate_limit, "key", str(key.id)):
            return True, 0
        stats = self.limiter.get_window_stats(self.rate_limit, "key", str(key.id))
        return False, max(1, int(stats.reset_time - time.time()) + 1)

    def close(self) -> None:
        self.database.dispose()
