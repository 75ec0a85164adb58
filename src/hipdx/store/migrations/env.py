"""Alembic environment: runs on the engine hipdx hands over (`hipdx db upgrade`)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from hipdx.store._tables import Base

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):  # pragma: no cover - only hipdx runs these migrations
    raise RuntimeError("run the migrations with `hipdx db upgrade`")

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
