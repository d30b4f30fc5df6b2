"""The console's own queries, on both databases: bounded, and LIKE-safe."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from scimbridge.directory.models import PendingEvent
from scimbridge.store import console_queries, unit_of_work
from scimbridge.store.resources import SqlDirectoryStore
from tests.store.test_events_store import NOW, make_directory


def append(engine: Engine, directory_id: str, data: list[dict[str, str]]) -> None:
    with unit_of_work.write(engine) as connection:
        store = SqlDirectoryStore(connection, NOW)
        directory = store.lock_directory(directory_id)
        assert directory is not None
        store.append_events(directory, [PendingEvent("user.updated", d) for d in data])


def mentioning(engine: Engine, directory_id: str, resource_id: str) -> list[int]:
    with unit_of_work.read(engine) as connection:
        rows = console_queries.recent_events_mentioning(connection, directory_id, resource_id, 10)
    return [row.sequence for row in rows]


def test_a_users_events_are_found_newest_first_within_the_window(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory_id = make_directory(engine)
    append(
        engine,
        directory_id,
        [{"id": "user_a"}, {"id": "user_b"}, {"id": "user_a"}, {"id": "userXa"}, {"id": "user_b"}],
    )
    assert mentioning(engine, directory_id, "user_a") == [3, 1]
    # ``_`` is a LIKE wildcard: escaped, so user_a does not match userXa.
    assert mentioning(engine, directory_id, "user%") == []
    monkeypatch.setattr(console_queries, "RECENT_EVENTS_WINDOW", 3)
    assert mentioning(engine, directory_id, "user_a") == [3]  # 1 is outside the window


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
