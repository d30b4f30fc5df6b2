"""Transactions. This is the only module that commits.

``write`` opens a write transaction (``BEGIN IMMEDIATE`` on SQLite) that commits when
the block ends and rolls back if it raises; ``read`` opens a read-only one. Commands
append their events inside the same ``write`` block, so a change without its events
cannot be committed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine

from scimbridge.store.engine import WRITE_OPTION


@contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        connection = connection.execution_options(**{WRITE_OPTION: True})
        with connection.begin():
            yield connection


@contextmanager
def read(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection, connection.begin():
        yield connection
