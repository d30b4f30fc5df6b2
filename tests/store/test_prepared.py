"""A prepared read returns exactly what SQLAlchemy's ``Connection.execute`` returns."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, bindparam, literal, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from scimbridge.store import unit_of_work
from scimbridge.store.prepared import PreparedRead, PreparedWrite
from scimbridge.store.resources import (
    _GET_USER,
    _GROUPS_OF_USER,
    _LOCK_DIRECTORY,
    _USERS_BY_UNIQUE_KEYS,
    SqlDirectoryStore,
)
from scimbridge.store.tables import directories, users
from tests.store.test_events_store import NOW, make_directory
from tests.store.test_store_reads import _group, _user


def _seed(engine: Engine) -> str:
    directory_id = make_directory(engine)
    with unit_of_work.write(engine) as connection:
        store = SqlDirectoryStore(connection, NOW)
        store.insert_user(_user(directory_id, "user_1"), [])
        store.insert_user(_user(directory_id, "user_2"), [])
        for group_id, name in (("group_b", "Pilots"), ("group_a", "Crew")):
            store.insert_group(_group(directory_id, group_id, name))
            store.add_members(directory_id, group_id, ["user_1"])
    return directory_id


def _both(engine: Engine, prepared: PreparedRead, params: dict[str, object]) -> None:
    with unit_of_work.read(engine) as connection:
        expected = [tuple(row) for row in connection.execute(prepared.statement, params)]
        got = prepared.rows(connection, params)
    assert [tuple(row) for row in got] == expected
    assert [[type(value) for value in row] for row in got] == [
        [type(value) for value in row] for row in expected
    ]


def test_rows_match_sqlalchemy_types_included(engine: Engine) -> None:
    directory_id = _seed(engine)
    _both(engine, _GET_USER, {"directory_id": directory_id, "id": "user_1"})
    _both(engine, _GET_USER, {"directory_id": directory_id, "id": "nobody"})
    _both(engine, _GROUPS_OF_USER, {"directory_id": directory_id, "user_id": "user_1"})
    _both(engine, _LOCK_DIRECTORY, {"directory_id": directory_id})
    _both(
        engine,
        _USERS_BY_UNIQUE_KEYS,
        {"directory_id": directory_id, "key": "user_2@example.com", "external_id": None},
    )


def test_rows_are_read_by_attribute_and_carry_aware_datetimes(engine: Engine) -> None:
    directory_id = _seed(engine)
    with unit_of_work.read(engine) as connection:
        row = _GET_USER.first(connection, {"directory_id": directory_id, "id": "user_1"})
    assert row is not None
    assert row.user_name == "user_1@example.com"
    assert row.active is True
    assert row.attributes == {"userName": "user_1@example.com"}
    assert row.created_at == NOW
    assert row.created_at.tzinfo is not None


def test_bind_processors_and_literal_values_are_applied(engine: Engine) -> None:
    """A datetime bind goes through the column type; a literal in the statement stays."""
    directory_id = _seed(engine)
    later = PreparedRead(
        select(users.c.id, literal("tag").label("tag"))
        .where(users.c.directory_id == bindparam("directory_id"))
        .where(users.c.created_at >= bindparam("since", type_=users.c.created_at.type))
        .order_by(users.c.id)
    )
    with unit_of_work.read(engine) as connection:
        found = later.rows(connection, {"directory_id": directory_id, "since": NOW})
        none = later.rows(
            connection,
            {"directory_id": directory_id, "since": datetime(2999, 1, 1, tzinfo=UTC)},
        )
    assert [tuple(row) for row in found] == [("user_1", "tag"), ("user_2", "tag")]
    assert none == []


def test_scalar_answers_the_first_column_or_none(engine: Engine) -> None:
    directory_id = _seed(engine)
    by_id = PreparedRead(select(directories.c.id).where(directories.c.id == bindparam("id")))
    with unit_of_work.read(engine) as connection:
        assert by_id.scalar(connection, {"id": directory_id}) == directory_id
        assert by_id.scalar(connection, {"id": "missing"}) is None


def test_expanding_parameters_are_refused(engine: Engine) -> None:
    listing = PreparedRead(
        select(users.c.id).where(users.c.id.in_(bindparam("ids", expanding=True)))
    )
    with unit_of_work.read(engine) as connection, pytest.raises(ValueError, match="expanding"):
        listing.rows(connection, {"ids": ["a"]})


def test_driver_errors_are_sqlalchemy_errors(engine: Engine) -> None:
    broken = PreparedRead(select(text("no_such_column")).select_from(users))
    with unit_of_work.read(engine) as connection, pytest.raises(DBAPIError):
        broken.rows(connection, {})


def test_the_directory_lock_is_a_row_lock_on_postgresql(engine: Engine) -> None:
    """A second writer waits on the first one's ``FOR UPDATE`` (here: times out)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time and no row locks")
    directory_id = make_directory(engine)
    params = {"directory_id": directory_id}
    with unit_of_work.write(engine) as first:
        assert _LOCK_DIRECTORY.first(first, params) is not None
        with unit_of_work.write(engine) as second:
            second.execute(text("SET LOCAL lock_timeout = '100ms'"))
            with pytest.raises(DBAPIError, match="lock"):
                _LOCK_DIRECTORY.first(second, params)


# ------------------------------------------------------------------ writes


def _user_row(user_id: str, directory_id: str) -> dict[str, object]:
    return {
        "id": user_id,
        "directory_id": directory_id,
        "external_id": None,
        "user_name": f"{user_id}@example.com",
        "user_name_key": f"{user_id}@example.com",
        "display_name": "Ann",
        "given_name": None,
        "family_name": None,
        "active": True,
        "attributes": {"userName": f"{user_id}@example.com", "x": [1, {"y": None}]},
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
    }


def test_a_prepared_insert_stores_what_sqlalchemy_stores(engine: Engine) -> None:
    directory_id = make_directory(engine)
    insert = PreparedWrite(users.insert())
    with unit_of_work.write(engine) as connection:
        connection.execute(users.insert(), _user_row("by_sqlalchemy", directory_id))
        insert.execute(connection, _user_row("prepared", directory_id))
    with unit_of_work.read(engine) as connection:
        raw = text("SELECT * FROM users WHERE id IN ('by_sqlalchemy', 'prepared') ORDER BY id")
        stored = [dict(row._mapping) for row in connection.execute(raw)]
    for row in stored:  # the ids and the names derived from them differ, nothing else
        for key in ("id", "user_name", "user_name_key", "attributes"):
            row.pop(key)
    assert stored[0] == stored[1]


def test_prepared_updates_and_deletes_count_their_rows(engine: Engine) -> None:
    directory_id = make_directory(engine)
    update = PreparedWrite(
        users.update().where(users.c.id == bindparam("match_id")).values(version=bindparam("v"))
    )
    with unit_of_work.write(engine) as connection:
        PreparedWrite(users.insert()).execute_many(
            connection, [_user_row(f"user_{n}", directory_id) for n in range(3)]
        )
        assert update.execute(connection, {"match_id": "user_1", "v": 7}) == 1
        assert update.execute(connection, {"match_id": "nobody", "v": 7}) == 0
        gone = PreparedWrite(users.delete().where(users.c.directory_id == bindparam("d")))
        assert gone.execute(connection, {"d": directory_id}) == 3


def test_update_returning_runs_as_a_prepared_read(engine: Engine) -> None:
    directory_id = make_directory(engine)
    bump = PreparedRead(
        directories.update()
        .where(directories.c.id == bindparam("match_id"))
        .values(last_sequence=directories.c.last_sequence + bindparam("count"))
        .returning(directories.c.last_sequence)
    )
    with unit_of_work.write(engine) as connection:
        assert bump.scalar(connection, {"match_id": directory_id, "count": 2}) == 2
        assert bump.scalar(connection, {"match_id": directory_id, "count": 3}) == 5


def test_a_constraint_violation_is_sqlalchemys_integrity_error(engine: Engine) -> None:
    directory_id = make_directory(engine)
    insert = PreparedWrite(users.insert())

    def insert_twice() -> None:
        with unit_of_work.write(engine) as connection:
            insert.execute(connection, _user_row("twice", directory_id))
            insert.execute(connection, _user_row("twice", directory_id))

    with pytest.raises(IntegrityError) as raised:
        insert_twice()
    # Like the engine's own errors, never the row's values (users' personal data).
    assert "parameters hidden" in str(raised.value)
    with unit_of_work.read(engine) as connection:  # the transaction rolled back whole
        assert _GET_USER.first(connection, {"directory_id": directory_id, "id": "twice"}) is None
