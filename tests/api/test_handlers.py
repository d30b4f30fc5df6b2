"""The catch-all error handler: a client that hangs up mid-request is not an error.

The real application (``create_app``, its lifespan and whole middleware stack) driven
directly over ASGI, so the disconnect arrives exactly where a real one would: while the
SCIM route is reading the body.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from fastapi import FastAPI

from scimbridge.app import create_app
from scimbridge.runtime import Runtime
from scimbridge.services import directories as directory_service
from scimbridge.services.audit import cli_actor
from tests.conftest import make_settings

Message = dict[str, Any]


@asynccontextmanager
async def started(app: FastAPI) -> AsyncIterator[Runtime]:
    """Run the app's lifespan (startup before the block, shutdown after)."""
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    outbox: asyncio.Queue[Message] = asyncio.Queue()
    await inbox.put({"type": "lifespan.startup"})
    task = asyncio.create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, inbox.get, outbox.put)
    )
    assert (await outbox.get())["type"] == "lifespan.startup.complete"
    try:
        yield app.state.runtime
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        assert (await outbox.get())["type"] == "lifespan.shutdown.complete"
        await task


def http_scope(method: str, path: str, headers: list[tuple[bytes, bytes]]) -> Message:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def post_then_hang_up(app: FastAPI, runtime: Runtime) -> list[Message]:
    created = directory_service.create_directory(
        runtime,
        directory_service.DirectoryInput(name="Acme", tenant="acme", provider="okta"),
        actor=cli_actor(),
    )
    arriving = [
        {"type": "http.request", "body": b'{"schemas": ["urn:ietf', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return arriving.pop(0) if arriving else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    headers = [
        (b"authorization", f"Bearer {created['scim_token']}".encode()),
        (b"content-type", b"application/scim+json"),
        (b"content-length", b"4000"),
    ]
    await app(http_scope("POST", f"/scim/v2/{created['id']}/Users", headers), receive, send)
    return sent


def test_a_client_that_disconnects_mid_body_is_not_logged_as_an_error(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(make_settings(database_url, embedded_worker=False))

    async def scenario() -> list[Message]:
        async with started(app) as runtime:
            return await post_then_hang_up(app, runtime)

    with caplog.at_level(logging.DEBUG, logger="scimbridge"):
        sent = asyncio.run(scenario())
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert errors == [], [r.getMessage() for r in errors]
    assert "client went away during POST" in caplog.text
    assert sent == []  # nobody to answer
