"""Builders for the setup portal's tests: links, the IT admin's browser-like client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

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
