"""The outbox: events appended in the change's transaction, read back as a feed.

Sequence numbers come from ``directories.last_sequence``: one ``UPDATE … RETURNING``
per transaction allocates a block. The row lock it takes (already held by the writer's
``lock_directory``) serialises writers of one directory until commit, so commit order
equals sequence order, and a rollback undoes the increment: the sequence is gap-free
(RELIABILITY.md §2). ``UNIQUE(directory_id, sequence)`` backs it in the schema.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Row, bindparam, func, select

from scimbridge import ids
from scimbridge.clock import isoformat
from scimbridge.directory.models import DirectoryRecord, PendingEvent
from scimbridge.store.prepared import PreparedRead, PreparedWrite
from scimbridge.store.tables import directories, events

_MEMBERSHIP_TYPES = frozenset(("group.user_added", "group.user_removed"))


@dataclass(frozen=True, slots=True)
class StoredEvent:
    position: int
    id: str
    directory_id: str
    sequence: int
    type: str
    feed_position: int | None  # None until the sequencer positions it (store/global_feed.py)
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


def _resource_id(value: Any) -> str | None:
    found = value.get("id") if isinstance(value, dict) else None
    return found if isinstance(found, str) else None


def event_subjects(event_type: str, data: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """``(user_id, group_id)``: the resources an event is about, stored beside its body so
    the console can page one user's or one group's whole history by index.

    Read from the event's ``data`` before it is serialised (no JSON parse on the write
    path): a ``user.*`` event is the user object, ``group.created/updated/deleted`` the
    group object, and a membership event carries both (``{"group": …, "user": …}``,
    directory/group_commands.py). Revision 0011 applies the same rule to stored bodies.
    """
    if event_type.startswith("user."):
        return _resource_id(data), None
    if event_type in _MEMBERSHIP_TYPES:
        return _resource_id(data.get("user")), _resource_id(data.get("group"))
    if event_type.startswith("group."):
        return None, _resource_id(data)
    return None, None


# The channel every commit with events notifies on PostgreSQL (events/embedded.py listens).
NOTIFY_CHANNEL = "scimbridge_events"

# Prebuilt: building the statement per write costs as much as running it (profiled).
_ALLOCATE_SEQUENCES = (
    directories.update()
    .where(directories.c.id == bindparam("match_id"))
    .values(last_sequence=directories.c.last_sequence + bindparam("count"))
)
# On SQLite the same round trip reads the global feed's last position: one writer at a
# time (BEGIN IMMEDIATE), so insert order is commit order and the events can be
# positioned as they are written (store/global_feed.py).
_ALLOCATE_SEQUENCES_SQLITE = PreparedRead(
    _ALLOCATE_SEQUENCES.returning(
        directories.c.last_sequence,
        select(func.coalesce(func.max(events.c.feed_position), 0)).scalar_subquery(),
    )
)
# On PostgreSQL the same round trip queues the NOTIFY that wakes workers in other
# processes (delivered only when this transaction commits, per the PostgreSQL NOTIFY
# docs). Its events stay unpositioned until they are committed.
_ALLOCATE_SEQUENCES_POSTGRESQL = PreparedRead(
    _ALLOCATE_SEQUENCES.returning(
        directories.c.last_sequence, func.pg_notify(NOTIFY_CHANNEL, directories.c.id)
    )
)
_INSERT_EVENTS = PreparedWrite(events.insert())


def _allocate(connection: Connection, directory_id: str, count: int) -> tuple[int, int | None]:
    """Reserve ``count`` sequence numbers: (the last of them, the feed's last position
    when the events are positioned at insert, else None)."""
    parameters = {"match_id": directory_id, "count": count}
    if connection.dialect.name == "postgresql":
        last, _ = _ALLOCATE_SEQUENCES_POSTGRESQL.rows(connection, parameters)[0]
        return int(last), None
    last, feed_end = _ALLOCATE_SEQUENCES_SQLITE.rows(connection, parameters)[0]
    return int(last), int(feed_end)


def append_events(
    connection: Connection,
    directory: DirectoryRecord,
    pending: Sequence[PendingEvent],
    now: datetime,
) -> list[StoredEvent]:
    if not pending:
        return []
    last, feed_end = _allocate(connection, directory.id, len(pending))
    first = last - len(pending) + 1
    stored = []
    rows = []
    for offset, event in enumerate(pending):
        event_id = ids.event_id()
        sequence = first + offset
        body = event_body(event_id, event, directory, sequence, now)
        feed_position = None if feed_end is None else feed_end + 1 + offset
        user_id, group_id = event_subjects(event.type, event.data)
        stored.append(
            StoredEvent(0, event_id, directory.id, sequence, event.type, feed_position, body)
        )
        rows.append(
            {
                "id": event_id,
                "directory_id": directory.id,
                "sequence": sequence,
                "type": event.type,
                "occurred_at": now,
                "feed_position": feed_position,
                "body": body,
                "user_id": user_id,
                "group_id": group_id,
            }
        )
    _INSERT_EVENTS.execute_many(connection, rows)
    return stored


def stored_event(row: Row[Any]) -> StoredEvent:
    return StoredEvent(
        position=int(row.position),
        id=str(row.id),
        directory_id=str(row.directory_id),
        sequence=int(row.sequence),
        type=str(row.type),
        feed_position=None if row.feed_position is None else int(row.feed_position),
        body=str(row.body),
    )


def get_event(connection: Connection, event_id: str) -> StoredEvent | None:
    row = connection.execute(select(events).where(events.c.id == event_id)).first()
    return stored_event(row) if row else None


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
    return [stored_event(row) for row in connection.execute(query)]
