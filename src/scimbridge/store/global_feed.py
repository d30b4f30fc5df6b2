"""The global events feed: one order over every directory, given once, never changed.

Nothing a PostgreSQL writer can take while it writes is commit order (issue 11 §1;
RELIABILITY.md §3, pitfall 1). A ``position`` (identity value) is taken at insert and
commits whenever its transaction does; the transaction id is taken even earlier, before
the writer waits for its directory's lock. Ordering by either let a directory's event
n+1 come out before n, and let an event commit behind a cursor already handed out.

So an event gets its ``feed_position`` only once it is committed, and positions are only
ever appended. The *sequencer* (:func:`position_committed`) is a short transaction of
its own, serialised by a transaction-level advisory lock: it takes the committed events
that have no position yet, in insert order, and numbers them after the largest
position. Feed requests run it (``services/events_feed.py``); there is no background
job, so a feed nobody polls keeps its new events in the partial index until the first
poll, which positions them a batch at a time. Why the order holds by construction:

- Per directory, in ``sequence`` order with no hole. A directory's writers hold its row
  lock from allocating the sequence until commit (``store/events.py``), so event n+1 is
  inserted (its ``position`` taken) only after n committed: the committed events of a
  directory are always its sequences 1..k, and among them ``position`` grows with
  ``sequence``. The sequencer takes the lowest positions of what is committed and
  unpositioned, which for every directory is a prefix of what it had left.
- Never behind a cursor. Assignments are serialised and each commits before its lock is
  released, and the next one's ``UPDATE`` takes its snapshot after it gets the lock
  (READ COMMITTED: a snapshot per statement). So every reader sees positions 1..P and
  all later ones are above P; a cursor is a position its reader saw.
- Commit order across directories. An event committed before another's transaction
  began is visible to every snapshot that sees the other and has the smaller
  ``position``: it comes first. Events of overlapping transactions go in insert order,
  which no reader can tell apart from a commit order.
- A long transaction holds back only its own events (its directory's writers wait for
  it anyway). The old feed read behind the oldest running transaction of the whole
  server, so one idle-in-transaction session stalled every directory.

SQLite has one writer at a time, so insert order is commit order: ``append_events``
positions events as it writes them and the sequencer never finds work there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select, bindparam, func, select, text
from sqlalchemy.exc import DBAPIError

from scimbridge.store.events import StoredEvent, stored_event
from scimbridge.store.tables import events

# The sequencer's advisory lock key (store/migrations/env.py holds 0x5C1B_0001).
FEED_LOCK_ID = 0x5C1B_0002
# Events positioned per sequencer transaction: a backlog (a feed nobody polled for a
# while) is numbered in short steps, and a reader stops as soon as its page is full.
SEQUENCER_BATCH = 1_000
# How long a sequencer waits for the lock or a row; then the reader serves what is
# positioned (PostgreSQL SQLSTATE 55P03, lock_not_available).
SEQUENCER_LOCK_TIMEOUT = "5s"
_LOCK_NOT_AVAILABLE = "55P03"

# Every statement here is served by an index (tests/store/test_query_plans.py): the
# page by ix_events_feed_position, the unpositioned events by the partial
# ix_events_unpositioned, which holds only them, so an idle check costs nothing.
_unpositioned = events.c.feed_position.is_(None)

# The batch is numbered after the largest position in one statement. Aliases keep the
# subqueries from being correlated to the table being updated.
_pending = events.alias("pending")
_positioned = events.alias("positioned")
_batch = (
    select(_pending.c.position)
    .where(_pending.c.feed_position.is_(None))
    .order_by(_pending.c.position)
    .limit(bindparam("batch", SEQUENCER_BATCH))
    .subquery("batch")
)
_numbered = select(
    _batch.c.position,
    (
        select(func.coalesce(func.max(_positioned.c.feed_position), 0)).scalar_subquery()
        + func.row_number().over(order_by=_batch.c.position)
    ).label("feed_position"),
).subquery("numbered")
POSITION_BATCH = (
    events.update()
    .where(events.c.position == _numbered.c.position)
    .values(feed_position=_numbered.c.feed_position)
)


def page_query(after_position: int, limit: int, types: Sequence[str] | None) -> Select[Any]:
    """Positioned events after a feed position, in feed order (0: from the start).

    Exact with ``types``: the filter only skips rows of an order that never changes.
    """
    query = (
        select(events)
        .where(events.c.feed_position > after_position)
        .order_by(events.c.feed_position)
        .limit(limit)
    )
    return query.where(events.c.type.in_(types)) if types else query


def read_page(
    connection: Connection, *, after_position: int, limit: int, types: Sequence[str] | None
) -> list[StoredEvent]:
    query = page_query(after_position, limit, types)
    return [stored_event(row) for row in connection.execute(query)]


HORIZON = select(func.max(events.c.position)).where(_unpositioned)
UNPOSITIONED_UP_TO = (
    select(events.c.position).where(_unpositioned, events.c.position <= bindparam("up_to")).limit(1)
)


def unpositioned_horizon(connection: Connection) -> int | None:
    """The largest ``position`` among committed events the sequencer has not reached."""
    value = connection.execute(HORIZON).scalar()
    return None if value is None else int(value)


def has_unpositioned(connection: Connection, *, up_to: int) -> bool:
    """Whether a committed event at or below this ``position`` still has no place."""
    return connection.execute(UNPOSITIONED_UP_TO, {"up_to": up_to}).first() is not None


def position_committed(
    connection: Connection, batch: int | None = None, *, queue: bool = False
) -> int | None:
    """The sequencer: give the first ``batch`` (default :data:`SEQUENCER_BATCH`) committed,
    unpositioned events, by insert order, the next feed positions; how many it gave.

    Run it alone in a write unit, which commits (and so releases the lock) at once.
    On PostgreSQL the first caller takes the advisory lock. A caller that finds it taken
    waits only until that sequencer commits, by asking for the lock in shared mode along
    with every other such caller, and returns None without positioning anything: the
    other one positioned what was committed before its ``UPDATE`` began, most likely all
    this caller was after, so a crowd of pollers behind one new event wakes together
    instead of taking the lock one after another. A caller that finds something left
    after such a wait passes ``queue=True`` and waits its turn for the lock, so nobody
    spins. Every wait ends in ``lock_timeout`` (:func:`is_lock_timeout`).
    """
    if connection.dialect.name == "postgresql":
        # The snapshot must be taken per statement, after the lock (see the module text).
        connection.execute(text("SET TRANSACTION ISOLATION LEVEL READ COMMITTED"))
        connection.execute(text(f"SET LOCAL lock_timeout = '{SEQUENCER_LOCK_TIMEOUT}'"))
        if queue:
            connection.execute(select(func.pg_advisory_xact_lock(FEED_LOCK_ID)))
        elif not connection.execute(select(func.pg_try_advisory_xact_lock(FEED_LOCK_ID))).scalar():
            connection.execute(select(func.pg_advisory_xact_lock_shared(FEED_LOCK_ID)))
            return None
    parameters = {"batch": batch or SEQUENCER_BATCH}
    return int(connection.execute(POSITION_BATCH, parameters).rowcount)


def is_lock_timeout(error: DBAPIError) -> bool:
    return getattr(error.orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE
