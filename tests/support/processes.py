"""Real ``scimbridge`` processes for multi-process tests; killed when the test ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.postgres import free_port


@contextmanager
def serve_process(
    database_url: str, admin_token: str, *extra: str, log: Path | None = None
) -> Iterator[str]:
    """``scimbridge serve`` on a free port of 127.0.0.1; yields its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "SCIMBRIDGE_DATABASE_URL": database_url,
        "SCIMBRIDGE_ADMIN_TOKEN": admin_token,
        "SCIMBRIDGE_SECRET_KEY": "test-secret-key",
        "SCIMBRIDGE_WEBHOOK_ALLOW_PRIVATE": "true",
    }
    env.pop("SCIMBRIDGE_PUBLIC_URL", None)
    output = log.open("wb") if log else subprocess.DEVNULL
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scimbridge",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *extra,
        ],
        env=env,
        stdout=output,
        stderr=output,
        start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"scimbridge serve exited with {process.returncode}")
            try:
                if httpx.get(f"{base_url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("scimbridge serve did not become ready")
            time.sleep(0.1)
        yield base_url
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if log:
            output.close()  # type: ignore[union-attr]
