"""The one cursor rule of the admin API's lists (README: "Cursors").

Every list answers ``list_metadata.after``: the id of the last row of the page, to be
passed back as ``after``. Whatever else a client passes is refused with 400
``invalid_cursor``, on every list alike, instead of being read as "from the start"
(a bogus cursor used to return the whole directory from ``users`` but a 400 from
``events``). What a valid cursor is, per list:

* ``directories``, ``users``, ``groups``: an id of that kind as issued (``ids.is_id``:
  prefix and a 26-character time-ordered body), and when the row exists it belongs to
  the directory being listed. These lists walk ``id > after``, so a cursor whose row was
  deleted since is still a position (ids sort by creation time) and stays valid: refusing
  it would break every pager whose page ended on a user the IdP then deleted.
* ``events``: the id of an event that exists (and, with ``directory_id``, of that
  directory): the feed resumes from the event's sequence or commit position, which only
  the stored event knows.
* ``deliveries``: the decimal id of an attempt of that directory that exists (attempts
  are walked newest first by their integer id).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, Table, select

from scimbridge import ids
from scimbridge.errors import InvalidCursor
from scimbridge.store import events as event_store
from scimbridge.store.events import StoredEvent
from scimbridge.store.tables import deliveries, groups, users

_MAX_ATTEMPT_ID = 2**63 - 1  # BIGINT


class _Identified(Protocol):
    @property
    def id(self) -> Any: ...


_Row = TypeVar("_Row", bound=_Identified)


def split_page(rows: Sequence[_Row], limit: int) -> tuple[Sequence[_Row], Any]:
    """Lists read ``limit + 1`` rows: the extra one only says a next page exists. Returns
    the page and its ``list_metadata.after`` (its last id, or None on the last page)."""
    page = rows[:limit]
    return page, page[-1].id if len(rows) > limit else None


def refuse(after: str, expected: str) -> InvalidCursor:
    """The 400 ``invalid_cursor`` for ``after``, saying what the list expected instead."""
    shown = after if len(after) <= 80 else after[:77] + "..."
    return InvalidCursor(
        f"invalid cursor {shown!r}: pass list_metadata.after of the previous page ({expected})"
    )


def directory_cursor(after: str | None) -> str | None:
    """A ``directory_…`` id; directories are not scoped, so the shape is the whole rule."""
    if not after:
        return None
    if not ids.is_id(after, "directory"):
        raise refuse(after, "a directory id")
    return after


def _scoped_id(
    connection: Connection, table: Table, prefix: str, directory_id: str, after: str | None
) -> str | None:
    if not after:
        return None
    if not ids.is_id(after, prefix):
        raise refuse(after, f"a {prefix} id")
    owner = connection.execute(select(table.c.directory_id).where(table.c.id == after)).scalar()
    if owner is not None and owner != directory_id:
        raise refuse(after, f"a {prefix} id of this directory")
    return after


def user_cursor(connection: Connection, directory_id: str, after: str | None) -> str | None:
    return _scoped_id(connection, users, "user", directory_id, after)


def group_cursor(connection: Connection, directory_id: str, after: str | None) -> str | None:
    return _scoped_id(connection, groups, "group", directory_id, after)


def event_cursor(
    connection: Connection, directory_id: str | None, after: str | None
) -> StoredEvent | None:
    """The stored event the feed resumes after."""
    if not after:
        return None
    if not ids.is_id(after, "event"):
        raise refuse(after, "an event id")
    event = event_store.get_event(connection, after)
    if event is None:
        raise refuse(after, "the id of an event that exists")
    if directory_id is not None and event.directory_id != directory_id:
        raise refuse(after, "an event of this directory")
    return event


def delivery_cursor(connection: Connection, directory_id: str, after: str | None) -> int | None:
    if not after:
        return None
    if not (after.isascii() and after.isdigit()) or not 0 < int(after) <= _MAX_ATTEMPT_ID:
        raise refuse(after, "a delivery attempt id")
    attempt_id = int(after)
    owner: Any = connection.execute(
        select(deliveries.c.directory_id).where(deliveries.c.id == attempt_id)
    ).scalar()
    if owner != directory_id:
        raise refuse(after, "the id of an attempt of this directory")
    return attempt_id
