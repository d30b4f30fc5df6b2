"""The console's own queries, on both databases: bounded, indexed, and LIKE-safe."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import Engine, select

from scimbridge.directory.models import PendingEvent
from scimbridge.store import console_queries, unit_of_work
from scimbridge.store.resources import SqlDirectoryStore
from scimbridge.store.tables import events
from tests.store.test_events_store import NOW, make_directory
from tests.store.test_query_plans import _explain, _literal_sql

# More than the 2,000 newest events the user page used to be limited to.
LATER_EVENTS = 2100


def append(engine: Engine, directory_id: str, pending: list[PendingEvent]) -> None:
    with unit_of_work.write(engine) as connection:
        store = SqlDirectoryStore(connection, NOW)
        directory = store.lock_directory(directory_id)
        assert directory is not None
        store.append_events(directory, pending)


def history(
    engine: Engine,
    directory_id: str,
    subject: Literal["user", "group"],
    resource_id: str,
    limit: int = 10,
) -> list[list[int]]:
    """Every page, newest first, each as its sequence numbers, following ``before``."""
    pages: list[list[int]] = []
    before = None
    with unit_of_work.read(engine) as connection:
        while True:
            rows = console_queries.resource_events(
                connection,
                directory_id,
                subject=subject,
                resource_id=resource_id,
                before=before,
                limit=limit,
            )
            if not rows:
                return pages
            pages.append([row.sequence for row in rows])
            before = rows[-1].sequence


def membership(event_type: Any, user_id: str, group_id: str) -> PendingEvent:
    return PendingEvent(event_type, {"group": {"id": group_id}, "user": {"id": user_id}})


def test_a_users_whole_history_is_found_under_later_events_of_others(engine: Engine) -> None:
    directory_id = make_directory(engine)
    append(
        engine,
        directory_id,
        [
            PendingEvent("user.created", {"id": "user_a"}),  # 1
            membership("group.user_added", "user_a", "group_g"),  # 2
            PendingEvent("user.created", {"id": "user_b"}),  # 3
            PendingEvent("user.updated", {"id": "user_a"}),  # 4
        ],
    )
    append(
        engine,
        directory_id,
        [PendingEvent("user.updated", {"id": f"user_{n}"}) for n in range(LATER_EVENTS)],
    )
    append(engine, directory_id, [PendingEvent("user.deactivated", {"id": "user_a"})])
    newest = 4 + LATER_EVENTS + 1
    assert history(engine, directory_id, "user", "user_a", limit=2) == [[newest, 4], [2, 1]]
    assert history(engine, directory_id, "group", "group_g") == [[2]]
    assert history(engine, directory_id, "user", "user_b") == [[3]]
    assert history(engine, directory_id, "user", "user_") == []  # exact, not a pattern


def test_a_groups_history_holds_its_own_and_its_membership_events(engine: Engine) -> None:
    directory_id = make_directory(engine)
    other = make_directory(engine, "directory_other")
    append(engine, other, [PendingEvent("group.created", {"id": "group_g"})])
    append(
        engine,
        directory_id,
        [
            PendingEvent("group.created", {"id": "group_g"}),  # 1
            membership("group.user_added", "user_a", "group_g"),  # 2
            membership("group.user_added", "user_a", "group_h"),  # 3
            membership("group.user_removed", "user_a", "group_g"),  # 4
            PendingEvent("group.deleted", {"id": "group_g"}),  # 5
        ],
    )
    assert history(engine, directory_id, "group", "group_g", limit=3) == [[5, 4, 2], [1]]
    assert history(engine, other, "group", "group_g") == [[1]]  # scoped to the directory


def test_a_history_page_is_one_index_range(engine: Engine) -> None:
    for column, index in [
        (events.c.user_id, "ix_events_directory_id_user_id_sequence"),
        (events.c.group_id, "ix_events_directory_id_group_id_sequence"),
    ]:
        query = (
            select(events.c.id)
            .where(events.c.directory_id == "d", column == "r", events.c.sequence < 100)
            .order_by(events.c.sequence.desc())
            .limit(25)
        )
        shown = _explain(engine, _literal_sql(engine, query))
        assert index in shown, shown
        # Read in index order: no sort step.
        assert "TEMP B-TREE" not in shown, shown
        assert "Sort" not in shown, shown


def test_directory_search_is_a_substring_of_name_or_tenant(engine: Engine) -> None:
    make_directory(engine, "directory_one")
    with unit_of_work.read(engine) as connection:

        def search(text: str) -> list[str]:
            found = console_queries.search_directories(
                connection, search=text, state=None, provider=None, after=None, limit=10
            )
            return [d.id for d in found]

        assert search("TES") == ["directory_one"]  # name "Test", any case
        assert search("%") == []
        assert search("_") == []
        assert search("nothing") == []
