"""Real servers for the service tests: ``hipdx serve`` on loopback over SQLite and over a
throwaway PostgreSQL cluster (skipped without PostgreSQL, except in CI, where it must run)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from hipdx.service.local import (
    Service,
    postgres_bin,
    prepare_database,
    start_server,
    throwaway_postgres,
)

#: The PostgreSQL databases the tests use, one per purpose.
PG_DATABASES = ("hipdx_http", "hipdx_store", "hipdx_limits", "hipdx_crash")


@pytest.fixture(scope="session")
def postgres_urls() -> Iterator[dict[str, str]]:
    if postgres_bin() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is not installed: CI must run the PostgreSQL tests")
        pytest.skip("PostgreSQL is not installed (bash scripts/install-postgres.sh)")
    with throwaway_postgres(databases=PG_DATABASES) as cluster:
        yield cluster.urls


def database_for(request: pytest.FixtureRequest, backend: str, name: str, folder: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{folder / (name + '.sqlite3')}"
    urls: dict[str, str] = request.getfixturevalue("postgres_urls")
    return urls[f"hipdx_{name}"]


#: The shared servers allow far more than the tests send (the limit has its own test).
SHARED_ENV = {"HIPDX_RATE_LIMIT": "100000/minute"}


def _serve(request: pytest.FixtureRequest, backend: str, folder: Path) -> Iterator[Service]:
    url = database_for(request, backend, "http", folder)
    key = prepare_database(url, key_name="tests")
    server = start_server(url, log=folder / "server.log", env=SHARED_ENV)
    yield Service(backend=backend, database_url=url, server=server, key=key)
    server.stop()


@pytest.fixture(scope="session")
def sqlite_service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """The server most HTTP tests share, over SQLite, with the default settings."""
    yield from _serve(request, "sqlite", tmp_path_factory.mktemp("service-sqlite"))


@pytest.fixture(scope="session")
def postgresql_service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """The same over PostgreSQL."""
    yield from _serve(request, "postgresql", tmp_path_factory.mktemp("service-postgresql"))


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def service(request: pytest.FixtureRequest, backend: str) -> Service:
    """The shared server of each backend in turn."""
    found: Service = request.getfixturevalue(f"{backend}_service")
    return found
