"""The real app under uvicorn, on 127.0.0.1, in a background thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import uvicorn

from scimbridge.api.headers import server_options
from scimbridge.app import create_app
from scimbridge.config import Settings
from tests.support.postgres import free_port


@dataclass(frozen=True)
class RunningServer:
    base_url: str
    admin_token: str
    database_url: str
    settings: Settings


@contextmanager
def running_server(settings: Settings) -> Iterator[RunningServer]:
    port = free_port()
    settings = settings.model_copy(update={"port": port, "host": "127.0.0.1"})
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        **server_options(),
        proxy_headers=False,  # as `scimbridge serve` runs it (cli.py)
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200 and server.started:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.05)
    try:
        # No pinned token: the test reads or resets the stored one itself.
        token = settings.admin_token or ""
        yield RunningServer(base_url, token, settings.database_url, settings)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
