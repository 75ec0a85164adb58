"""`hipdx db upgrade|status`: the database schema (Alembic migrations shipped with hipdx)."""

from __future__ import annotations

from typing import Annotated

import typer

from hipdx.cli._io import fail

db_app = typer.Typer(help="The service's database: apply migrations, show the schema revision.")

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL (default: HIPDX_DATABASE_URL, else SQLite in HIPDX_DATA_DIR).",
    ),
]


@db_app.command("upgrade")
def upgrade_command(database_url: DatabaseOption = None) -> None:
    """Create the database if needed and apply every migration not yet applied."""
    from hipdx.store import StoreError, open_engine, shown_url, upgrade
    from hipdx.store import database_url as resolve

    url = resolve(database_url)
    engine = open_engine(url, create_folder=True)
    shown = shown_url(url)
    try:
        before, after = upgrade(engine)
    except StoreError as exc:
        fail(str(exc))
    finally:
        engine.dispose()
    if before == after:
        typer.echo(f"{shown}: already at schema revision {after}")
    else:
        typer.echo(f"{shown}: upgraded from {before or 'empty'} to schema revision {after}")


@db_app.command("status")
def status_command(database_url: DatabaseOption = None) -> None:
    """The database's schema revision and the one this hipdx needs."""
    from hipdx.store import StoreError, current_revision, head_revision, open_engine
    from hipdx.store import database_url as resolve

    engine = open_engine(resolve(database_url))
    try:
        current = current_revision(engine)
    except StoreError as exc:
        fail(str(exc))
    finally:
        engine.dispose()
    head = head_revision()
    typer.echo(f"schema revision {current or 'none'}; this hipdx needs {head}")
    if current != head:
        raise typer.Exit(1)
