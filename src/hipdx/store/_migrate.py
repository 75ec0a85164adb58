"""Schema migrations (Alembic, shipped in ``hipdx/store/migrations``): apply them, or check that
a database is at the head before serving from it."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from hipdx.store._errors import SchemaMismatchError, StoreUnavailableError

SCRIPT_LOCATION = "hipdx.store:migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The newest migration this hipdx ships."""
    head = ScriptDirectory.from_config(alembic_config_without_engine()).get_current_head()
    assert head is not None
    return head


def alembic_config_without_engine() -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: no hipdx schema yet)."""
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as exc:
        raise StoreUnavailableError(f"cannot read the database: {_first_line(exc)}") from exc


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Apply every migration not yet applied; (revision before, revision after)."""
    before = current_revision(engine)
    command.upgrade(alembic_config(engine), "head")
    return before, head_revision()


def require_head(engine: Engine, *, where: str) -> str:
    """The current revision, or SchemaMismatchError saying what to run."""
    current, head = current_revision(engine), head_revision()
    if current == head:
        return current
    if current is None:
        state = "has no hipdx schema"
    elif current in _known_revisions():
        state = f"is at schema revision {current}, behind {head}"
    else:
        state = f"is at schema revision {current}, which this hipdx does not know (newer?)"
    raise SchemaMismatchError(
        f"the database {where} {state}; run `hipdx db upgrade` (with the same "
        "HIPDX_DATABASE_URL / HIPDX_DATA_DIR) and start again"
    )


def _known_revisions() -> set[str]:
    scripts = ScriptDirectory.from_config(alembic_config_without_engine())
    return {script.revision for script in scripts.walk_revisions()}


def _first_line(exc: Exception) -> str:
    """The driver's own words, first line only (never the SQL or its parameters)."""
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(original).__name__
