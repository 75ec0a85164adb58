"""The store: migrations, keys kept as hashes, records, and the database commands."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from hipdx.cli import app
from hipdx.store import (
    SchemaMismatchError,
    create_key,
    current_revision,
    find_key,
    get_assessment,
    head_revision,
    open_engine,
    require_head,
    revoke_key,
    save_assessment,
    session_factory,
    transaction,
    upgrade,
)
from hipdx.store._tables import Base

runner = CliRunner()


@pytest.fixture
def database(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Iterator[Engine]:
    """An empty database, with no schema."""
    if backend == "sqlite":
        engine = open_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    else:
        engine = open_engine(request.getfixturevalue("postgres_urls")["hipdx_store"])
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    yield engine
    engine.dispose()


def test_the_migrations_build_exactly_the_tables_of_the_code(database: Engine) -> None:
    assert upgrade(database) == (None, head_revision())
    with database.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    assert upgrade(database) == (head_revision(), head_revision())  # idempotent


def test_a_database_behind_the_code_is_refused_with_what_to_run(database: Engine) -> None:
    with pytest.raises(SchemaMismatchError, match=r"has no hipdx schema; run `hipdx db upgrade`"):
        require_head(database, where="test")
    upgrade(database)
    with database.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))
    with pytest.raises(SchemaMismatchError, match="revision ffff, which this hipdx does not know"):
        require_head(database, where="test")


def test_keys_are_stored_as_hashes_and_can_be_revoked(database: Engine) -> None:
    upgrade(database)
    sessions = session_factory(database)
    with transaction(sessions) as session:
        key, secret = create_key(session, name="clinic A")
    with database.connect() as connection:
        stored = connection.execute(text("SELECT * FROM api_keys")).mappings().one()
    assert secret.startswith("hipdx_") and len(secret) > 40
    assert secret not in {str(value) for value in stored.values()}
    assert stored["prefix"] == secret[:12]
    with sessions() as session:
        assert find_key(session, secret=secret) == key
        assert find_key(session, secret=secret + "x") is None
    with transaction(sessions) as session:
        assert revoke_key(session, key_id=key.id)
    with sessions() as session:
        assert find_key(session, secret=secret) is None


def test_an_assessment_is_kept_whole(database: Engine) -> None:
    upgrade(database)
    sessions = session_factory(database)
    document = {"results": {"differential": [{"condition": "x", "probability": 0.25}]}}
    with transaction(sessions) as session:
        saved = save_assessment(
            session,
            source="case",
            input={"findings": {"pain_groin": True}},
            document=document,
            kb_version="abc",
            hipdx_version="0.1.0",
            api_key_id=None,
        )
    with sessions() as session:
        again = get_assessment(session, assessment_id=saved.id)
    assert again == saved
    assert again.created_at.tzinfo is not None


def test_a_read_only_sqlite_database_saves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "ro.sqlite3"
    upgrade(open_engine(f"sqlite:///{path}"))
    read_only = open_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    with (
        pytest.raises(OperationalError, match="readonly"),
        transaction(session_factory(read_only)) as session,
    ):
        save_assessment(
            session,
            source="case",
            input={},
            document={},
            kb_version="abc",
            hipdx_version="0",
            api_key_id=None,
        )
    assert sqlite3.connect(path).execute("SELECT count(*) FROM assessments").fetchone() == (0,)


def test_the_database_commands_upgrade_and_make_keys(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'cli.sqlite3'}"
    missing = runner.invoke(app, ["keys", "create", "--name", "x", "--database-url", url])
    assert missing.exit_code == 2
    assert "cannot read the database: unable to open database file" in missing.output
    first = runner.invoke(app, ["db", "upgrade", "--database-url", url])
    assert first.exit_code == 0 and "upgraded from empty to schema revision 0001" in first.output
    second = runner.invoke(app, ["db", "upgrade", "--database-url", url])
    assert "already at schema revision 0001" in second.output
    created = runner.invoke(app, ["keys", "create", "--name", "EHR", "--database-url", url])
    assert created.exit_code == 0
    secret = created.stdout.strip().splitlines()[-1]
    assert secret.startswith("hipdx_")
    listed = runner.invoke(app, ["keys", "list", "--database-url", url])
    assert "EHR" in listed.output and secret not in listed.output
    status = runner.invoke(app, ["db", "status", "--database-url", url])
    assert status.exit_code == 0 and "schema revision 0001" in status.output
    assert current_revision(open_engine(url)) == "0001"


def test_serve_refuses_a_database_whose_schema_is_behind(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    result = runner.invoke(app, ["serve", "--database-url", url, "--port", "1"])
    assert result.exit_code == 2
    assert "has no hipdx schema; run `hipdx db upgrade`" in result.output
