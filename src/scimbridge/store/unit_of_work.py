"""Transactions. This is the only module that commits.

``write`` opens a write transaction (``BEGIN IMMEDIATE`` on SQLite) that commits when
the block ends and rolls back if it raises; ``read`` opens a read-only one. Commands
append their events inside the same ``write`` block, so a change without its events
cannot be committed.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from types import TracebackType
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine

from scimbridge.store.engine import WRITE_OPTION

LOCK_FILE_SUFFIX = "-writer.lock"


class SqliteWriterGate:
    """One SQLite writer at a time, queued on locks rather than on SQLite's busy handler.

    SQLite allows one writer; a second ``BEGIN IMMEDIATE`` waits in SQLite's busy handler,
    which sleeps in growing steps of up to 100 ms, so contended writes would wait far
    longer than the write takes (p99 above 1 s under an IdP's push, measured). Threads of
    one process queue on a ``threading.Lock``; processes (``serve --workers N``, a
    ``scimbridge worker``, the CLI) on an exclusive ``flock`` of ``<database>-writer.lock``,
    which the kernel hands to the next waiter the moment it is released. The busy timeout
    stays as the last resort for anything that writes without the gate (migrations).
    PostgreSQL needs no gate: writers to one directory queue on its row lock.
    """

    def __init__(self, lock_path: str | None) -> None:
        self.lock_path = lock_path
        self._thread_lock = threading.Lock()
        self._fd: int | None = None
        self._fd_pid = 0

    def _file(self) -> int:
        # A forked child shares the parent's open file, and with it the flock: reopen.
        if self._fd is None or self._fd_pid != os.getpid():
            self._fd = os.open(str(self.lock_path), os.O_RDWR | os.O_CREAT, 0o600)
            self._fd_pid = os.getpid()
        return self._fd

    def __enter__(self) -> None:
        self._thread_lock.acquire()
        if self.lock_path is None:
            return
        try:
            fcntl.flock(self._file(), fcntl.LOCK_EX)
        except BaseException:
            self._thread_lock.release()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if self.lock_path is not None and self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()


_sqlite_writers: WeakKeyDictionary[Engine, SqliteWriterGate] = WeakKeyDictionary()
_registry_lock = threading.Lock()


def _lock_path(engine: Engine) -> str | None:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None  # an in-memory database lives in one process
    return database + LOCK_FILE_SUFFIX


def _writer_gate(engine: Engine) -> AbstractContextManager[object]:
    if engine.dialect.name != "sqlite":
        return nullcontext()
    with _registry_lock:
        gate = _sqlite_writers.get(engine)
        if gate is None:
            gate = _sqlite_writers[engine] = SqliteWriterGate(_lock_path(engine))
    return gate


@contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    with _writer_gate(engine), engine.connect() as connection:
        connection = connection.execution_options(**{WRITE_OPTION: True})
        with connection.begin():
            yield connection


@contextmanager
def read(engine: Engine) -> Iterator[Connection]:
    """A read-only unit: one snapshot on SQLite; plain statements on PostgreSQL.

    PostgreSQL's READ COMMITTED gives every statement its own snapshot even inside a
    transaction, so ``BEGIN`` and ``COMMIT`` around reads would buy nothing but two more
    round trips per request (of five for a SCIM GET). SQLite keeps one snapshot for the
    whole read transaction, so a page and its count agree.
    """
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            yield connection.execution_options(isolation_level="AUTOCOMMIT")
        return
    with engine.connect() as connection, connection.begin():
        yield connection
