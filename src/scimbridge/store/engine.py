"""Engine construction for SQLite (embedded default) and PostgreSQL (production).

SQLite: WAL so readers never block the writer, ``busy_timeout`` so concurrent writers
wait instead of failing, ``foreign_keys=ON`` (off by default in SQLite). Write
transactions open with ``BEGIN IMMEDIATE``: a deferred transaction that reads and then
writes can fail with SQLITE_BUSY despite the busy timeout in WAL mode
(https://sqlite.org/wal.html §"Sometimes Queries Return SQLITE_BUSY In WAL Mode").
pysqlite's own transaction handling is switched off so SQLAlchemy's ``begin`` event is
the only place a transaction starts (SQLAlchemy docs, "Serializable isolation /
Savepoints / Transactional DDL" for pysqlite).
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

WRITE_OPTION = "scimbridge_write"


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode("utf-8")


JSON_OPTIONS: dict[str, Any] = {"json_serializer": _dumps, "json_deserializer": orjson.loads}


def normalize_url(url: str) -> str:
    """Accept the contract's ``postgresql://`` and pick the psycopg 3 driver for it."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_db_engine(url: str, *, busy_timeout_ms: int = 30_000, pool_size: int = 10) -> Engine:
    """An engine that never puts bound parameters (users' personal data) in errors.

    ``hide_parameters=True``: SQLAlchemy's ``StatementError`` text, and so every logged
    traceback of a database error, shows the statement without its parameter values.
    """
    url = normalize_url(url)
    if is_sqlite(url):
        return _sqlite_engine(url, busy_timeout_ms)
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_recycle=1800,
        hide_parameters=True,
        **JSON_OPTIONS,
        connect_args={
            # Bound what a stuck transaction can cost everyone else (RELIABILITY.md §3).
            "options": "-c idle_in_transaction_session_timeout=60000 -c statement_timeout=60000",
        },
    )


def create_private_file(path: str) -> None:
    """Create ``path`` empty with mode 0600 unless it exists (SQLite takes it as new).

    SQLite creates a database with the process umask (often 0644: readable by every
    local user) and its ``-wal`` and ``-shm`` files with the database file's mode
    (sqlite.org/src os_unix.c ``findCreateFileMode``), so creating the database file
    0600 first keeps all three private. An existing file keeps the mode it has.
    """
    # A missing directory is left for SQLite to report in its own words.
    with contextlib.suppress(FileExistsError, FileNotFoundError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _sqlite_engine(url: str, busy_timeout_ms: int) -> Engine:
    database = make_url(url).database
    memory = database in (None, "", ":memory:")
    if database and not memory and not database.startswith("file:"):
        create_private_file(database)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
        poolclass=NullPool if memory else None,
        hide_parameters=True,
        **JSON_OPTIONS,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # Straight to the driver: SQLAlchemy's statement machinery around a bare BEGIN
        # cost 27 of the 57 µs a read transaction took (profiled).
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.connection.driver_connection.execute(  # type: ignore[union-attr]
            "BEGIN IMMEDIATE" if write else "BEGIN"
        )

    return engine
