"""Audit rows commit with their action or not at all, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from scimbridge.services import directories as service
from scimbridge.services.audit import Actor, list_audit_log
from tests.support.runtime import TEST_ACTOR, make_runtime, new_directory


def test_an_action_whose_audit_row_fails_is_not_committed(engine: Engine) -> None:
    runtime = make_runtime(engine)
    bogus = Actor("nobody", "x")  # refused by the audit_log CHECK constraint
    with pytest.raises(IntegrityError):
        service.create_directory(
            runtime, service.DirectoryInput(name="A", tenant="a", provider="okta"), actor=bogus
        )
    data, _ = service.list_directories(runtime, tenant="a", after=None, limit=10)
    assert data == []


def test_update_records_changed_fields_and_never_a_secret(engine: Engine) -> None:
    runtime = make_runtime(engine)
    directory = new_directory(runtime)
    secret = "whsec_" + "A" * 40
    service.update_directory(
        runtime,
        directory["id"],
        {
            "name": "Acme Corp",
            "webhook_url": "https://hooks.example.com/x",
            "webhook_secret": secret,
        },
        actor=TEST_ACTOR,
    )
    data, _ = list_audit_log(runtime, after=None, limit=1, directory_id=directory["id"])
    entry = data[0]
    assert entry["action"] == "directory.updated"
    assert entry["actor"] == {"kind": "admin_token", "id": "fingerprint0"}
    changed = entry["details"]["changed"]
    assert changed["name"] == {"old": "Acme", "new": "Acme Corp"}
    assert changed["webhook_url"] == {"old": None, "new": "https://hooks.example.com/x"}
    assert changed["webhook_secret"] == "changed"
    assert secret not in str(data)


def test_audit_pages_newest_first(engine: Engine) -> None:
    runtime = make_runtime(engine)
    directory = new_directory(runtime)
    for _ in range(3):
        service.rotate_scim_token(runtime, directory["id"], actor=TEST_ACTOR)
    first, cursor = list_audit_log(runtime, after=None, limit=2, directory_id=None)
    rest, end = list_audit_log(runtime, after=cursor, limit=2, directory_id=None)
    actions = [e["action"] for e in first + rest]
    assert actions == ["scim_token.rotated"] * 3 + ["directory.created"]
    assert end is None
    assert len({e["id"] for e in first + rest}) == 4


def test_a_token_in_the_webhook_url_query_is_not_recorded(engine: Engine) -> None:
    runtime = make_runtime(engine)
    url = "https://hooks.example.com/in?api_token=s3cr3t-value&team=7"
    directory = new_directory(runtime, webhook_url=url)
    service.update_directory(
        runtime, directory["id"], {"webhook_url": url + "&x=1"}, actor=TEST_ACTOR
    )
    data, _ = list_audit_log(runtime, after=None, limit=10, directory_id=directory["id"])
    assert "s3cr3t-value" not in str(data)
    assert data[1]["details"]["webhook_url"].startswith("https://hooks.example.com/in?api_token=")
    assert "team=7" in data[0]["details"]["changed"]["webhook_url"]["new"]


def test_sync_settings_changes_are_recorded_with_old_and_new(engine: Engine) -> None:
    """The record carries no sync settings: their old values come from the settings row
    (a PATCH of ``sync_interval_seconds`` once failed here with a 500)."""
    runtime = make_runtime(engine)
    directory = new_directory(runtime, provider="csv")
    service.update_directory(
        runtime,
        directory["id"],
        {"sync_interval_seconds": 2700, "guard_percent": 20},
        actor=TEST_ACTOR,
    )
    data, _ = list_audit_log(runtime, after=None, limit=1, directory_id=directory["id"])
    assert data[0]["details"]["changed"] == {
        "sync_interval_seconds": {"old": 1800, "new": 2700},
        "guard_percent": {"old": 10, "new": 20},
    }
