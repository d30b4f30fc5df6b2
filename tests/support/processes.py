"""Real ``scimbridge`` processes for multi-process tests; stopped when the test ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.postgres import free_port


def process_env(
    database_url: str, admin_token: str, overrides: Mapping[str, str | None] | None = None
) -> dict[str, str]:
    """The environment of a test process; ``overrides`` set (or, with None, unset) names."""
    env = {
        **os.environ,
        "SCIMBRIDGE_DATABASE_URL": database_url,
        "SCIMBRIDGE_ADMIN_TOKEN": admin_token,
        "SCIMBRIDGE_SECRET_KEY": "test-secret-key",
        "SCIMBRIDGE_WEBHOOK_ALLOW_PRIVATE": "true",
        "SCIMBRIDGE_WEBHOOK_RETRY_SCALE": "0.002",
        "SCIMBRIDGE_WORKER_POLL_INTERVAL": "0.2",
        # A killed worker's lease expires after this long and another worker takes over.
        "SCIMBRIDGE_WORKER_LEASE_SECONDS": "3",
        "SCIMBRIDGE_WEBHOOK_TIMEOUT": "2",
    }
    env.pop("SCIMBRIDGE_PUBLIC_URL", None)
    for name, value in (overrides or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def start(args: list[str], env: dict[str, str], log: Path | None) -> subprocess.Popen[bytes]:
    output = log.open("ab") if log else subprocess.DEVNULL
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "scimbridge", *args],
            env=env,
            stdout=output,
            stderr=output,
            start_new_session=True,
        )
    finally:
        if log:
            output.close()  # type: ignore[union-attr]  # the child keeps its own descriptor


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group, SIGKILL it if it lingers."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def worker_process(
    database_url: str,
    admin_token: str,
    log: Path | None = None,
    env: Mapping[str, str | None] | None = None,
    extra: Sequence[str] = (),
) -> Iterator[subprocess.Popen[bytes]]:
    """``scimbridge worker``; a test may kill it itself (then this only reaps it)."""
    process = start(["worker", *extra], process_env(database_url, admin_token, env), log)
    try:
        yield process
    finally:
        if process.poll() is None:
            stop(process)


@contextmanager
def serve_process(
    database_url: str, admin_token: str, *extra: str, log: Path | None = None
) -> Iterator[str]:
    """``scimbridge serve`` on a free port of 127.0.0.1; yields its base URL."""
    with serving(database_url, admin_token, *extra, log=log) as (base_url, _):
        yield base_url


@contextmanager
def serving(
    database_url: str,
    admin_token: str,
    *extra: str,
    log: Path | None = None,
    env: Mapping[str, str | None] | None = None,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``scimbridge serve`` once ready: its base URL and its process (a test may stop it)."""
    port = free_port()
    process = start(
        ["serve", "--host", "127.0.0.1", "--port", str(port), *extra],
        process_env(database_url, admin_token, env),
        log,
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
        yield base_url, process
    finally:
        stop(process)
