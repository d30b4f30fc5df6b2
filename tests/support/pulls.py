"""Black-box helpers for pull directories: a server whose sync cooldown is off (the tests
sync again right away), a sync requested and waited for through the admin API only, and
the events a run wrote."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.support.clients import all_events
from tests.support.server import RunningServer

_WAIT_SECONDS = 60


def pull_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """A real server (embedded worker on, so the scheduler runs) on ``request.param``'s
    database, with no cooldown between manual syncs."""
    from tests.conftest import make_settings
    from tests.support.postgres import create_database
    from tests.support.server import running_server

    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("pull-db") / "server.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = create_database(
            request.getfixturevalue("postgres_admin_url"),
            template=request.getfixturevalue("postgres_template"),
        )
    with running_server(make_settings(url, sync_cooldown_seconds=0)) as running:
        yield running


def runs(admin: httpx.Client, directory_id: str) -> list[dict[str, Any]]:
    response = admin.get(f"/api/v1/directories/{directory_id}/syncs", params={"limit": 100})
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


def wait_for_run(admin: httpx.Client, directory_id: str, since: str) -> dict[str, Any]:
    """The newest run once it started at or after ``since`` and finished.

    A new pull directory is due at once, so the scheduler may already be running a sync
    when the test asks for one; the run that answers the request is the one that started
    after it. Bounded: fails after a minute instead of waiting forever."""
    after = datetime.fromisoformat(since)
    deadline = time.monotonic() + _WAIT_SECONDS
    while True:
        listed = runs(admin, directory_id)
        newest = listed[0] if listed else None
        if (
            newest is not None
            and datetime.fromisoformat(newest["started_at"]) >= after
            and newest["outcome"] != "running"
        ):
            return newest
        if time.monotonic() > deadline:
            raise AssertionError(f"no finished run since {since}: {listed[:1]}")
        time.sleep(0.1)


def first_run(admin: httpx.Client, directory_id: str) -> dict[str, Any]:
    """The directory's first run, once finished (the scheduler starts it on create)."""
    return wait_for_run(admin, directory_id, "1970-01-01T00:00:00Z")


def sync(admin: httpx.Client, directory_id: str) -> dict[str, Any]:
    """``POST …/sync`` as a user would, then the run it caused, once finished."""
    response = admin.post(f"/api/v1/directories/{directory_id}/sync")
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "queued"
    return wait_for_run(admin, directory_id, response.json()["requested_at"])


class EventLog:
    """Reads a directory's feed and answers the events written since the last read."""

    def __init__(self, admin: httpx.Client, directory_id: str) -> None:
        self.admin, self.directory_id, self.seen = admin, directory_id, 0

    def new(self) -> list[dict[str, Any]]:
        events = all_events(self.admin, self.directory_id)
        fresh, self.seen = events[self.seen :], len(events)
        return fresh

    def new_types(self) -> list[str]:
        return sorted(event["type"] for event in self.new())


def directory_state(admin: httpx.Client, directory_id: str) -> dict[str, Any]:
    response = admin.get(f"/api/v1/directories/{directory_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def listed(admin: httpx.Client, directory_id: str, kind: str) -> list[dict[str, Any]]:
    """Every user or group (``kind``) of a directory through the admin API."""
    found: list[dict[str, Any]] = []
    after = None
    while True:
        params: dict[str, Any] = {"limit": 100}
        if after:
            params["after"] = after
        response = admin.get(f"/api/v1/directories/{directory_id}/{kind}", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        found.extend(page["data"])
        after = page.get("list_metadata", {}).get("after")
        if not after or not page["data"]:
            return found


def assert_no_secret(payload: object, *secrets: str) -> None:
    text = str(payload)
    for secret in secrets:
        assert secret not in text


def held_then_approved(
    admin: httpx.Client, directory_id: str, held: dict[str, Any], feed: EventLog
) -> list[str]:
    """Check ``held`` changed nothing, approve it as an admin would, and answer the
    event types the approval wrote (the directory is ``active`` again)."""
    assert held["outcome"] == "held", held
    assert held["error"]["kind"] == "held"
    assert directory_state(admin, directory_id)["state"] == "held"
    assert feed.new() == []
    assert all(u["active"] for u in listed(admin, directory_id, "users"))
    response = admin.post(f"/api/v1/directories/{directory_id}/syncs/{held['id']}/approve")
    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "approved"
    assert directory_state(admin, directory_id)["state"] == "active"
    return feed.new_types()


def write_user(database_url: str, directory_id: str, resource: dict[str, Any]) -> None:
    """Create a user through the write path itself, as a writer racing a run would; SCIM
    refuses writes to a pull directory, so this is the way to change one under a test."""
    from scimbridge.directory import commands
    from scimbridge.store import unit_of_work
    from scimbridge.store.engine import create_db_engine
    from scimbridge.store.resources import SqlDirectoryStore

    engine = create_db_engine(database_url)
    try:
        now = datetime.now(UTC)
        with unit_of_work.write(engine) as connection:
            writer = commands.open_writer(SqlDirectoryStore(connection, now), directory_id, now)
            commands.create_user(writer, resource)
            writer.flush()
    finally:
        engine.dispose()
