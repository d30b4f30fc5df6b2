"""The global events feed never reorders, on PostgreSQL with several server processes.

Issue 11 §1: ordered by transaction id, the feed gave about 7 % of one directory's events
out of sequence under 16 concurrent writers, and an application replaying it ended with
the wrong memberships. Here three server processes (``scimbridge serve --workers 3``, each
with its own connection pool) take 16 concurrent writers on one directory and 16 more
spread over three others, all adding and removing the same few users in the same few
groups, while a poller follows ``GET /api/v1/events`` (no ``directory_id``) page by page
with a small limit. Users and groups are then deleted and created with the poller still
following. Afterwards:

- every directory's events in the polled feed are exactly its sequences 1..n, each once;
- replaying the polled feed rebuilds exactly the memberships the admin API holds.
"""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from typing import Any

import httpx
import pytest

from tests.conftest import ADMIN_TOKEN
from tests.factories import group_resource, members, patch_body, user_resource
from tests.support.clients import all_events
from tests.support.postgres import create_database
from tests.support.processes import serve_process

pytestmark = pytest.mark.slow

SERVERS = 3  # server processes behind one port (`serve --workers 3`)
WRITERS = 16
CHANGES_PER_WRITER = 10
USERS, GROUPS = 4, 2
POLL_LIMIT = 5

Memberships = dict[str, set[str]]  # group id → user ids


class Tenant:
    """One directory, its SCIM client (a connection per concurrent request), its users and
    groups."""

    def __init__(self, stack: ExitStack, admin: httpx.Client, n: int) -> None:
        created = admin.post(
            "/api/v1/directories", json={"name": f"D{n}", "tenant": f"t{n}", "provider": "generic"}
        )
        assert created.status_code == 201, created.text
        self.id: str = created.json()["id"]
        headers = {"Authorization": f"Bearer {created.json()['scim_token']}"}
        scim_url = f"{admin.base_url}/scim/v2/{self.id}"
        self.scim = stack.enter_context(
            httpx.Client(base_url=scim_url, headers=headers, timeout=60)
        )
        self.users = [self.create("/Users", user_resource()) for _ in range(USERS)]
        self.groups = [self.create("/Groups", group_resource()) for _ in range(GROUPS)]

    def create(self, path: str, body: dict[str, Any]) -> str:
        response = self.scim.post(path, json=body)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def change_membership(self, chooser: random.Random) -> None:
        group, user = chooser.choice(self.groups), chooser.choice(self.users)
        if chooser.random() < 0.5:
            operation = {"op": "add", "path": "members", "value": members(user)}
        else:
            operation = {"op": "remove", "path": f'members[value eq "{user}"]'}
        response = self.scim.patch(f"/Groups/{group}", json=patch_body(operation))
        assert response.status_code in (200, 204), response.text

    def turn_over(self) -> None:
        """Delete a user and a group, create new ones and give them members."""
        for path, ids in (("/Users", self.users), ("/Groups", self.groups)):
            response = self.scim.delete(f"{path}/{ids.pop(0)}")
            assert response.status_code == 204, response.text
        self.users.append(self.create("/Users", user_resource()))
        self.groups.append(self.create("/Groups", group_resource()))
        for group in self.groups:
            add = {"op": "add", "path": "members", "value": members(*self.users[-2:])}
            response = self.scim.patch(f"/Groups/{group}", json=patch_body(add))
            assert response.status_code in (200, 204), response.text


class Poller:
    """Follows the global feed until told the writers are done and it has caught up."""

    def __init__(self, admin: httpx.Client) -> None:
        self.admin = admin
        self.events: list[dict[str, Any]] = []
        self.writing = threading.Event()
        self.writing.set()

    def run(self) -> None:
        after: str | None = None
        for _ in range(100_000):
            still_writing = self.writing.is_set()
            params: dict[str, Any] = {"limit": POLL_LIMIT, **({"after": after} if after else {})}
            response = self.admin.get("/api/v1/events", params=params)
            assert response.status_code == 200, response.text
            page = response.json()
            self.events.extend(page["data"])
            after = page["list_metadata"]["after"]
            # Everything was acknowledged before this request began: an empty page is the end.
            if not page["data"] and not still_writing:
                return
        raise AssertionError("the poller never caught up")


def replay(events: list[dict[str, Any]]) -> dict[str, Memberships]:
    """What an application following the feed believes each directory's groups hold."""
    state: dict[str, Memberships] = defaultdict(lambda: defaultdict(set))
    for event in events:
        groups, data = state[event["directory_id"]], event["data"]
        if event["type"] == "group.user_added":
            groups[data["group"]["id"]].add(data["user"]["id"])
        elif event["type"] == "group.user_removed":
            groups[data["group"]["id"]].discard(data["user"]["id"])
        elif event["type"] == "group.deleted":
            groups.pop(data["id"], None)
        elif event["type"] == "user.deleted":
            for users in groups.values():
                users.discard(data["id"])
    return {d: {g: u for g, u in groups.items() if u} for d, groups in state.items()}


def stored_memberships(admin: httpx.Client, directory_id: str) -> Memberships:
    groups: Memberships = defaultdict(set)
    params: dict[str, Any] = {"limit": 100}
    while True:
        page = admin.get(f"/api/v1/directories/{directory_id}/users", params=params).json()
        for user in page["data"]:
            for group in user["groups"]:
                groups[group["id"]].add(user["id"])
        if not page["list_metadata"].get("after"):
            return dict(groups)
        params["after"] = page["list_metadata"]["after"]


def test_global_feed_keeps_order_under_concurrent_writers_on_postgresql(
    postgres_admin_url: str, postgres_template: str, tmp_path
) -> None:
    url = create_database(postgres_admin_url, template=postgres_template)
    with ExitStack() as stack:
        base = stack.enter_context(
            serve_process(
                url, ADMIN_TOKEN, "--workers", str(SERVERS), "--no-worker", log=tmp_path / "s.log"
            )
        )
        admin = stack.enter_context(
            httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=60
            )
        )
        solo, *several = [Tenant(stack, admin, n) for n in range(4)]
        poller = Poller(admin)

        def write(writer: int) -> None:
            chooser = random.Random(writer)
            for _ in range(CHANGES_PER_WRITER):
                tenant = solo if writer < WRITERS else chooser.choice(several)
                tenant.change_membership(chooser)

        with ThreadPoolExecutor(max_workers=2 * WRITERS + 1) as pool:
            polling = pool.submit(poller.run)
            list(pool.map(write, range(2 * WRITERS)))
            list(pool.map(Tenant.turn_over, [solo, *several]))
            poller.writing.clear()
            polling.result()

        polled = poller.events
        assert len({e["id"] for e in polled}) == len(polled), "an event came twice"
        sequences: dict[str, list[int]] = defaultdict(list)
        for event in polled:
            sequences[event["directory_id"]].append(event["sequence"])
        believed = replay(polled)
        for tenant in [solo, *several]:
            count = len(all_events(admin, tenant.id))  # the directory's own feed
            assert sequences[tenant.id] == list(range(1, count + 1))
            assert believed.get(tenant.id, {}) == stored_memberships(admin, tenant.id)
