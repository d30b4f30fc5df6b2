"""Builders for the setup portal's tests: links, the IT admin's browser-like client."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from scimbridge.store.engine import create_db_engine
from scimbridge.store.tables import setup_links
from tests.support.clients import Directory
from tests.support.server import RunningServer

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def new_link(admin: httpx.Client, directory: Directory) -> dict:
    response = admin.post(f"/api/v1/directories/{directory.id}/setup-link")
    assert response.status_code == 201, response.text
    link: dict = response.json()
    return link


def link_token(link: dict) -> str:
    return str(link["url"]).rsplit("/", 1)[1]


@pytest.fixture
def it_admin() -> Iterator[httpx.Client]:
    """The customer's IT admin: no admin token, keeps cookies like a browser."""
    with httpx.Client(timeout=30, follow_redirects=False) as client:
        yield client


def csrf_of(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def submit(client: httpx.Client, link: dict, **fields: str) -> httpx.Response:
    """Open the page (cookie + field), then post its form as the browser would."""
    page = client.get(link["url"])
    assert page.status_code == 200, page.text
    return client.post(link["url"], data={"csrf_token": csrf_of(page.text), **fields})


def expire(server: RunningServer, link: dict) -> None:
    """Move the link's lifetime into the past, as if its days had passed."""
    engine = create_db_engine(server.database_url)
    try:
        with engine.begin() as connection:
            row = connection.execute(
                setup_links.select().where(setup_links.c.id == link["id"])
            ).one()
            connection.execute(
                update(setup_links)
                .where(setup_links.c.id == link["id"])
                .values(
                    created_at=row.created_at - timedelta(days=8),
                    expires_at=row.created_at - timedelta(days=1),
                )
            )
    finally:
        engine.dispose()


# Browser fixtures, copied from the console's tests/web/conftest.py (kept apart so the two
# test trees can change alone): Debian's Chromium, never a `playwright install` download,
# with every call-home feature off, so the only traffic is to 127.0.0.1.
CHROMIUM = os.environ.get("SCIMBRIDGE_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).parent.parent / "screenshots"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per module; each test opens its own context (cookies apart).

    Module, not session: Playwright's sync API keeps an asyncio loop running in the main
    thread while it is open, and later tests that call ``asyncio.run`` would fail.
    """
    playwright_sync = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package")
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh browser profile: no cookies or storage shared with other tests."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(15_000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Any, str], Path]:
    """``screenshot(page, "name")`` saves a full-page PNG under tests/web/screenshots/."""
    SCREENSHOTS.mkdir(exist_ok=True)
    backend = getattr(getattr(request.node, "callspec", None), "id", "")

    def save(page: Any, name: str) -> Path:
        path = SCREENSHOTS / (f"{name}-{backend}.png" if backend else f"{name}.png")
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
