"""The store reads users and their groups once per transaction, and never stale ones."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Engine

from scimbridge.directory.models import GroupRecord, GroupRef, UserRecord
from scimbridge.store import unit_of_work
from scimbridge.store.resources import SqlDirectoryStore
from tests.store.test_events_store import NOW, make_directory


def _user(directory_id: str, user_id: str) -> UserRecord:
    return UserRecord(
        id=user_id,
        directory_id=directory_id,
        external_id=None,
        user_name=f"{user_id}@example.com",
        active=True,
        attributes={"userName": f"{user_id}@example.com"},
        version=1,
        created_at=NOW,
        updated_at=NOW,
    )


def _group(directory_id: str, group_id: str, name: str) -> GroupRecord:
    return GroupRecord(
        id=group_id,
        directory_id=directory_id,
        external_id=None,
        display_name=name,
        attributes={"displayName": name},
        version=1,
        created_at=NOW,
        updated_at=NOW,
    )


def test_reads_follow_the_changes_of_the_transaction(engine: Engine) -> None:
    directory_id = make_directory(engine)
    with unit_of_work.write(engine) as connection:
        store = SqlDirectoryStore(connection, NOW)
        store.insert_user(_user(directory_id, "user_1"), [])
        assert store.groups_of_users(directory_id, ["user_1"]) == {"user_1": []}

        group = _group(directory_id, "group_1", "Pilots")
        store.insert_group(group)
        store.add_members(directory_id, group.id, ["user_1"])
        assert store.groups_of_users(directory_id, ["user_1"])["user_1"] == [
            GroupRef(id="group_1", name="Pilots")
        ]

        store.update_group(replace(group, display_name="Captains", version=2))
        assert store.groups_of_users(directory_id, ["user_1"])["user_1"] == [
            GroupRef(id="group_1", name="Captains")
        ]

        store.remove_members(directory_id, group.id, ["user_1"])
        assert store.groups_of_users(directory_id, ["user_1"]) == {"user_1": []}

        (before,) = store.users_by_ids(directory_id, ["user_1"])
        store.update_user(replace(before, active=False, version=2), None)
        (after,) = store.users_by_ids(directory_id, ["user_1"])
        assert (after.active, after.version) == (False, 2)

        store.delete_user(directory_id, "user_1")
        assert store.users_by_ids(directory_id, ["user_1"]) == []


def test_reads_stay_in_their_directory(engine: Engine) -> None:
    first = make_directory(engine, "directory_a")
    second = make_directory(engine, "directory_b")
    with unit_of_work.write(engine) as connection:
        store = SqlDirectoryStore(connection, NOW)
        store.insert_user(_user(first, "user_a"), [])
        assert [u.id for u in store.users_by_ids(first, ["user_a"])] == ["user_a"]
        assert store.users_by_ids(second, ["user_a"]) == []
