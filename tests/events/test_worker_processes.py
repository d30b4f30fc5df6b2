"""Delivery guarantees with real processes (RELIABILITY.md §7.3, §7.4).

- ``kill -9`` of a worker while deliveries are in flight loses nothing and keeps order;
  the only duplicates are of events that had not been acknowledged.
- Two ``scimbridge serve`` and two ``scimbridge worker`` processes on one PostgreSQL,
  under concurrent SCIM load for several directories: every event reaches the receiver,
  in per-directory order.
"""

from __future__ import annotations

import json
import signal
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import httpx
import pytest

from tests.conftest import ADMIN_TOKEN
from tests.factories import group_resource, members, user_resource
from tests.support.processes import serve_process, worker_process
from tests.support.receiver import Answer, Received, webhook_receiver

pytestmark = pytest.mark.slow


def admin_client() -> httpx.Client:
    return httpx.Client(headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=60)


def distinct_in_order(received: list[Received]) -> dict[str, list[int]]:
    """Per directory, the sequence numbers in arrival order with repeats collapsed."""
    seen: dict[str, list[int]] = defaultdict(list)
    for item in received:
        event = json.loads(item.body)
        order = seen[event["directory_id"]]
        if not order or order[-1] != event["sequence"]:
            order.append(event["sequence"])
    return seen


def test_kill_9_of_a_worker_loses_nothing(databases, tmp_path) -> None:
    url = databases.new_url()
    slow = lambda _: Answer(200, delay=0.05)  # noqa: E731 - a receiver that keeps deliveries in flight
    with (
        webhook_receiver(slow) as receiver,
        serve_process(url, ADMIN_TOKEN, "--no-worker", log=tmp_path / "serve.log") as base,
        admin_client() as admin,
    ):
        directory = admin.post(
            f"{base}/api/v1/directories",
            json={"name": "K", "tenant": "k", "provider": "generic", "webhook_url": receiver.url},
        ).json()
        scim = httpx.Client(
            base_url=f"{base}/scim/v2/{directory['id']}",
            headers={"Authorization": f"Bearer {directory['scim_token']}"},
            timeout=60,
        )
        for _ in range(30):
            assert scim.post("/Users", json=user_resource()).status_code == 201
        with worker_process(url, ADMIN_TOKEN, log=tmp_path / "worker1.log") as first:
            receiver.wait_for(5, timeout=60)
            first.send_signal(signal.SIGKILL)  # the process group leader; no clean-up runs
            first.wait()
        in_flight_at_kill = len(receiver.received)
        assert in_flight_at_kill < 30, "the worker finished before it could be killed"
        with worker_process(url, ADMIN_TOKEN, log=tmp_path / "worker2.log"):
            deadline = time.monotonic() + 120
            while distinct_in_order(receiver.received).get(directory["id"], []) != list(
                range(1, 31)
            ):
                assert time.monotonic() < deadline, distinct_in_order(receiver.received)
                time.sleep(0.1)
        scim.close()
    order = distinct_in_order(receiver.received)[directory["id"]]
    assert order == list(range(1, 31))
    # Duplicates, if any, are of the one event in flight when the worker died.
    assert len(receiver.received) - 30 <= 1


def test_two_servers_two_workers_on_postgresql_keep_order(
    postgres_admin_url, postgres_template, tmp_path
) -> None:
    from tests.support.postgres import create_database

    url = create_database(postgres_admin_url, template=postgres_template)
    directories_count, users_per_directory = 4, 12
    with ExitStack() as stack:
        receiver = stack.enter_context(webhook_receiver(lambda _: Answer(200, delay=0.005)))
        bases = [
            stack.enter_context(
                serve_process(url, ADMIN_TOKEN, "--no-worker", log=tmp_path / f"serve{i}.log")
            )
            for i in range(2)
        ]
        for i in range(2):
            stack.enter_context(worker_process(url, ADMIN_TOKEN, log=tmp_path / f"worker{i}.log"))
        admin = stack.enter_context(admin_client())
        directories = [
            admin.post(
                f"{bases[0]}/api/v1/directories",
                json={
                    "name": f"D{i}",
                    "tenant": "t",
                    "provider": "generic",
                    "webhook_url": receiver.url,
                },
            ).json()
            for i in range(directories_count)
        ]

        def load(job: int) -> int:
            directory = directories[job % directories_count]
            base = bases[job % 2]
            headers = {"Authorization": f"Bearer {directory['scim_token']}"}
            with httpx.Client(
                base_url=f"{base}/scim/v2/{directory['id']}", headers=headers, timeout=60
            ) as client:
                user = client.post("/Users", json=user_resource())
                assert user.status_code == 201, user.text
                group = client.post(
                    "/Groups", json=group_resource(members=members(user.json()["id"]))
                )
                assert group.status_code == 201, group.text
            return 3  # user.created, group.created, group.user_added

        with ThreadPoolExecutor(max_workers=12) as pool:
            expected = sum(pool.map(load, range(directories_count * users_per_directory)))

        deadline = time.monotonic() + 120
        while sum(len(v) for v in distinct_in_order(receiver.received).values()) < expected:
            assert time.monotonic() < deadline, "not every event arrived"
            time.sleep(0.1)
    order = distinct_in_order(receiver.received)
    assert len(order) == directories_count
    for directory in directories:
        assert order[directory["id"]] == list(range(1, 3 * users_per_directory + 1))
