"""Opening a database for a command: the schema must be current."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from hipdx.store._database import Sessions, open_engine, session_factory, shown_url
from hipdx.store._migrate import require_head


@contextmanager
def current_store(url: str) -> Iterator[Sessions]:
    """Sessions on the database at ``url``, once its schema is known to be at the head
    (SchemaMismatchError or StoreUnavailableError otherwise); closed afterwards."""
    engine = open_engine(url)
    try:
        require_head(engine, where=shown_url(url))
        yield session_factory(engine)
    finally:
        engine.dispose()
