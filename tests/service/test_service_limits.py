"""Limits and failures on a server with its own settings: the rate limit per key, CORS when
asked for, a locked or missing SQLite database answering 503 without claiming a save."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hipdx.service.local import Service, prepare_database, start_server
from hipdx.store import count_assessments, open_engine, session_factory

ORIGIN = "https://clinic.example"
CASE = {"case": {"age": 40, "findings": {"pain_groin": True}}}


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    folder = tmp_path_factory.mktemp("limited")
    url = f"sqlite:///{folder / 'limited.sqlite3'}"
    key = prepare_database(url, key_name="limited")
    env = {
        "HIPDX_RATE_LIMIT": "5/minute",
        "HIPDX_CORS_ORIGINS": f'["{ORIGIN}"]',
        "HIPDX_SQLITE_BUSY_TIMEOUT_MS": "200",
    }
    server = start_server(url, log=folder / "server.log", env=env)
    yield Service(backend="sqlite", database_url=url, server=server, key=key)
    server.stop()


def fresh_key(service: Service) -> str:
    """Each test its own key, so that each has the whole rate to itself."""
    return prepare_database(service.database_url, key_name="another")


def saved(service: Service) -> int:
    with session_factory(open_engine(service.database_url))() as session:
        return count_assessments(session)


def test_a_key_over_its_rate_is_told_when_to_come_back(limited: Service) -> None:
    headers = limited.headers(fresh_key(limited))
    with httpx.Client(base_url=limited.url, headers=headers) as client:
        statuses = [client.get("/v1/conditions").status_code for _ in range(5)]
        refused = client.get("/v1/conditions")
    other = httpx.get(f"{limited.url}/v1/conditions", headers=limited.headers(fresh_key(limited)))
    assert statuses == [200] * 5
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert 1 <= int(refused.headers["retry-after"]) <= 61
    assert "5/minute" in refused.json()["detail"]
    assert other.status_code == 200  # the limit is per key


def test_cors_answers_only_the_configured_origin(limited: Service) -> None:
    def preflight(origin: str) -> httpx.Response:
        request = {"Origin": origin, "Access-Control-Request-Method": "POST"}
        return httpx.options(f"{limited.url}/v1/assess", headers=request)

    assert preflight(ORIGIN).headers["access-control-allow-origin"] == ORIGIN
    assert "access-control-allow-origin" not in preflight("https://elsewhere.example").headers


def test_a_locked_database_answers_503_and_nothing_is_claimed(limited: Service) -> None:
    headers = limited.headers(fresh_key(limited))
    before = saved(limited)
    path = limited.database_url.removeprefix("sqlite:///")
    lock = sqlite3.connect(path, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        refused = httpx.post(f"{limited.url}/v1/assess", json=CASE, headers=headers, timeout=30)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    accepted = httpx.post(f"{limited.url}/v1/assess", json=CASE, headers=headers, timeout=30)
    assert refused.status_code == 503
    assert "database is locked" in refused.json()["detail"]
    assert "nothing was saved" in refused.json()["detail"]
    assert accepted.status_code == 201
    assert saved(limited) == before + 1


def test_a_missing_database_file_answers_503(limited: Service) -> None:
    """Last in this module: it takes the database away."""
    headers = limited.headers(fresh_key(limited))
    path = Path(limited.database_url.removeprefix("sqlite:///"))
    path.rename(path.with_suffix(".moved"))
    response = httpx.post(f"{limited.url}/v1/assess", json=CASE, headers=headers, timeout=30)
    health = httpx.get(f"{limited.url}/health")
    assert response.status_code == 503
    assert "is missing or was replaced" in response.json()["detail"]
    assert health.status_code == 503
