"""The user write path and its lifecycle events, on SQLite and PostgreSQL.

Every source (SCIM routes, Bulk, pull connectors) ends in ``directory.commands``, so the
event a change gets is proven here once for all of them; the black-box tests repeat the
IdP flows over HTTP.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
import pytest
from sqlalchemy import Engine

from scimbridge.directory import commands
from scimbridge.scim.errors import ScimError
from scimbridge.store import events as event_store
from scimbridge.store import unit_of_work
from scimbridge.store.resources import SqlDirectoryStore
from tests.factories import group_resource, members, patch_body, user_resource
from tests.store.test_events_store import make_directory

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
T = TypeVar("T")


class Directory:
    """One migrated database with one directory, written through the command layer."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.id = make_directory(engine)

    def write(self, action: Callable[[commands.Writer], T]) -> T:
        with unit_of_work.write(self.engine) as connection:
            writer = commands.open_writer(SqlDirectoryStore(connection, NOW), self.id, NOW)
            result = action(writer)
            writer.flush()
        return result

    def create_user(self, **overrides: Any) -> str:
        return self.write(lambda w: commands.create_user(w, user_resource(**overrides))).id

    def patch_user(self, user_id: str, *operations: dict[str, Any]) -> None:
        self.write(lambda w: commands.patch_user(w, user_id, patch_body(*operations)))

    def put_user(self, user_id: str, body: dict[str, Any]) -> None:
        self.write(lambda w: commands.replace_user(w, user_id, body))

    def events(self) -> list[dict[str, Any]]:
        with unit_of_work.read(self.engine) as connection:
            page = event_store.read_directory_feed(
                connection, self.id, after_sequence=0, limit=1000, types=None
            )
        return [orjson.loads(event.body) for event in page]

    def types(self) -> list[str]:
        return [event["type"] for event in self.events()]


@pytest.fixture
def directory(engine: Engine) -> Directory:
    return Directory(engine)


@pytest.mark.parametrize("flag", [False, "False", "false"])
def test_patch_active_false_is_user_deactivated(directory: Directory, flag: object) -> None:
    """Okta sends ``false``; Entra ID sent ``"False"`` before its 2020 fix (Entra known
    issues) and the string reaches the write path already converted."""
    user_id = directory.create_user()
    directory.patch_user(user_id, {"op": "Replace", "path": "active", "value": flag})
    created, deactivated = directory.events()
    assert created["type"] == "user.created"
    assert deactivated["type"] == "user.deactivated"
    assert deactivated["data"]["active"] is False
    assert deactivated["data"]["previous"] == {
        "active": True,
        "raw_attributes": created["data"]["raw_attributes"],
    }


def test_put_with_active_false_then_true(directory: Directory) -> None:
    body = user_resource(userName="put.leaver@example.com")
    user_id = directory.create_user(**body)
    directory.put_user(user_id, {**body, "active": False})
    directory.put_user(user_id, {**body, "active": True})
    assert directory.types() == ["user.created", "user.deactivated", "user.reactivated"]


def test_combined_change_is_one_lifecycle_event_with_all_previous_values(
    directory: Directory,
) -> None:
    user_id = directory.create_user(name={"givenName": "Olga", "familyName": "Old"})
    directory.patch_user(
        user_id,
        {"op": "replace", "path": "name.familyName", "value": "New"},
        {"op": "replace", "path": "active", "value": False},
    )
    events = directory.events()
    assert [e["type"] for e in events] == ["user.created", "user.deactivated"]
    previous = events[1]["data"]["previous"]
    assert previous["active"] is True
    assert previous["last_name"] == "Old"
    assert events[1]["data"]["last_name"] == "New"


def test_reactivation_carries_the_current_groups_on_every_path(directory: Directory) -> None:
    body = user_resource(userName="rehire@example.com")
    user_id = directory.create_user(**body)
    group = directory.write(
        lambda w: commands.create_group(
            w, group_resource(displayName="Pilots", members=members(user_id))
        )
    )
    expected_groups = [{"id": group.id, "name": "Pilots"}]
    directory.patch_user(user_id, {"op": "replace", "value": {"active": False}})
    directory.put_user(user_id, {**body, "active": True})  # Okta AIW apps reactivate by PUT
    directory.patch_user(user_id, {"op": "replace", "path": "active", "value": False})
    directory.patch_user(user_id, {"op": "replace", "path": "active", "value": True})
    lifecycle = [e for e in directory.events() if e["type"].startswith("user.")]
    assert [e["type"] for e in lifecycle] == [
        "user.created",
        "user.deactivated",
        "user.reactivated",
        "user.deactivated",
        "user.reactivated",
    ]
    for event in lifecycle[1:]:
        assert event["data"]["groups"] == expected_groups


def test_user_created_inactive_is_user_created(directory: Directory) -> None:
    user_id = directory.create_user(active=False)
    assert directory.types() == ["user.created"]
    assert directory.events()[0]["data"]["active"] is False
    directory.patch_user(user_id, {"op": "replace", "path": "title", "value": "Contractor"})
    assert directory.types() == ["user.created", "user.updated"]


def test_a_request_that_changes_nothing_emits_nothing(directory: Directory) -> None:
    body = user_resource()
    user_id = directory.create_user(**body)
    directory.patch_user(user_id, {"op": "replace", "path": "active", "value": False})
    directory.patch_user(user_id, {"op": "replace", "path": "active", "value": "False"})
    directory.put_user(user_id, {**body, "active": False})
    assert directory.types() == ["user.created", "user.deactivated"]


def test_a_deleted_users_id_is_never_reused(directory: Directory) -> None:
    """Re-created with the same externalId and userName (even with the old id in the body,
    which is readOnly, RFC 7643 §3.1): a new user, a new id, a new ``user.created``."""
    body = user_resource(userName="tombstone@example.com", externalId="ext-tomb")
    old_id = directory.create_user(**body)
    directory.write(lambda w: commands.delete_user(w, old_id))
    new_id = directory.create_user(**body, id=old_id)
    assert new_id != old_id
    assert directory.types() == ["user.created", "user.deleted", "user.created"]
    assert [e["data"]["id"] for e in directory.events()] == [old_id, old_id, new_id]
    with pytest.raises(ScimError) as missing:
        directory.patch_user(old_id, {"op": "replace", "path": "active", "value": True})
    assert missing.value.status == 404
