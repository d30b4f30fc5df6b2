"""Google Workspace end to end, as a new user would try it: create a ``google`` directory
with a service account pointed at the fake Directory API (a real HTTP server on
127.0.0.1, tests/support/fake_google_server.py), ``POST …/sync``, read the run report,
the users, groups and events through the admin API only (README "Pull sources")."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import BACKENDS
from tests.connectors.google_fixtures import sa_connection
from tests.support.clients import admin_client, create_directory
from tests.support.fake_google import ALL_SCOPES, SCOPE, FakeGoogle, new_key
from tests.support.fake_google_server import fake_google
from tests.support.pulls import (
    EventLog,
    assert_no_secret,
    directory_state,
    first_run,
    held_then_approved,
    listed,
    pull_server,
    runs,
    sync,
)
from tests.support.server import RunningServer

server = pytest.fixture(scope="module", params=BACKENDS)(pull_server)


@pytest.fixture
def admin(server: RunningServer) -> Iterator[httpx.Client]:
    with admin_client(server) as client:
        yield client


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    with fake_google() as fake:
        fake.add_admin("admin@example.com")
        yield fake


def google_directory(
    admin: httpx.Client, google: FakeGoogle, **extra: Any
) -> tuple[str, dict[str, Any]]:
    connection = sa_connection(google, new_key())
    directory = create_directory(
        admin, provider="google", tenant=f"g{id(google)}", connection=connection, **extra
    )
    return directory.id, connection


def by_name(admin: httpx.Client, directory_id: str) -> dict[str, dict[str, Any]]:
    return {u["username"]: u for u in listed(admin, directory_id, "users")}


def test_first_sync_then_each_change_emits_exactly_its_events(
    admin: httpx.Client, google: FakeGoogle
) -> None:
    ada = google.add_user("ada@example.com", "Ada", "Lovelace")
    alan = google.add_user("alan@example.com", "Alan", "Turing")
    eng = google.add_group("eng@example.com", "Engineering")
    google.add_member(eng, ada)
    directory_id, connection = google_directory(admin, google)
    feed = EventLog(admin, directory_id)

    # A new pull directory is due at once: the scheduler runs its first sync.
    run = first_run(admin, directory_id)
    assert run["outcome"] == "succeeded", run
    assert run["trigger"] == "scheduled"
    assert run["error"] is None
    assert run["finished_at"] >= run["started_at"]
    counts = {k: v for k, v in run["counts"].items() if v}
    assert counts == {
        "seen_users": 3,
        "created": 3,
        "seen_groups": 1,
        "groups_created": 1,
        "memberships_added": 1,
        "pages_fetched": 3,  # users, groups, one group's members
        "events": 5,
    }
    users = by_name(admin, directory_id)
    assert set(users) == {"admin@example.com", "ada@example.com", "alan@example.com"}
    groups = listed(admin, directory_id, "groups")
    assert [g["name"] for g in groups] == ["Engineering"]
    assert feed.new_types() == sorted(["user.created"] * 3 + ["group.created", "group.user_added"])
    state = directory_state(admin, directory_id)
    assert state["state"] == "active"
    assert state["last_sync_at"]

    # Nothing changed in Google: nothing is written.
    quiet = sync(admin, directory_id)
    assert quiet["trigger"] == "manual"
    assert quiet["outcome"] == "succeeded"
    assert quiet["counts"]["events"] == 0
    assert feed.new_types() == []

    # A rename, a suspension, a membership change.
    with google.lock:
        ada["name"] = {"givenName": "Augusta", "familyName": "King", "fullName": "Augusta King"}
        alan["suspended"] = True
    google.add_member(eng, alan)
    assert sync(admin, directory_id)["outcome"] == "succeeded"
    assert feed.new_types() == sorted(["user.updated", "user.deactivated", "group.user_added"])
    assert by_name(admin, directory_id)["alan@example.com"]["active"] is False

    # Unsuspended → reactivated; removed from the group → user_removed.
    with google.lock:
        alan["suspended"] = False
        google.members[eng["id"]] = [m for m in google.members[eng["id"]] if m["id"] != ada["id"]]
    assert sync(admin, directory_id)["outcome"] == "succeeded"
    assert feed.new_types() == sorted(["user.reactivated", "group.user_removed"])

    # Deleted in Google → deleted (a google directory's default deprovision_policy,
    # directory/deprovision.py: gone from users.list means deleted there).
    assert directory_state(admin, directory_id)["deprovision_policy"] == "delete"
    with google.lock:
        del google.users[ada["id"]]
    gone = sync(admin, directory_id)
    assert gone["outcome"] == "succeeded"
    assert gone["counts"]["deleted"] == 1, gone
    assert feed.new_types() == ["user.deleted"]

    # The key never comes back in any answer.
    private_key = connection["service_account"]["private_key"]
    answers = [directory_state(admin, directory_id), admin.get("/api/v1/directories").json()]
    answers.append(admin.get(f"/api/v1/directories/{directory_id}/syncs").json())
    for answer in answers:
        assert_no_secret(answer, private_key, private_key.splitlines()[1])
    assert answers[0]["connection"]["service_account"] == "********"
    assert answers[0]["connection"]["subject"] == "admin@example.com"


def test_sync_asked_for_during_a_scheduled_run_still_runs(
    admin: httpx.Client, google: FakeGoogle
) -> None:
    """The request arrives while the scheduler's first run holds the lease (the fake
    answers slowly); releasing that lease must not push the request back an interval."""
    google.fail(200, delay=1.0, path="/users")
    directory_id, _ = google_directory(admin, google)
    deadline = time.monotonic() + 30
    while not runs(admin, directory_id):
        assert time.monotonic() < deadline, "the scheduler did not start a run"
        time.sleep(0.05)
    assert runs(admin, directory_id)[0]["outcome"] == "running"
    run = sync(admin, directory_id)
    assert run["trigger"] == "manual"
    assert run["outcome"] == "succeeded"
    assert [r["trigger"] for r in runs(admin, directory_id)] == ["manual", "scheduled"]


def test_deleted_user_is_deactivated_when_the_policy_says_so(
    admin: httpx.Client, google: FakeGoogle
) -> None:
    ada = google.add_user("ada@example.com")
    directory_id, _ = google_directory(admin, google, deprovision_policy="deactivate")
    feed = EventLog(admin, directory_id)
    assert sync(admin, directory_id)["outcome"] == "succeeded"
    feed.new()
    with google.lock:
        del google.users[ada["id"]]
    run = sync(admin, directory_id)
    assert run["counts"]["deactivated"] == 1, run
    assert feed.new_types() == ["user.deactivated"]
    assert by_name(admin, directory_id)["ada@example.com"]["active"] is False


def test_removed_scope_fails_plainly_then_recovers(admin: httpx.Client, google: FakeGoogle) -> None:
    google.add_user("ada@example.com")
    directory_id, connection = google_directory(admin, google)
    assert sync(admin, directory_id)["outcome"] == "succeeded"
    feed = EventLog(admin, directory_id)
    feed.new()
    email = connection["service_account"]["client_email"]
    with google.lock:
        public_key, _ = google.service_accounts[email]
        google.service_accounts[email] = (public_key, {SCOPE + "admin.directory.user.readonly"})
        google.tokens.clear()

    failed = sync(admin, directory_id)
    assert failed["outcome"] == "failed", failed
    assert failed["error"]["kind"] == "permission"
    assert (
        "scope" in failed["error"]["message"].lower()
        or "delegat" in failed["error"]["message"].lower()
    ), failed["error"]
    state = directory_state(admin, directory_id)
    assert state["state"] == "error"
    assert state["sync"]["last_run"]["error"]["kind"] == "permission"
    assert feed.new_types() == []  # nothing deprovisioned
    assert len(by_name(admin, directory_id)) == 2

    with google.lock:
        google.service_accounts[email] = (public_key, set(ALL_SCOPES))
    fixed = sync(admin, directory_id)
    assert fixed["outcome"] == "succeeded", fixed
    assert directory_state(admin, directory_id)["state"] == "active"


def test_empty_user_list_is_held_until_approved(admin: httpx.Client, google: FakeGoogle) -> None:
    for n in range(3):
        google.add_user(f"user{n}@example.com")
    directory_id, _ = google_directory(admin, google)
    assert sync(admin, directory_id)["outcome"] == "succeeded"
    feed = EventLog(admin, directory_id)
    feed.new()
    with google.lock:
        google.empty_user_list = True

    held = sync(admin, directory_id)
    assert held_then_approved(admin, directory_id, held, feed) == ["user.deleted"] * 4
