"""The events feed for applications that poll (contract: ``GET /api/v1/events``).

The cursor is the id of the last event read. With ``directory_id`` the feed walks that
directory's gap-free sequence; without it, every directory in the global feed's order
(``store.global_feed``). The page's ``list_metadata.after`` is the id of its
last event, or the cursor given when nothing new arrived, so a poller can always pass
back what it got.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from scimbridge.errors import InvalidRequest
from scimbridge.observability import redaction
from scimbridge.runtime import Runtime
from scimbridge.services import cursors
from scimbridge.services.lookups import require_directory
from scimbridge.store import events as event_store
from scimbridge.store import global_feed, unit_of_work
from scimbridge.store.events import StoredEvent
from scimbridge.store.tables import EVENT_TYPES

log = redaction.logger("scimbridge.api")


def parse_types(raw: str | None) -> list[str] | None:
    if not raw:
        return None
    types = [part.strip() for part in raw.split(",") if part.strip()]
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown:
        raise InvalidRequest(f"unknown event type {unknown[0]!r}; known: {', '.join(EVENT_TYPES)}")
    return types


def read_feed(
    runtime: Runtime,
    *,
    directory_id: str | None,
    after: str | None,
    limit: int,
    types: Sequence[str] | None,
) -> tuple[str, str | None]:
    """The page as a JSON array text (stored bytes, not re-serialised) and its cursor."""
    if directory_id is None:
        page = read_global_page(runtime.engine, after=after, limit=limit, types=types)
    else:
        page = _read_directory_page(runtime.engine, directory_id, after, limit, types)
    next_cursor = page[-1].id if page else after
    return "[" + ",".join(event.body for event in page) + "]", next_cursor


def _read_directory_page(
    engine: Engine,
    directory_id: str,
    after: str | None,
    limit: int,
    types: Sequence[str] | None,
) -> list[StoredEvent]:
    with unit_of_work.read(engine) as connection:
        require_directory(connection, directory_id)
        cursor_event = cursors.event_cursor(connection, directory_id, after)
        return event_store.read_directory_feed(
            connection,
            directory_id,
            after_sequence=cursor_event.sequence if cursor_event else 0,
            limit=limit,
            types=types,
        )


def _positioned_page(
    connection: Connection, after: str | None, limit: int, types: Sequence[str] | None
) -> list[StoredEvent]:
    cursor_event = cursors.event_cursor(connection, None, after)
    if cursor_event is None:
        return global_feed.read_page(connection, after_position=0, limit=limit, types=types)
    if cursor_event.feed_position is None:
        # Committed but not yet positioned (its id came from a webhook or the directory
        # feed): nothing after it has a place yet either. The caller positions it.
        return []
    return global_feed.read_page(
        connection, after_position=cursor_event.feed_position, limit=limit, types=types
    )


def read_global_page(
    engine: Engine, *, after: str | None, limit: int, types: Sequence[str] | None
) -> list[StoredEvent]:
    """Every directory's events after the cursor event, in feed order (store/global_feed.py).

    The page is read from what is positioned. A full page is final: whatever is not
    positioned yet will be numbered after every position there is. Otherwise the
    sequencer runs, a batch at a time, until every event that was committed when the
    request came in (up to the horizon) is positioned, so a change acknowledged before
    the request is in its answer. The check comes before the page in each round: on
    PostgreSQL every statement has its own snapshot, and a page read before another
    poller's sequencer committed must not be trusted because a check after it finds
    nothing left. The common case, a poller at the head with nothing new, costs two
    indexed queries and no lock; a crowd of pollers behind a new event waits for one
    sequencer together (``position_committed``).
    """
    horizon: int | None = None
    queue = False  # after waiting for another sequencer once, wait in line for the lock
    while True:
        with unit_of_work.read(engine) as connection:
            if horizon is None:
                horizon = global_feed.unpositioned_horizon(connection)
                complete = horizon is None
            else:
                complete = not global_feed.has_unpositioned(connection, up_to=horizon)
            page = _positioned_page(connection, after, limit, types)
        if complete or len(page) == limit:
            return page
        try:
            with unit_of_work.write(engine) as connection:
                queue = global_feed.position_committed(connection, queue=queue) is None
        except DBAPIError as error:
            if not global_feed.is_lock_timeout(error):
                raise
            # Correct but not fresh: the rest comes with a later poll.
            log.warning(
                "events feed: the sequencer lock is held too long; serving what is positioned"
            )
            return page
