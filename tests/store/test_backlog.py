"""The delivery backlog that ``/metrics`` reports, on both databases (``store/backlog.py``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, update

from scimbridge.directory.models import PendingEvent
from scimbridge.store import deliveries as delivery_store
from scimbridge.store import directories, unit_of_work
from scimbridge.store.backlog import delivery_backlog
from scimbridge.store.resources import SqlDirectoryStore
from scimbridge.store.tables import webhook_cursors

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def webhook_directory(engine: Engine, name: str, *, webhook: bool = True) -> str:
    directory_id = f"directory_{name}"
    with unit_of_work.write(engine) as connection:
        directories.insert_directory(
            connection,
            directory_id=directory_id,
            name=name,
            tenant="t",
            provider="okta",
            scim_token_hash=f"hash-{name}",
            webhook_url="https://hooks.example.com/x" if webhook else None,
            webhook_secret_ciphertext=None,
            attribute_map={},
            connection_ciphertext=None,
            now=T0,
        )
        delivery_store.create_cursor(connection, directory_id, 0, T0)
    return directory_id


def write_events(engine: Engine, directory_id: str, count: int, at: datetime) -> None:
    with unit_of_work.write(engine) as connection:
        store = SqlDirectoryStore(connection, at)
        directory = store.lock_directory(directory_id)
        assert directory is not None
        store.append_events(directory, [PendingEvent("user.created", {}) for _ in range(count)])


def set_cursor(engine: Engine, directory_id: str, **values: object) -> None:
    with unit_of_work.write(engine) as connection:
        connection.execute(
            update(webhook_cursors)
            .where(webhook_cursors.c.directory_id == directory_id)
            .values(**values)
        )


def test_only_directories_behind_or_failing_oldest_first_capped(engine: Engine) -> None:
    old = webhook_directory(engine, "old")
    write_events(engine, old, 3, T0)
    write_events(engine, old, 2, T0 + timedelta(hours=2))
    set_cursor(engine, old, last_acked_sequence=3)  # head: the 4th event, written at +2h
    recent = webhook_directory(engine, "recent")
    write_events(engine, recent, 1, T0 + timedelta(hours=1))
    caught_up = webhook_directory(engine, "caughtup")
    write_events(engine, caught_up, 2, T0)
    set_cursor(engine, caught_up, last_acked_sequence=2)
    failing = webhook_directory(engine, "failing")  # failures, nothing pending
    set_cursor(engine, failing, failures=4)
    feed_only = webhook_directory(engine, "feedonly", webhook=False)
    write_events(engine, feed_only, 5, T0)

    with unit_of_work.read(engine) as connection:
        rows, total = delivery_backlog(connection, limit=10)
        capped, capped_total = delivery_backlog(connection, limit=2)

    assert [(r.directory_id, r.pending_events, r.consecutive_failures) for r in rows] == [
        (recent, 1, 0),
        (old, 2, 0),
        (failing, 0, 4),
    ]
    assert rows[0].oldest_pending_at == T0 + timedelta(hours=1)
    assert rows[1].oldest_pending_at == T0 + timedelta(hours=2)
    assert rows[2].oldest_pending_at is None
    assert rows[0].provider == "okta"
    assert total == 3
    assert [r.directory_id for r in capped] == [recent, old]
    assert capped_total == 3


def test_no_backlog_is_empty(engine: Engine) -> None:
    webhook_directory(engine, "idle")
    with unit_of_work.read(engine) as connection:
        assert delivery_backlog(connection, limit=100) == ([], 0)
