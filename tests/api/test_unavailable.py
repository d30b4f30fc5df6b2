"""Which database errors mean "unavailable, retry" (503) and which are bugs (500)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import psycopg.errors
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from scimbridge.api.handlers import is_unavailable


def _sqlite_error(path: Path, statement: str, *, lock: bool = False) -> BaseException:
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE IF NOT EXISTS t (a INTEGER PRIMARY KEY)")
    if lock:
        holder.execute("BEGIN EXCLUSIVE")
    try:
        with engine.begin() as connection:
            connection.execute(text(statement))
    except DBAPIError as error:
        return error
    finally:
        holder.close()
        engine.dispose()
    raise AssertionError("the statement did not fail")


def test_a_locked_sqlite_file_is_unavailable(tmp_path: Path) -> None:
    error = _sqlite_error(tmp_path / "db", "INSERT INTO t VALUES (1)", lock=True)
    assert isinstance(error, OperationalError)
    assert is_unavailable(error)
    assert is_unavailable(error.orig)  # as raised by the driver-level BEGIN IMMEDIATE


@pytest.mark.parametrize(
    "statement",
    ["SELECT * FROM missing", "SELECT (((", "SELECT " + "NOT coalesce((" * 60 + "1" + "), 0)" * 60],
)
def test_a_broken_sqlite_statement_is_a_bug_not_an_outage(tmp_path: Path, statement: str) -> None:
    error = _sqlite_error(tmp_path / "db", statement)
    assert isinstance(error, OperationalError)
    assert not is_unavailable(error)


def test_a_read_only_sqlite_file_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "db"
    sqlite3.connect(path).execute("CREATE TABLE t (a INTEGER)").connection.close()
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    with pytest.raises(OperationalError) as caught, engine.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
    engine.dispose()
    assert "readonly" in str(caught.value)
    assert is_unavailable(caught.value)


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (psycopg.OperationalError("connection failed: Connection refused"), True),
        (psycopg.errors.AdminShutdown("terminating connection"), True),
        (psycopg.errors.QueryCanceled("canceling statement due to statement timeout"), True),
        (psycopg.errors.ProgramLimitExceeded("stack depth limit exceeded"), False),
    ],
)
def test_postgresql_errors_by_sqlstate(error: Exception, unavailable: bool) -> None:
    wrapped = DBAPIError.instance("SELECT 1", {}, error, psycopg.Error)
    assert isinstance(wrapped, OperationalError)
    assert is_unavailable(wrapped) is unavailable


def test_constraint_errors_and_others_are_not_outages(tmp_path: Path) -> None:
    error = _sqlite_error(tmp_path / "db", "INSERT INTO t VALUES (NULL), (1), (1)")
    assert isinstance(error, IntegrityError)
    assert not is_unavailable(error)
    assert not is_unavailable(ValueError("x"))
