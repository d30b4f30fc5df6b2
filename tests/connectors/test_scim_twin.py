"""A pull emits exactly what a SCIM push of the same change emits (issue 14).

The twin is a push directory that receives, through the SCIM write path's commands, the
requests an IdP would send for the same change (POST /Users, POST /Groups, PATCH members,
PUT /Users, DELETE); its events must equal the pull directory's, type, sequence and data,
except the ids the two directories give their own rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine

from scimbridge.directory import commands
from scimbridge.runtime import Runtime
from scimbridge.store import unit_of_work
from scimbridge.store.resources import SqlDirectoryStore
from tests.connectors.fakes import (
    FakeSource,
    make_pull_directory,
    make_runtime,
    person,
    stored_events,
    team,
)
from tests.connectors.test_reconcile import sync
from tests.factories import patch_body

T = TypeVar("T")
_OWN = frozenset({"id", "directory_id", "tenant", "created_at", "updated_at", "occurred_at"})


def comparable(value: Any) -> Any:
    """Drop what names or timestamps the directory's own rows; keep everything else."""
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items() if k not in _OWN}
    if isinstance(value, list):
        return [comparable(v) for v in value]
    return value


@pytest.fixture
def runtime(engine: Engine, database_url: str) -> Runtime:
    return make_runtime(engine, database_url)


class Twin:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.id = make_pull_directory(runtime, provider="generic")
        self.ids: dict[str, str] = {}

    def write(self, action: Callable[[commands.Writer], T]) -> T:
        with unit_of_work.write(self.runtime.engine) as connection:
            now = self.runtime.clock.now()
            writer = commands.open_writer(SqlDirectoryStore(connection, now), self.id, now)
            result = action(writer)
            writer.flush()
        return result

    def post_user(self, body: dict[str, Any], external_id: str) -> None:
        data = {**body, "externalId": external_id}
        self.ids[external_id] = self.write(lambda w: commands.create_user(w, data)).id

    def post_group(self, body: dict[str, Any], external_id: str) -> None:
        data = {**body, "externalId": external_id}
        self.ids[external_id] = self.write(lambda w: commands.create_group(w, data)).id

    def members(self, group: str, op: str, *users: str) -> None:
        value = [{"value": self.ids[u]} for u in users]
        body = patch_body({"op": op, "path": "members", "value": value})
        self.write(lambda w: commands.patch_group(w, self.ids[group], body))

    def put_user(self, body: dict[str, Any], external_id: str) -> None:
        data = {**body, "externalId": external_id}
        self.write(lambda w: commands.replace_user(w, self.ids[external_id], data))

    def delete_user(self, external_id: str) -> None:
        self.write(lambda w: commands.delete_user(w, self.ids[external_id]))


def test_pull_events_equal_the_scim_push_of_the_same_change(runtime: Runtime) -> None:
    pulled = make_pull_directory(runtime, deprovision_policy="delete")
    twin = Twin(runtime)
    people = [person(n) for n in range(3)]
    source = FakeSource(
        people=list(people),
        teams=[team(1)],
        membership={"grp-001": ["src-00000", "src-00001"]},
    )
    sync(runtime, pulled, source)
    for user in people:
        twin.post_user(dict(user.resource), user.source_id)
    twin.post_group({"displayName": "Team 1"}, "grp-001")
    twin.members("grp-001", "add", "src-00000", "src-00001")

    renamed = person(0, displayName="Renamed")
    gone = person(1, active=False)
    source = FakeSource(
        people=[renamed, gone],
        teams=[team(1)],
        membership={"grp-001": ["src-00000"]},
    )
    sync(runtime, pulled, source)
    twin.put_user(dict(renamed.resource), renamed.source_id)
    twin.put_user(dict(gone.resource), gone.source_id)
    twin.members("grp-001", "remove", "src-00001")
    twin.delete_user("src-00002")

    pull_events = [comparable(e) for e in stored_events(runtime.engine, pulled)]
    push_events = [comparable(e) for e in stored_events(runtime.engine, twin.id)]
    assert [e["type"] for e in pull_events] == [
        "user.created",
        "user.created",
        "user.created",
        "group.created",
        "group.user_added",
        "group.user_added",
        "user.updated",
        "user.deactivated",
        "group.user_removed",
        "user.deleted",
    ]
    assert pull_events == push_events
