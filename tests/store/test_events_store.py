"""The outbox store: sequence allocation, constraints and feeds, on both databases."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, insert
from sqlalchemy.exc import IntegrityError

from scimbridge.directory.models import PendingEvent
from scimbridge.services.events_feed import read_global_page
from scimbridge.store import directories, unit_of_work
from scimbridge.store import events as event_store
from scimbridge.store.resources import SqlDirectoryStore
from scimbridge.store.tables import events

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def make_directory(engine: Engine, directory_id: str = "directory_test") -> str:
    with unit_of_work.write(engine) as connection:
        directories.insert_directory(
            connection,
            directory_id=directory_id,
            name="Test",
            tenant="t",
            provider="generic",
            scim_token_hash=f"hash-{directory_id}",
            webhook_url=None,
            webhook_secret_ciphertext=None,
            attribute_map={},
            connection_ciphertext=None,
            now=NOW,
        )
    return directory_id


def append(engine: Engine, directory_id: str, count: int) -> None:
    with unit_of_work.write(engine) as connection:
        store = SqlDirectoryStore(connection, NOW)
        directory = store.lock_directory(directory_id)
        assert directory is not None
        store.append_events(
            directory, [PendingEvent("user.created", {"n": i}) for i in range(count)]
        )


def feed_sequences(engine: Engine, directory_id: str) -> list[int]:
    with unit_of_work.read(engine) as connection:
        page = event_store.read_directory_feed(
            connection, directory_id, after_sequence=0, limit=10_000, types=None
        )
    return [e.sequence for e in page]


def test_threads_appending_get_a_gapless_sequence(engine: Engine) -> None:
    directory_id = make_directory(engine)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(10):
                append(engine, directory_id, 3)
        except BaseException as error:  # collected and re-raised in the test thread
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert feed_sequences(engine, directory_id) == list(range(1, 181))


def test_rolled_back_transaction_consumes_no_sequence(engine: Engine) -> None:
    directory_id = make_directory(engine)
    append(engine, directory_id, 2)

    def append_then_fail() -> None:
        with unit_of_work.write(engine) as connection:
            store = SqlDirectoryStore(connection, NOW)
            directory = store.lock_directory(directory_id)
            assert directory is not None
            store.append_events(directory, [PendingEvent("user.created", {})])
            raise RuntimeError("abort")

    with pytest.raises(RuntimeError):
        append_then_fail()
    append(engine, directory_id, 1)
    assert feed_sequences(engine, directory_id) == [1, 2, 3]


def test_database_refuses_a_duplicate_sequence(engine: Engine) -> None:
    directory_id = make_directory(engine)
    row = {
        "directory_id": directory_id,
        "sequence": 1,
        "type": "user.created",
        "occurred_at": NOW,
        "body": "{}",
    }
    with unit_of_work.write(engine) as connection:
        connection.execute(insert(events).values(id="event_a", **row))
    with pytest.raises(IntegrityError), unit_of_work.write(engine) as connection:
        connection.execute(insert(events).values(id="event_b", **row))


def test_global_feed_orders_and_pages(engine: Engine) -> None:
    first, second = make_directory(engine, "directory_a"), make_directory(engine, "directory_b")
    append(engine, first, 2)
    append(engine, second, 1)
    append(engine, first, 1)
    page = read_global_page(engine, after=None, limit=2, types=None)
    rest = read_global_page(engine, after=page[-1].id, limit=10, types=None)
    order = [(e.directory_id, e.sequence) for e in [*page, *rest]]
    assert order == [(first, 1), (first, 2), (second, 1), (first, 3)]
