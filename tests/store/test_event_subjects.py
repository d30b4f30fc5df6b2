"""``event_subjects``: which user and group an event is about, from its type and data."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select

from scimbridge.directory.models import PendingEvent
from scimbridge.store import unit_of_work
from scimbridge.store.events import event_subjects
from scimbridge.store.resources import SqlDirectoryStore
from scimbridge.store.tables import EVENT_TYPES, events
from tests.store.test_events_store import NOW, make_directory

USER = {"id": "user_1", "username": "ada"}
GROUP = {"id": "group_1", "name": "Admins"}
MEMBERSHIP = {"group": GROUP, "user": USER}


@pytest.mark.parametrize(
    ("event_type", "data", "expected"),
    [
        ("user.created", USER, ("user_1", None)),
        ("user.updated", {**USER, "previous": {"id": "user_1"}}, ("user_1", None)),
        ("user.deactivated", USER, ("user_1", None)),
        ("user.reactivated", USER, ("user_1", None)),
        ("user.deleted", USER, ("user_1", None)),
        ("group.created", GROUP, (None, "group_1")),
        ("group.updated", {**GROUP, "previous": GROUP}, (None, "group_1")),
        ("group.deleted", GROUP, (None, "group_1")),
        ("group.user_added", MEMBERSHIP, ("user_1", "group_1")),
        ("group.user_removed", MEMBERSHIP, ("user_1", "group_1")),
    ],
)
def test_each_event_type_names_its_resources(
    event_type: str, data: dict[str, Any], expected: tuple[str | None, str | None]
) -> None:
    assert event_subjects(event_type, data) == expected


def test_every_event_type_is_a_user_or_a_group_event() -> None:
    """The rule goes by prefix: a type outside both would be stored with no subject."""
    assert all(t.startswith(("user.", "group.")) for t in EVENT_TYPES)


@pytest.mark.parametrize(
    ("event_type", "data"),
    [
        ("webhook.test", {"id": "x"}),  # not about a resource
        ("user.created", {}),
        ("user.created", {"id": 7}),  # not a string id
        ("group.user_added", {"group": "group_1", "user": None}),
    ],
)
def test_anything_else_names_nothing(event_type: str, data: dict[str, Any]) -> None:
    assert event_subjects(event_type, data) == (None, None)


def test_append_stores_the_subjects_beside_the_body(engine: Engine) -> None:
    directory_id = make_directory(engine)
    with unit_of_work.write(engine) as connection:
        store = SqlDirectoryStore(connection, NOW)
        directory = store.lock_directory(directory_id)
        assert directory is not None
        store.append_events(
            directory,
            [
                PendingEvent("user.created", USER),
                PendingEvent("group.created", GROUP),
                PendingEvent("group.user_added", MEMBERSHIP),
            ],
        )
    with engine.connect() as connection:
        rows = connection.execute(
            select(events.c.user_id, events.c.group_id).order_by(events.c.sequence)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("user_1", None),
        (None, "group_1"),
        ("user_1", "group_1"),
    ]
