"""A sync request is an admin action: audited with its actor in the transaction that
queues it; a google or ldap directory created without a connection is not scheduled and
cannot be synced until one is saved."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from scimbridge.errors import Conflict, InvalidRequest, TooManyRequests
from scimbridge.runtime import Runtime
from scimbridge.services import directories as service
from scimbridge.services import sync_requests
from scimbridge.services.audit import Actor, list_audit_log
from scimbridge.store import sync_runs as sync_store
from scimbridge.store import unit_of_work
from tests.support.fake_google import new_key, service_account_key
from tests.support.runtime import TEST_ACTOR, ManualClock, make_runtime, new_directory

CONSOLE = Actor("session", "session0", "127.0.0.1")


def google_connection() -> dict[str, Any]:
    key = service_account_key(new_key(), "sync@proj.iam.gserviceaccount.com", "https://t/token")
    return {"service_account": key, "subject": "admin@example.com"}


def audit_actions(runtime: Runtime, directory_id: str) -> list[dict[str, Any]]:
    data, _ = list_audit_log(runtime, after=None, limit=50, directory_id=directory_id)
    return data


def is_scheduled(runtime: Runtime, directory_id: str) -> bool:
    with unit_of_work.read(runtime.engine) as connection:
        return sync_store.schedule_row(connection, directory_id) is not None


def test_a_request_is_audited_with_its_actor_and_a_refused_one_is_not(engine: Engine) -> None:
    clock = ManualClock()
    runtime = make_runtime(engine, clock, sync_cooldown_seconds=60)
    directory = new_directory(runtime, provider="google", connection=google_connection())
    queued = sync_requests.request_sync(runtime, directory["id"], actor=CONSOLE)
    assert queued["status"] == "queued"
    with pytest.raises(TooManyRequests):
        sync_requests.request_sync(runtime, directory["id"], actor=TEST_ACTOR)
    clock.advance(seconds=61)
    sync_requests.request_sync(runtime, directory["id"], actor=TEST_ACTOR)
    requested = [
        entry
        for entry in audit_actions(runtime, directory["id"])
        if entry["action"] == "directory.sync_requested"
    ]
    assert [(e["actor"]["kind"], e["details"]) for e in requested] == [
        ("admin_token", {"runs_in": "worker"}),
        ("session", {"runs_in": "worker"}),
    ]


def test_the_cli_run_is_audited_before_it_starts(engine: Engine) -> None:
    runtime = make_runtime(engine)
    directory = new_directory(runtime, provider="google", connection=google_connection())
    sync_requests.record_direct_sync(runtime, directory["id"], actor=Actor("cli", "ops"))
    [entry] = [
        e
        for e in audit_actions(runtime, directory["id"])
        if e["action"] == "directory.sync_requested"
    ]
    assert entry["actor"] == {"kind": "cli", "id": "ops"}
    assert entry["details"] == {"runs_in": "cli"}


def test_a_csv_directory_is_not_synced_and_nothing_is_audited(engine: Engine) -> None:
    runtime = make_runtime(engine)
    directory = new_directory(runtime, provider="csv")
    with pytest.raises(InvalidRequest, match="by import"):
        sync_requests.request_sync(runtime, directory["id"], actor=TEST_ACTOR)
    actions = [e["action"] for e in audit_actions(runtime, directory["id"])]
    assert actions == ["directory.created"]


def test_a_directory_created_without_a_connection_waits_for_one(engine: Engine) -> None:
    runtime = make_runtime(engine)
    directory = new_directory(runtime, provider="google")
    assert directory["connection"] == {}
    assert not is_scheduled(runtime, directory["id"])
    with pytest.raises(Conflict, match="no connection yet"):
        sync_requests.request_sync(runtime, directory["id"], actor=TEST_ACTOR)
    connection = google_connection()
    service.update_directory(runtime, directory["id"], {"connection": connection}, actor=TEST_ACTOR)
    assert is_scheduled(runtime, directory["id"])  # due now: the first sync starts
    updated = audit_actions(runtime, directory["id"])[0]
    assert updated["action"] == "directory.updated"
    assert updated["details"]["changed"] == {"connection": "changed"}
    assert connection["service_account"]["private_key"] not in str(updated)
    assert sync_requests.request_sync(runtime, directory["id"], actor=TEST_ACTOR)


def test_a_connection_given_on_create_is_still_validated(engine: Engine) -> None:
    runtime = make_runtime(engine)
    with pytest.raises(InvalidRequest, match="service_account must be a JSON key"):
        new_directory(runtime, provider="google", connection={"service_account": "{}"})
    with pytest.raises(InvalidRequest, match="takes no connection"):
        new_directory(runtime, provider="okta", connection={})
