"""`hipdx keys create|list|revoke`: API keys for the service (only their hash is stored)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from hipdx.cli._io import fail
from hipdx.cli.db import DatabaseOption

if TYPE_CHECKING:
    from hipdx.store import Sessions

keys_app = typer.Typer(help="API keys for `hipdx serve`.")


@keys_app.command("create")
def create_command(
    name: Annotated[str, typer.Option("--name", help="Who or what the key is for.")],
    database_url: DatabaseOption = None,
) -> None:
    """Make a key and print its secret (shown once: it is stored only as a hash)."""
    from hipdx.store import create_key, transaction

    if not 1 <= len(name.strip()) <= 100:
        fail("--name must be 1 to 100 characters")
    with _sessions(database_url) as sessions, transaction(sessions) as session:
        key, secret = create_key(session, name=name.strip())
    typer.echo(f"created key {key.id} '{key.name}'; its secret (shown only now):", err=True)
    typer.echo(secret)


@keys_app.command("list")
def list_command(database_url: DatabaseOption = None) -> None:
    """Every key: id, name, prefix, when made, whether revoked."""
    from hipdx.store import list_keys

    with _sessions(database_url) as sessions, sessions() as session:
        for key in list_keys(session):
            state = "revoked" if key.revoked else "live"
            typer.echo(f"{key.id}\t{key.name}\t{key.prefix}…\t{key.created_at:%Y-%m-%d}\t{state}")


@keys_app.command("revoke")
def revoke_command(
    key_id: Annotated[int, typer.Argument(help="The key's id (from `hipdx keys list`).")],
    database_url: DatabaseOption = None,
) -> None:
    """Revoke a key (servers stop accepting it within seconds)."""
    from hipdx.store import revoke_key, transaction

    with _sessions(database_url) as sessions, transaction(sessions) as session:
        if not revoke_key(session, key_id=key_id):
            fail(f"no key with id {key_id}")
    typer.echo(f"revoked key {key_id}")


@contextmanager
def _sessions(url: str | None) -> Iterator[Sessions]:
    """The database's sessions, once its schema is known to be current; exits otherwise."""
    from hipdx.store import StoreError, current_store, database_url

    try:
        with current_store(database_url(url)) as sessions:
            yield sessions
    except StoreError as exc:
        fail(str(exc))
