"""Revision 0011 (events.user_id / events.group_id) down and up with events in place,
on both databases: the backfill reads every stored body."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Engine, insert, inspect, text

from scimbridge.store import migrate, unit_of_work
from scimbridge.store.engine import create_db_engine
from scimbridge.store.tables import deliveries, directories, events
from tests.store.test_lifecycle_migration import NOW, directory_row
from tests.support.migrations import parent_of

# Enough rows of every kind that a per-row mistake would show.
USER_EVENTS = 4100
SUBJECT_INDEXES = {
    "ix_events_directory_id_user_id_sequence",
    "ix_events_directory_id_group_id_sequence",
}


def stored(sequence: int, event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    event_id = f"event_{sequence}"
    body = {"id": event_id, "type": event_type, "sequence": sequence, "data": data}
    return {
        "id": event_id,
        "directory_id": "directory_m",
        "sequence": sequence,
        "type": event_type,
        "occurred_at": NOW,
        "feed_position": sequence,
        "body": orjson.dumps(body).decode(),
    }


def seed(engine: Engine) -> None:
    """Events as the version before 0011 wrote them: user events of many users, then a
    group's own events and a membership, one of them with a delivery attempt."""
    rows = [stored(n, "user.updated", {"id": f"user_{n}"}) for n in range(1, USER_EVENTS + 1)]
    group = {"id": "group_g", "name": "G"}
    rows += [
        stored(USER_EVENTS + 1, "group.created", group),
        stored(USER_EVENTS + 2, "group.user_added", {"group": group, "user": {"id": "user_7"}}),
        stored(USER_EVENTS + 3, "group.deleted", group),
        stored(USER_EVENTS + 4, "user.created", {}),  # no id: left NULL, not an error
    ]
    with unit_of_work.write(engine) as connection:
        row = directory_row("directory_m", "okta") | {"last_sequence": len(rows)}
        connection.execute(insert(directories).values(row))
        connection.execute(insert(events), rows)
        connection.execute(
            insert(deliveries).values(
                directory_id="directory_m",
                event_id=f"event_{USER_EVENTS + 2}",
                sequence=USER_EVENTS + 2,
                attempt=1,
                kind="scheduled",
                url="https://example.com/hook",
                started_at=NOW,
                duration_ms=5,
            )
        )


def subjects(engine: Engine) -> dict[int, tuple[str | None, str | None]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT sequence, user_id, group_id FROM events ORDER BY sequence")
        )
        return {int(r[0]): (r[1], r[2]) for r in rows}


def test_0011_backfills_existing_events_and_downgrades_keeping_them(databases) -> None:
    url = databases.empty_url()
    migrate.upgrade(url, parent_of(url, "0011"))
    engine = create_db_engine(url)
    try:
        seed(engine)
        migrate.upgrade(url, "0011")
        found = subjects(engine)
        assert len(found) == USER_EVENTS + 4
        assert all(found[n] == (f"user_{n}", None) for n in range(1, USER_EVENTS + 1))
        assert found[USER_EVENTS + 1] == (None, "group_g")
        assert found[USER_EVENTS + 2] == ("user_7", "group_g")
        assert found[USER_EVENTS + 3] == (None, "group_g")
        assert found[USER_EVENTS + 4] == (None, None)
        assert {i["name"] for i in inspect(engine).get_indexes("events")} >= SUBJECT_INDEXES

        migrate.downgrade(url, parent_of(url, "0011"))
        inspector = inspect(engine)
        assert not {"user_id", "group_id"} & {c["name"] for c in inspector.get_columns("events")}
        assert not SUBJECT_INDEXES & {i["name"] for i in inspector.get_indexes("events")}
        with engine.connect() as connection:
            count = connection.execute(text("SELECT count(*) FROM events")).scalar_one()
            attempts = connection.execute(text("SELECT count(*) FROM deliveries")).scalar_one()
        assert (count, attempts) == (USER_EVENTS + 4, 1)  # no cascade from a table copy
    finally:
        engine.dispose()
