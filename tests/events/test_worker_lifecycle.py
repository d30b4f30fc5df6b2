"""Stopping and crashing real worker processes (issue 11 §2), on both databases.

- SIGTERM to ``scimbridge worker`` or to ``scimbridge serve`` (embedded worker) while a
  slow receiver holds a delivery: the process exits within its shutdown deadline, the
  lease is released, and a second worker (with a 60 s lease, so waiting for an expiry
  would show) delivers everything next, in order.
- ``kill -9`` of the worker holding a directory, with the default lease: the other
  worker takes the directory over within seconds (the heartbeat scheme), not after a
  long lease, and nothing is lost or reordered.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from scimbridge.store.engine import create_db_engine
from tests.conftest import ADMIN_TOKEN
from tests.factories import user_resource
from tests.support.delivery import cursor
from tests.support.processes import serving, worker_process
from tests.support.receiver import Arrivals, webhook_receiver

pytestmark = pytest.mark.slow

SHUTDOWN_TIMEOUT = 1.0
STOPPING = {
    "SCIMBRIDGE_SHUTDOWN_TIMEOUT": str(SHUTDOWN_TIMEOUT),
    "SCIMBRIDGE_WEBHOOK_TIMEOUT": "30",  # the slow receiver is slow, not timed out
    "SCIMBRIDGE_WORKER_LEASE_SECONDS": "60",  # a lease left behind would stall the next
}
EVENTS = 5


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def provision(base_url: str, webhook_url: str, users: int) -> str:
    """A directory delivering to ``webhook_url``, with ``users`` users created over SCIM."""
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    directory = httpx.post(
        f"{base_url}/api/v1/directories",
        json={"name": "L", "tenant": "l", "provider": "generic", "webhook_url": webhook_url},
        headers=headers,
        timeout=30,
    ).json()
    with httpx.Client(
        base_url=f"{base_url}/scim/v2/{directory['id']}",
        headers={"Authorization": f"Bearer {directory['scim_token']}"},
        timeout=30,
    ) as scim:
        for _ in range(users):
            assert scim.post("/Users", json=user_resource()).status_code == 201
    return str(directory["id"])


def lease_of(database_url: str, directory_id: str) -> Any:
    engine = create_db_engine(database_url)
    try:
        return cursor(engine, directory_id)
    finally:
        engine.dispose()


@contextmanager
def delivering_process(
    kind: str, url: str, tmp_path: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The API's base URL and the process that delivers (the one the test stops)."""
    with ExitStack() as stack:
        if kind == "serve":
            base, process = stack.enter_context(
                serving(url, ADMIN_TOKEN, log=tmp_path / "serve.log", env=STOPPING)
            )
        else:
            base, _ = stack.enter_context(
                serving(url, ADMIN_TOKEN, "--no-worker", log=tmp_path / "serve.log")
            )
            process = stack.enter_context(
                worker_process(url, ADMIN_TOKEN, tmp_path / "worker.log", env=STOPPING)
            )
        yield base, process


@pytest.mark.parametrize("kind", ["worker", "serve"])
def test_sigterm_stops_within_the_deadline_and_hands_over_at_once(
    databases, tmp_path: Path, kind: str
) -> None:
    url = databases.new_url()
    arrivals = Arrivals(delay=8.0)  # far beyond the 1 s shutdown deadline
    with webhook_receiver(arrivals) as receiver:
        with delivering_process(kind, url, tmp_path) as (base, process):
            directory_id = provision(base, receiver.url, EVENTS)
            wait_for(arrivals.sequences, 60, "the first delivery never started")
            stopped_at = time.monotonic()
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=SHUTDOWN_TIMEOUT + 9)
            except subprocess.TimeoutExpired:
                pytest.fail(f"{kind} still running 10 s after SIGTERM")
            stopping = time.monotonic() - stopped_at
        state = lease_of(url, directory_id)
        assert state.lease_owner is None, "the stopping process released its lease"
        assert state.last_acked_sequence == 0
        arrivals.delay = 0
        with worker_process(url, ADMIN_TOKEN, tmp_path / "next.log", env=STOPPING):
            # Well inside the next worker's 60 s lease: it did not wait for an expiry.
            wait_for(
                lambda: arrivals.distinct().get(directory_id) == list(range(1, EVENTS + 1)),
                30,
                f"the next worker did not deliver everything: {arrivals.distinct()}",
            )
    print(f"{kind}: exited {stopping:.2f} s after SIGTERM")


def test_kill_9_hands_a_directory_to_another_worker_within_seconds(
    databases, tmp_path: Path
) -> None:
    url = databases.new_url()
    default_lease = {"SCIMBRIDGE_WORKER_LEASE_SECONDS": None}
    arrivals = Arrivals(delay=0.2)
    with ExitStack() as stack:
        receiver = stack.enter_context(webhook_receiver(arrivals))
        base, _ = stack.enter_context(
            serving(url, ADMIN_TOKEN, "--no-worker", log=tmp_path / "serve.log")
        )
        workers = [
            stack.enter_context(
                worker_process(url, ADMIN_TOKEN, tmp_path / f"worker{i}.log", env=default_lease)
            )
            for i in range(2)
        ]
        directory_id = provision(base, receiver.url, 40)
        wait_for(lambda: len(arrivals.sequences()) >= 3, 60, "deliveries never started")
        owner = lease_of(url, directory_id).lease_owner
        victim = next(w for w in workers if owner and owner.split(":")[1] == str(w.pid))
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        killed_at = time.monotonic()
        # A request the victim wrote just before dying may still land right after.
        wait_for(lambda: arrivals.first_after(killed_at + 0.5), 30, "no worker took over")
        takeover = (arrivals.first_after(killed_at + 0.5) or 0) - killed_at
        wait_for(
            lambda: arrivals.distinct().get(directory_id) == list(range(1, 41)),
            60,
            f"not everything arrived in order: {arrivals.distinct()}",
        )
    assert takeover < 15, f"takeover took {takeover:.1f} s"
    print(f"takeover after kill -9: {takeover:.2f} s")
