"""SCIM list queries (store/scim_queries.py) on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, true

from scimbridge.directory import commands
from scimbridge.scim.filter.ast import AttrPath
from scimbridge.scim.schemas import USER_RESOURCE
from scimbridge.store import scim_queries, sort_sql, unit_of_work
from scimbridge.store.resources import SqlDirectoryStore
from scimbridge.store.tables import users
from tests.store.test_events_store import make_directory

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)

# userName → title; None is a user without a title.
TITLES = {"a": "Beta", "b": None, "c": "alpha", "d": None, "e": "Gamma"}


@pytest.fixture
def titled(engine: Engine) -> tuple[Engine, str]:
    """Users with and without a ``title``."""
    directory_id = make_directory(engine)
    with unit_of_work.write(engine) as connection:
        writer = commands.open_writer(SqlDirectoryStore(connection, NOW), directory_id, NOW)
        for user_name, title in TITLES.items():
            body = {"userName": user_name, **({"title": title} if title else {})}
            commands.create_user(writer, body)
        writer.flush()
    return engine, directory_id


def sorted_user_names(
    engine: Engine, directory_id: str, *, descending: bool, offset: int = 0, limit: int = 10
) -> list[str]:
    with unit_of_work.read(engine) as connection:
        order = sort_sql.sort_column(
            USER_RESOURCE, AttrPath(None, "title"), connection.dialect.name, directory_id
        )
        records = scim_queries.list_page(
            connection, users, directory_id, true(), order, descending, offset, limit
        )
    return [r.user_name for r in records]


class TestSortOrder:
    """RFC 7644 §3.4.2.3: no sortBy value sorts "last if ascending and first if
    descending" — the same on both databases, whose NULL defaults differ — and a
    case-insensitive attribute sorts case-insensitively (alpha, Beta, Gamma)."""

    def test_ascending_puts_users_without_the_value_last(self, titled) -> None:
        engine, directory_id = titled
        names = sorted_user_names(engine, directory_id, descending=False)
        assert names[:3] == ["c", "a", "e"]
        assert sorted(names[3:]) == ["b", "d"]

    def test_descending_puts_users_without_the_value_first(self, titled) -> None:
        engine, directory_id = titled
        names = sorted_user_names(engine, directory_id, descending=True)
        assert sorted(names[:2]) == ["b", "d"]
        assert names[2:] == ["e", "a", "c"]

    def test_pages_continue_the_order(self, titled) -> None:
        engine, directory_id = titled
        whole = sorted_user_names(engine, directory_id, descending=True)
        pages = [
            name
            for offset in range(0, len(TITLES), 2)
            for name in sorted_user_names(
                engine, directory_id, descending=True, offset=offset, limit=2
            )
        ]
        assert pages == whole
