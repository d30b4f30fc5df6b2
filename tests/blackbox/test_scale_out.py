"""Scale-out on PostgreSQL: several server processes and several workers, one database.

The production shape of the README: two ``scimbridge serve --workers 2 --no-worker``
commands (four server processes, two ports standing in for a load balancer) and two
``scimbridge worker`` processes share one PostgreSQL. SCIM traffic for several directories
goes through both servers at once, every request on its own connection. Afterwards:

- each directory's events feed is numbered 1..N with no gap and no repeat, and N is
  exactly the number of changes the servers acknowledged;
- each directory holds exactly the users and groups that were created (none lost, none
  twice) in the state the last acknowledged change left them;
- the webhook receiver got every event, per directory in sequence order, byte for byte
  the event of the feed.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from typing import Any

import httpx
import pytest

from tests.conftest import ADMIN_TOKEN
from tests.factories import group_resource, members, patch_body, user_resource
from tests.support.postgres import create_database
from tests.support.processes import serve_process, worker_process
from tests.support.receiver import Answer, Received, webhook_receiver

pytestmark = pytest.mark.slow

DIRECTORIES = 4
JOBS_PER_DIRECTORY = 10
EVENTS_PER_JOB = 4  # user.created, group.created, group.user_added, user.deactivated


def _provision(base: str, directory: dict[str, Any], job: int) -> None:
    """What an IdP does for one person: create, put in a group, deactivate."""
    headers = {"Authorization": f"Bearer {directory['scim_token']}"}
    with httpx.Client(
        base_url=f"{base}/scim/v2/{directory['id']}", headers=headers, timeout=60
    ) as client:
        user = client.post("/Users", json=user_resource(userName=f"person{job}@example.com"))
        assert user.status_code == 201, user.text
        user_id = user.json()["id"]
        group = client.post(
            "/Groups", json=group_resource(displayName=f"Team {job}", members=members(user_id))
        )
        assert group.status_code == 201, group.text
        deactivate = client.patch(
            f"/Users/{user_id}", json=patch_body({"op": "replace", "value": {"active": False}})
        )
        assert deactivate.status_code == 200, deactivate.text


def _feed(admin: httpx.Client, base: str, directory_id: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    params: dict[str, Any] = {"directory_id": directory_id, "limit": 100}
    while True:
        page = admin.get(f"{base}/api/v1/events", params=params).json()
        events.extend(page["data"])
        if not page["data"]:
            return events
        params["after"] = page["list_metadata"]["after"]


def _all(admin: httpx.Client, url: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 100}
    while True:
        page = admin.get(url, params=params).json()
        items.extend(page["data"])
        after = page["list_metadata"].get("after")
        if not page["data"] or not after:
            return items
        params["after"] = after


def _arrivals(received: list[Received]) -> dict[str, list[dict[str, Any]]]:
    """Per directory, the events in arrival order, a redelivered event counted once."""
    order: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in received:
        event = json.loads(item.body)
        arrived = order[event["directory_id"]]
        if not arrived or arrived[-1]["sequence"] != event["sequence"]:
            arrived.append(event)
    return order


def test_servers_and_workers_scale_out_on_postgresql(
    postgres_admin_url: str, postgres_template: str, tmp_path
) -> None:
    url = create_database(postgres_admin_url, template=postgres_template)
    with ExitStack() as stack:
        receiver = stack.enter_context(webhook_receiver(lambda _: Answer(200)))
        bases = [
            stack.enter_context(
                serve_process(
                    url, ADMIN_TOKEN, "--workers", "2", "--no-worker", log=tmp_path / f"s{i}.log"
                )
            )
            for i in range(2)
        ]
        for i in range(2):
            stack.enter_context(worker_process(url, ADMIN_TOKEN, log=tmp_path / f"w{i}.log"))
        admin = stack.enter_context(
            httpx.Client(headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=60)
        )
        directories = [
            admin.post(
                f"{bases[i % 2]}/api/v1/directories",
                json={
                    "name": f"Tenant {i}",
                    "tenant": f"tenant-{i}",
                    "provider": "generic",
                    "webhook_url": receiver.url,
                },
            ).json()
            for i in range(DIRECTORIES)
        ]
        jobs = range(DIRECTORIES * JOBS_PER_DIRECTORY)
        with ThreadPoolExecutor(max_workers=12) as pool:
            list(
                pool.map(
                    lambda job: _provision(bases[job % 2], directories[job % DIRECTORIES], job),
                    jobs,
                )
            )
        expected = JOBS_PER_DIRECTORY * EVENTS_PER_JOB

        for index, directory in enumerate(directories):
            feed = _feed(admin, bases[index % 2], directory["id"])
            assert [e["sequence"] for e in feed] == list(range(1, expected + 1))
            assert all(e["directory_id"] == directory["id"] for e in feed)

            users = _all(admin, f"{bases[0]}/api/v1/directories/{directory['id']}/users")
            wanted = {f"person{job}@example.com" for job in jobs if job % DIRECTORIES == index}
            assert sorted(u["username"] for u in users) == sorted(wanted)
            assert not any(u["active"] for u in users)
            assert all(len(u["groups"]) == 1 for u in users)
            groups = _all(admin, f"{bases[1]}/api/v1/directories/{directory['id']}/groups")
            assert len(groups) == JOBS_PER_DIRECTORY
            assert len({g["name"] for g in groups}) == JOBS_PER_DIRECTORY

        deadline = time.monotonic() + 120
        while True:
            arrived = _arrivals(receiver.received)
            if sum(len(events) for events in arrived.values()) >= expected * DIRECTORIES:
                break
            assert time.monotonic() < deadline, {d: len(e) for d, e in arrived.items()}
            time.sleep(0.1)
        for index, directory in enumerate(directories):
            feed = _feed(admin, bases[index % 2], directory["id"])
            assert arrived[directory["id"]] == feed  # every event, in order, as the feed has it
