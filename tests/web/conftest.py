"""A real ``hipdx serve`` on a loopback port and Debian's chromium driven by Playwright.

Every page a test looks at goes through `Look`: a screenshot is saved (``HIPDX_SCREENSHOTS``,
default ``build/web-screenshots``) and axe-core is run in the page; serious or critical
accessibility violations fail the test.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from webtools import Look, WebServer

from hipdx.service.local import prepare_database, start_server

playwright_sync = pytest.importorskip("playwright.sync_api")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    folder = tmp_path_factory.mktemp("web")
    url = f"sqlite:///{folder / 'web.sqlite3'}"
    prepare_database(url, key_name="web-tests")
    server = WebServer(url, folder, start_server(url, log=folder / "server.log"))
    yield server
    server.server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed: CI must run the browser tests")
        pytest.skip("Debian's chromium is not installed (bash scripts/install-chromium.sh)")
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    folder = Path(os.environ.get("HIPDX_SCREENSHOTS", ROOT / "build" / "web-screenshots"))
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def look(request: pytest.FixtureRequest, screenshots: Path) -> Look:
    test = re.sub(r"[^a-z0-9]+", "-", request.node.name.removeprefix("test_").lower())[:40]
    return Look(screenshots, test)


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 1100, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()
