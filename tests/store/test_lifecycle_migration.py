"""Migration 0004 (lifecycle events) up and down with data in place, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, func, insert, inspect, select
from sqlalchemy.exc import IntegrityError

from scimbridge.directory.models import PendingEvent
from scimbridge.store import migrate, unit_of_work
from scimbridge.store.resources import SqlDirectoryStore
from scimbridge.store.tables import deliveries, directories, events

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
BEFORE = "0003"


@pytest.fixture
def database_url(databases) -> str:
    """An empty database (overrides conftest's migrated one): these tests migrate it."""
    return databases.empty_url()


def directory_row(directory_id: str, provider: str) -> dict[str, Any]:
    """Only the columns revision 0002 has."""
    return {
        "id": directory_id,
        "name": directory_id,
        "tenant": "t",
        "provider": provider,
        "state": "active",
        "scim_token_hash": f"hash-{directory_id}",
        "attribute_map": {},
        "last_sequence": 1,
        "created_at": NOW,
        "updated_at": NOW,
    }


def event_row(directory_id: str, sequence: int, event_type: str) -> dict[str, Any]:
    event_id = f"event_{directory_id}_{sequence}"
    body = {"id": event_id, "type": event_type, "sequence": sequence, "data": {"active": False}}
    return {
        "id": event_id,
        "directory_id": directory_id,
        "sequence": sequence,
        "type": event_type,
        "occurred_at": NOW,
        "body": orjson.dumps(body).decode(),
    }


def rejects(engine: Engine, statement: Any) -> bool:
    try:
        with unit_of_work.write(engine) as connection:
            connection.execute(statement)
    except IntegrityError:
        return True
    return False


def test_upgrade_keeps_the_delivery_log_and_backfills_policies(
    database_url: str, engine: Engine
) -> None:
    migrate.upgrade(database_url, BEFORE)
    with unit_of_work.write(engine) as connection:
        connection.execute(insert(directories).values(directory_row("directory_g", "google")))
        connection.execute(insert(directories).values(directory_row("directory_o", "okta")))
        connection.execute(insert(events).values(event_row("directory_o", 1, "user.updated")))
        connection.execute(
            insert(deliveries).values(
                directory_id="directory_o",
                event_id="event_directory_o_1",
                sequence=1,
                attempt=1,
                kind="scheduled",
                url="https://hooks.example/x",
                started_at=NOW,
                duration_ms=12,
                status_code=200,
            )
        )
    migrate.upgrade(database_url)
    with unit_of_work.read(engine) as connection:
        policies = dict(
            connection.execute(select(directories.c.id, directories.c.deprovision_policy)).all()
        )
        kept = connection.execute(select(func.count()).select_from(deliveries)).scalar_one()
        old_event = connection.execute(select(events.c.type)).scalar_one()
    # Google deletes where the others deactivate (directory/deprovision.py).
    assert policies == {"directory_g": "delete", "directory_o": "deactivate"}
    # The SQLite CHECK change must not copy and drop `events` (that cascades here).
    assert kept == 1
    assert old_event == "user.updated"  # existing events are not migrated
    assert not rejects(
        engine, insert(events).values(event_row("directory_o", 2, "user.deactivated"))
    )
    assert rejects(engine, insert(events).values(event_row("directory_o", 3, "user.bogus")))
    assert rejects(
        engine,
        directories.update()
        .values(deprovision_policy="purge")
        .where(directories.c.id == "directory_o"),
    )


def test_downgrade_rewrites_lifecycle_events_to_user_updated(
    database_url: str, engine: Engine
) -> None:
    migrate.upgrade(database_url)
    with unit_of_work.write(engine) as connection:
        connection.execute(insert(directories).values(directory_row("directory_d", "okta")))
        connection.execute(directories.update().values(last_sequence=0))
        store = SqlDirectoryStore(connection, NOW)
        directory = store.lock_directory("directory_d")
        assert directory is not None
        store.append_events(
            directory,
            [
                PendingEvent("user.created", {"active": True}),
                PendingEvent("user.deactivated", {"active": False, "previous": {"active": True}}),
                PendingEvent("user.reactivated", {"active": True, "previous": {"active": False}}),
            ],
        )
    with unit_of_work.read(engine) as connection:
        before = [
            orjson.loads(b)
            for b in connection.execute(select(events.c.body).order_by(events.c.sequence)).scalars()
        ]

    migrate.downgrade(database_url, BEFORE)
    with unit_of_work.read(engine) as connection:
        rows = connection.execute(
            select(events.c.type, events.c.body).order_by(events.c.sequence)
        ).all()
    assert [t for t, _ in rows] == ["user.created", "user.updated", "user.updated"]
    after = [orjson.loads(body) for _, body in rows]
    assert [b["type"] for b in after] == ["user.created", "user.updated", "user.updated"]
    for old, new in zip(before, after, strict=True):
        assert {**old, "type": new["type"]} == new  # nothing else in the event changed
    assert "deprovision_policy" not in {
        c["name"] for c in inspect(engine).get_columns("directories")
    }
    assert rejects(engine, insert(events).values(event_row("directory_d", 4, "user.deactivated")))

    migrate.upgrade(database_url)  # and up again, with the rewritten rows in place
    assert not rejects(
        engine, insert(events).values(event_row("directory_d", 4, "user.deactivated"))
    )
