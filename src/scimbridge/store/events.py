"""The outbox: events appended in the change's transaction, read back as a feed.

Sequence numbers come from ``directories.last_sequence``: one ``UPDATE … RETURNING``
per transaction allocates a block. The row lock it takes (already held by the writer's
``lock_directory``) serialises writers of one directory until commit, so commit order
equals sequence order, and a rollback undoes the increment: the sequence is gap-free
(RELIABILITY.md §2). ``UNIQUE(directory_id, sequence)`` backs it in the schema.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Row, bindparam, func, literal_column, select, text, tuple_

from scimbridge import ids
from scimbridge.clock import isoformat
from scimbridge.directory.models import DirectoryRecord, PendingEvent
from scimbridge.store.prepared import PreparedRead, PreparedWrite
from scimbridge.store.tables import directories, events


@dataclass(frozen=True, slots=True)
class StoredEvent:
    position: int
    id: str
    directory_id: str
    sequence: int
    type: str
    txid: int
    body: str


def event_body(
    event_id: str, event: PendingEvent, directory: DirectoryRecord, sequence: int, now: datetime
) -> str:
    """The event JSON exactly as the contract defines it, serialised once.

    The same bytes are stored, served by the feed and signed by the webhook worker.
    """
    document: dict[str, Any] = {
        "id": event_id,
        "type": event.type,
        "directory_id": directory.id,
        "tenant": directory.tenant,
        "sequence": sequence,
        "occurred_at": isoformat(now),
        "data": event.data,
    }
    return orjson.dumps(document).decode("utf-8")


# The channel every commit with events notifies on PostgreSQL (events/embedded.py listens).
NOTIFY_CHANNEL = "scimbridge_events"

# Prebuilt: building the statement per write costs as much as running it (profiled).
_ALLOCATE_SEQUENCES = (
    directories.update()
    .where(directories.c.id == bindparam("match_id"))
    .values(last_sequence=directories.c.last_sequence + bindparam("count"))
)
_ALLOCATE_SEQUENCES_SQLITE = PreparedRead(
    _ALLOCATE_SEQUENCES.returning(directories.c.last_sequence)
)
# On PostgreSQL the same round trip also reads the transaction id the global feed orders
# by and queues the NOTIFY that wakes workers in other processes (delivered only when
# this transaction commits, per the PostgreSQL NOTIFY docs): one trip instead of three.
_ALLOCATE_SEQUENCES_POSTGRESQL = PreparedRead(
    _ALLOCATE_SEQUENCES.returning(
        directories.c.last_sequence,
        literal_column("pg_current_xact_id()::text::bigint"),
        func.pg_notify(NOTIFY_CHANNEL, directories.c.id),
    )
)
_INSERT_EVENTS = PreparedWrite(events.insert())


def _allocate(connection: Connection, directory_id: str, count: int) -> tuple[int, int]:
    """Reserve ``count`` sequence numbers; (the last of them, this transaction's id)."""
    parameters = {"match_id": directory_id, "count": count}
    if connection.dialect.name == "postgresql":
        last, txid, _ = _ALLOCATE_SEQUENCES_POSTGRESQL.rows(connection, parameters)[0]
        return int(last), int(txid)
    return int(_ALLOCATE_SEQUENCES_SQLITE.scalar(connection, parameters)), 0


def append_events(
    connection: Connection,
    directory: DirectoryRecord,
    pending: Sequence[PendingEvent],
    now: datetime,
) -> list[StoredEvent]:
    if not pending:
        return []
    last, txid = _allocate(connection, directory.id, len(pending))
    first = last - len(pending) + 1
    stored = []
    for offset, event in enumerate(pending):
        event_id = ids.event_id()
        sequence = first + offset
        body = event_body(event_id, event, directory, sequence, now)
        stored.append(StoredEvent(0, event_id, directory.id, sequence, event.type, txid, body))
    _INSERT_EVENTS.execute_many(
        connection,
        [
            {
                "id": e.id,
                "directory_id": e.directory_id,
                "sequence": e.sequence,
                "type": e.type,
                "occurred_at": now,
                "txid": e.txid,
                "body": e.body,
            }
            for e in stored
        ],
    )
    return stored


def _stored(row: Row[Any]) -> StoredEvent:
    return StoredEvent(
        position=int(row.position),
        id=str(row.id),
        directory_id=str(row.directory_id),
        sequence=int(row.sequence),
        type=str(row.type),
        txid=int(row.txid),
        body=str(row.body),
    )


def get_event(connection: Connection, event_id: str) -> StoredEvent | None:
    row = connection.execute(select(events).where(events.c.id == event_id)).first()
    return _stored(row) if row else None


def read_directory_feed(
    connection: Connection,
    directory_id: str,
    *,
    after_sequence: int,
    limit: int,
    types: Sequence[str] | None,
) -> list[StoredEvent]:
    """Events of one directory after a sequence number, oldest first.

    Exact under concurrency: sequences commit in order per directory.
    """
    query = (
        select(events)
        .where(events.c.directory_id == directory_id, events.c.sequence > after_sequence)
        .order_by(events.c.sequence)
        .limit(limit)
    )
    if types:
        query = query.where(events.c.type.in_(types))
    return [_stored(row) for row in connection.execute(query)]


def read_global_feed(
    connection: Connection,
    *,
    after: tuple[int, int] | None,
    limit: int,
    types: Sequence[str] | None,
) -> list[StoredEvent]:
    """Events of every directory, in commit order, after a ``(txid, position)`` cursor.

    On PostgreSQL only transactions older than the snapshot's xmin are visible to the
    feed, so an event committed late can never land behind a cursor already handed out
    (RELIABILITY.md §3, pitfall 1). SQLite has one writer: position is commit order.
    """
    query = select(events).order_by(events.c.txid, events.c.position).limit(limit)
    if after is not None:
        query = query.where(tuple_(events.c.txid, events.c.position) > tuple_(*after))
    if connection.dialect.name == "postgresql":
        query = query.where(
            events.c.txid < text("pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        )
    if types:
        query = query.where(events.c.type.in_(types))
    return [_stored(row) for row in connection.execute(query)]
