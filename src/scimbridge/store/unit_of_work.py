"""Transactions. This is the only module that commits.

``write`` opens a write transaction (``BEGIN IMMEDIATE`` on SQLite) that commits when
the block ends and rolls back if it raises; ``read`` opens a read-only one. Commands
append their events inside the same ``write`` block, so a change without its events
cannot be committed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine

from scimbridge.store.engine import WRITE_OPTION

_sqlite_writers: WeakKeyDictionary[Engine, threading.Lock] = WeakKeyDictionary()
_registry_lock = threading.Lock()


def _writer_gate(engine: Engine) -> AbstractContextManager[object]:
    """One SQLite writer per process at a time, queued on a lock rather than on SQLite.

    SQLite allows one writer; a second ``BEGIN IMMEDIATE`` waits in SQLite's busy handler,
    which sleeps in growing steps of up to 100 ms, so contended writes from the server's
    thread pool would wait far longer than the write takes. A process-local lock hands
    the database over as soon as it is free; other processes still meet the busy timeout.
    PostgreSQL needs no gate: writers to one directory queue on its row lock.
    """
    if engine.dialect.name != "sqlite":
        return nullcontext()
    with _registry_lock:
        gate = _sqlite_writers.get(engine)
        if gate is None:
            gate = _sqlite_writers[engine] = threading.Lock()
    return gate


@contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    with _writer_gate(engine), engine.connect() as connection:
        connection = connection.execution_options(**{WRITE_OPTION: True})
        with connection.begin():
            yield connection


@contextmanager
def read(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection, connection.begin():
        yield connection
