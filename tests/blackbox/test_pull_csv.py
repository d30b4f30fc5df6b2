"""CSV end to end, as a new user would try it: create a ``csv`` directory, ``POST …/import``
a file (multipart, as a browser form sends it), see users, groups and events arrive and
the run report; ``dry_run``, an invalid file, a snapshot missing most rows (held) and
``mode=upsert``; and the CLI ``scimbridge directories import ID FILE`` (README "Pull
sources", "CSV import")."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import BACKENDS
from tests.support.clients import admin_client, create_directory
from tests.support.csv_files import csv_text
from tests.support.processes import process_env
from tests.support.pulls import (
    EventLog,
    directory_state,
    held_then_approved,
    listed,
    pull_server,
    runs,
)
from tests.support.server import RunningServer

server = pytest.fixture(scope="module", params=BACKENDS)(pull_server)

HEADER = ["id", "user_name", "email", "first_name", "last_name", "active", "groups"]


@pytest.fixture
def admin(server: RunningServer) -> Iterator[httpx.Client]:
    with admin_client(server) as client:
        yield client


@pytest.fixture
def directory_id(admin: httpx.Client, request: pytest.FixtureRequest) -> str:
    tenant = f"csv-{abs(hash(request.node.nodeid))}"
    return create_directory(admin, provider="csv", tenant=tenant).id


def person(n: int, *, active: str = "true", groups: str = "Staff") -> list[str]:
    return [
        f"E{n}",
        f"p{n}@example.com",
        f"p{n}@example.com",
        f"First{n}",
        f"Last{n}",
        active,
        groups,
    ]


def export(*rows: list[str]) -> bytes:
    return csv_text([HEADER, *rows]).encode()


def upload(admin: httpx.Client, directory_id: str, content: bytes, **params: Any) -> httpx.Response:
    return admin.post(
        f"/api/v1/directories/{directory_id}/import",
        params=params,
        files={"file": ("people.csv", content, "text/csv")},
    )


def imported(
    admin: httpx.Client, directory_id: str, content: bytes, **params: Any
) -> dict[str, Any]:
    response = upload(admin, directory_id, content, **params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_import_creates_users_groups_and_events_then_changes_exactly(
    admin: httpx.Client, directory_id: str
) -> None:
    feed = EventLog(admin, directory_id)
    run = imported(admin, directory_id, export(person(1), person(2, groups="Staff;Admins")))
    assert run["trigger"] == "import"
    assert run["outcome"] == "succeeded", run
    counts = {k: v for k, v in run["counts"].items() if v}
    assert counts == {
        "seen_users": 2,
        "created": 2,
        "seen_groups": 2,
        "groups_created": 2,
        "memberships_added": 3,
        "pages_fetched": 1,
        "events": 7,
    }
    assert feed.new_types() == sorted(
        ["user.created"] * 2 + ["group.created"] * 2 + ["group.user_added"] * 3
    )
    assert {u["username"] for u in listed(admin, directory_id, "users")} == {
        "p1@example.com",
        "p2@example.com",
    }
    assert {g["name"] for g in listed(admin, directory_id, "groups")} == {"Staff", "Admins"}
    assert runs(admin, directory_id)[0]["id"] == run["id"]
    state = directory_state(admin, directory_id)
    assert state["state"] == "active"
    assert state["last_sync_at"]

    # The same file again writes nothing.
    again = imported(admin, directory_id, export(person(1), person(2, groups="Staff;Admins")))
    assert again["counts"]["events"] == 0
    assert feed.new_types() == []

    # A rename, a deactivation, a membership removed.
    renamed = person(1, groups="Staff;Admins")
    renamed[3] = "Firstname"
    changed = imported(
        admin, directory_id, export(renamed, person(2, active="false", groups="Staff"))
    )
    assert changed["outcome"] == "succeeded", changed
    assert feed.new_types() == sorted(
        ["user.updated", "user.deactivated", "group.user_added", "group.user_removed"]
    )


def test_dry_run_writes_nothing(admin: httpx.Client, directory_id: str) -> None:
    feed = EventLog(admin, directory_id)
    answer = imported(admin, directory_id, export(person(1), person(2)), dry_run="true")
    assert answer["dry_run"] is True
    assert answer["would_be_held"] is None
    assert answer["counts"]["created"] == 2
    assert answer["changes"]
    assert listed(admin, directory_id, "users") == []
    assert feed.new() == []
    assert directory_state(admin, directory_id)["last_sync_at"] is None


def test_invalid_file_is_400_with_line_numbers_and_nothing_applied(
    admin: httpx.Client, directory_id: str
) -> None:
    bad = export(person(1), ["", "x@example.com", "x@example.com", "", "", "maybe", ""], person(3))
    response = upload(admin, directory_id, bad)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_file"
    assert "line 3" in error["message"]
    problems = error["problems"]  # the same, one object each, for a client to point at
    assert problems
    assert {p["line"] for p in problems} == {3}
    assert all(set(p) == {"line", "column", "message"} and p["message"] for p in problems)
    assert listed(admin, directory_id, "users") == []
    assert EventLog(admin, directory_id).new() == []


def test_snapshot_missing_most_rows_is_held_then_approved(
    admin: httpx.Client, directory_id: str
) -> None:
    everyone = [person(n) for n in range(12)]
    assert imported(admin, directory_id, export(*everyone))["outcome"] == "succeeded"
    feed = EventLog(admin, directory_id)
    feed.new()

    held = imported(admin, directory_id, export(*everyone[:2]))
    assert held_then_approved(admin, directory_id, held, feed) == ["user.deactivated"] * 10


def test_upsert_changes_only_what_it_lists(admin: httpx.Client, directory_id: str) -> None:
    assert imported(admin, directory_id, export(person(1), person(2)))["outcome"] == "succeeded"
    feed = EventLog(admin, directory_id)
    feed.new()
    run = imported(admin, directory_id, export(person(3)), mode="upsert")
    assert run["mode"] == "upsert"
    assert run["outcome"] == "succeeded", run
    assert feed.new_types() == ["group.user_added", "user.created"]
    users = listed(admin, directory_id, "users")
    assert len(users) == 3
    assert all(u["active"] for u in users)


def test_cli_import(
    server: RunningServer, admin: httpx.Client, directory_id: str, tmp_path: Path
) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(export(person(1), person(2)))
    env = process_env(server.database_url, server.admin_token)
    command = [sys.executable, "-m", "scimbridge", "directories", "import", directory_id]
    dry = subprocess.run(
        [*command, str(path), "--dry-run"], env=env, capture_output=True, timeout=120, check=False
    )
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["dry_run"] is True
    assert listed(admin, directory_id, "users") == []

    done = subprocess.run(
        [*command, str(path)], env=env, capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    run = json.loads(done.stdout)
    assert run["outcome"] == "succeeded"
    assert run["counts"]["created"] == 2
    assert runs(admin, directory_id)[0]["id"] == run["id"]
    assert len(listed(admin, directory_id, "users")) == 2
