"""Browser fixtures: Debian's Chromium driven by Playwright, against a real server.

Chromium is the system one (``/usr/bin/chromium``, installed with apt), never a browser
downloaded by ``playwright install``: the tests run without internet. The flags switch
off everything that would make Chromium call home (component updates, sync, background
networking), so the only traffic is to the test server on 127.0.0.1.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ADMIN_TOKEN, make_settings
from tests.support.server import RunningServer, running_server

playwright_sync = pytest.importorskip("playwright.sync_api")

CHROMIUM = os.environ.get("SCIMBRIDGE_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"


@pytest.fixture(scope="module")
def browser() -> Iterator[playwright_sync.Browser]:
    """One Chromium per test module; each test opens its own context (cookies apart).

    Module, not session: while it is open, Playwright's sync API keeps an asyncio loop
    running in the main thread, and a later test that calls ``asyncio.run`` would fail.
    """
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package")
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def context(browser: playwright_sync.Browser) -> Iterator[playwright_sync.BrowserContext]:
    """A fresh browser profile: no cookies or storage shared with other tests."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(15_000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(context: playwright_sync.BrowserContext) -> playwright_sync.Page:
    return context.new_page()


@pytest.fixture
def web_server(database_url: str) -> Iterator[RunningServer]:
    """A real server on a fresh database of each backend, the admin token pinned."""
    with running_server(make_settings(database_url)) as server:
        yield server


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> object:
    """``screenshot(page, "name")`` saves a full-page PNG under tests/web/screenshots/."""
    SCREENSHOTS.mkdir(exist_ok=True)
    backend = getattr(getattr(request.node, "callspec", None), "id", "")

    def save(page: playwright_sync.Page, name: str) -> Path:
        path = SCREENSHOTS / (f"{name}-{backend}.png" if backend else f"{name}.png")
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


__all__ = ["ADMIN_TOKEN"]
