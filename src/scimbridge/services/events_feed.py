"""The events feed for applications that poll (contract: ``GET /api/v1/events``).

The cursor is the id of the last event read. With ``directory_id`` the feed walks that
directory's gap-free sequence; without it, every directory in commit order (see
``store.events.read_global_feed``). The page's ``list_metadata.after`` is the id of its
last event, or the cursor given when nothing new arrived, so a poller can always pass
back what it got.
"""

from __future__ import annotations

from collections.abc import Sequence

from scimbridge.errors import InvalidRequest, NotFound
from scimbridge.runtime import Runtime
from scimbridge.services import cursors
from scimbridge.store import directories as directory_store
from scimbridge.store import events as event_store
from scimbridge.store import unit_of_work
from scimbridge.store.tables import EVENT_TYPES


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
    with unit_of_work.read(runtime.engine) as connection:
        if (
            directory_id is not None
            and directory_store.get_directory(connection, directory_id) is None
        ):
            raise NotFound(f"directory {directory_id} not found")
        cursor_event = cursors.event_cursor(connection, directory_id, after)
        if directory_id is not None:
            page = event_store.read_directory_feed(
                connection,
                directory_id,
                after_sequence=cursor_event.sequence if cursor_event else 0,
                limit=limit,
                types=types,
            )
        else:
            page = event_store.read_global_feed(
                connection,
                after=(cursor_event.txid, cursor_event.position) if cursor_event else None,
                limit=limit,
                types=types,
            )
    next_cursor = page[-1].id if page else after
    return "[" + ",".join(event.body for event in page) + "]", next_cursor
