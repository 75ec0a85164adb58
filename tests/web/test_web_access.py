"""Who may use the web page, and what it keeps: loopback only without a code, everyone must
give the code when one is set, `hipdx serve` refuses a public address without one, forms from
other sites are refused, and the audit trail names actions, never health data."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from typer.testing import CliRunner

from hipdx.cli import app as cli
from hipdx.service import ServiceSettings, create_app
from hipdx.service.local import prepare_database
from hipdx.store import open_engine
from hipdx.web.access import ACCESS_COOKIE, is_loopback

CODE = "correct horse battery"


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('web-access') / 'access.sqlite3'}"
    prepare_database(url, key_name="access-tests")
    return url


def _app(database: str, code: str | None) -> FastAPI:
    return create_app(ServiceSettings(database_url=database, web_access_code=code))


Client = httpx.AsyncClient


def _browse(app: FastAPI, visit: Callable[[Client], Awaitable[None]], *, host: str) -> None:
    """Run ``visit`` with a client that calls ``app`` from the address ``host``."""

    async def run() -> None:
        transport = httpx.ASGITransport(app=app, client=(host, 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://hipdx.test") as c:
            await visit(c)

    asyncio.run(run())


@pytest.fixture(scope="module")
def guarded(database: str) -> FastAPI:
    return _app(database, CODE)


def test_loopback_is_told_apart_from_other_addresses() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "::1", "[::1]", "localhost", "127.8.0.1"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.168.1.2", "example.org", "testclient"))


def test_without_a_code_the_page_answers_only_this_computer(database: str) -> None:
    async def visit(client: Client) -> None:
        answer = await client.get("/")
        assert answer.status_code == 403
        assert "only the computer it runs on" in answer.text

    app = _app(database, None)
    _browse(app, visit, host="192.0.2.7")

    async def at_home(client: Client) -> None:
        assert (await client.get("/")).status_code == 200

    _browse(app, at_home, host="127.0.0.1")


def test_with_a_code_everyone_gives_it_first_and_the_cookie_is_not_the_code(
    guarded: FastAPI,
) -> None:
    async def visit(client: Client) -> None:
        first = await client.get("/note")
        assert first.status_code == 303 and first.headers["location"] == "/login?next=/note"
        wrong = await client.post("/login", data={"code": "guess", "next": "/note"})
        assert wrong.status_code == 401 and "not right" in wrong.text
        right = await client.post("/login", data={"code": CODE, "next": "/note"})
        assert right.status_code == 303 and right.headers["location"] == "/note"
        cookie = right.cookies[ACCESS_COOKIE]
        assert CODE not in cookie and "samesite=strict" in right.headers["set-cookie"].lower()
        page = await client.get("/note")
        assert page.status_code == 200
        assert "Content-Security-Policy" in page.headers and "Bearer" not in page.text

    _browse(guarded, visit, host="127.0.0.1")  # a code, once set, is asked of loopback too


def test_a_form_sent_from_another_site_is_refused(guarded: FastAPI) -> None:
    async def visit(client: Client) -> None:
        await client.post("/login", data={"code": CODE})
        answer = await client.post(
            "/start",
            data={"asker": "patient", "age": "40"},
            headers={"Origin": "http://evil.test"},
        )
        assert answer.status_code == 403

    _browse(guarded, visit, host="192.0.2.7")


def test_the_audit_trail_names_web_actions_and_holds_no_health_data(
    guarded: FastAPI, database: str
) -> None:
    asked: list[str] = []

    async def visit(client: Client) -> None:
        await client.post("/login", data={"code": CODE})
        started = await client.post("/start", data={"asker": "patient", "age": "52", "sex": "male"})
        interview = started.headers["location"].split("/")[2]
        await client.post(f"/i/{interview}/where", data={"spot": ["pain_buttock:right"]})
        page = await client.get(f"/i/{interview}")
        question = page.text.split('name="question" value="')[1].split('"')[0]
        asked.append(question)
        # "don't know" fits a yes/no question and a choice alike
        await client.post(
            f"/i/{interview}/answer", data={"question": question, "answer": "unknown"}
        )

    _browse(guarded, visit, host="192.0.2.7")
    engine = open_engine(database)
    with engine.connect() as connection:
        events = [tuple(row) for row in connection.execute(text("SELECT * FROM audit_log"))]
    engine.dispose()
    actions = {value for event in events for value in event}
    assert {"web_start", "web_regions", "web_answer"} <= actions
    for event in events:
        words = " ".join(str(v) for v in event)
        assert "buttock" not in words and asked[0] not in words and "52" not in words.split()


def test_serve_refuses_a_public_address_without_an_access_code(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("HIPDX_WEB_ACCESS_CODE", raising=False)
    result = CliRunner().invoke(
        cli, ["serve", "--host", "0.0.0.0", "--data-dir", str(tmp_path)], catch_exceptions=False
    )
    assert result.exit_code != 0
    assert "HIPDX_WEB_ACCESS_CODE" in result.output
