"""Migration 0008 (pull runs) up and down with data in place, on both databases."""

from __future__ import annotations

from sqlalchemy import Engine, func, insert, select, update

from scimbridge.store import migrate, unit_of_work
from scimbridge.store.tables import directories, users
from tests.store.test_lifecycle_migration import NOW, directory_row, rejects

BEFORE = "0005"


def test_held_state_and_sync_settings_are_enforced(database_url: str, engine: Engine) -> None:
    migrate.upgrade(database_url)
    with unit_of_work.write(engine) as connection:
        connection.execute(insert(directories).values(directory_row("d1", "csv")))
    held = update(directories).where(directories.c.id == "d1").values(state="held")
    with unit_of_work.write(engine) as connection:
        connection.execute(held)
    assert rejects(engine, update(directories).values(state="paused"))
    assert rejects(engine, update(directories).values(sync_interval_seconds=60))
    assert rejects(engine, update(directories).values(guard_percent=101))
    with unit_of_work.read(engine) as connection:
        row = connection.execute(select(directories).where(directories.c.id == "d1")).one()
    assert (row.sync_interval_seconds, row.guard_percent, row.guard_min_users) == (1800, 10, 10)


def test_downgrade_keeps_the_directory_and_its_users(database_url: str, engine: Engine) -> None:
    migrate.upgrade(database_url)
    with unit_of_work.write(engine) as connection:
        connection.execute(
            insert(directories).values({**directory_row("d1", "csv"), "state": "held"})
        )
        connection.execute(
            insert(users).values(
                id="u1",
                directory_id="d1",
                user_name="a",
                user_name_key="a",
                active=True,
                attributes={},
                version=1,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    migrate.downgrade(database_url, BEFORE)
    engine.dispose()
    with unit_of_work.read(engine) as connection:
        state = connection.execute(select(directories.c.state)).scalar_one()
        count = connection.execute(select(func.count()).select_from(users)).scalar_one()
    assert state == "active"
    assert count == 1
    migrate.upgrade(database_url)
