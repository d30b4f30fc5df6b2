"""Queries only the console makes; each is bounded by an index and a LIMIT."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, func, or_, select

from scimbridge.directory.models import DirectoryRecord
from scimbridge.store.directories import directory_from_row
from scimbridge.store.tables import directories, events, users

# How far back the user page looks for a user's events (see recent_events_mentioning).
RECENT_EVENTS_WINDOW = 2000


def _escape(text: str) -> str:
    """``text`` as a literal inside a LIKE pattern with ``ESCAPE '\\'``."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like(text: str) -> str:
    return f"%{_escape(text.casefold())}%"


def search_directories(
    connection: Connection,
    *,
    search: str | None,
    state: str | None,
    provider: str | None,
    after: str | None,
    limit: int,
) -> list[DirectoryRecord]:
    """Name or tenant containing ``search`` (case-insensitive), and the exact filters.

    The table holds one row per customer, not per user, so a substring match over it is
    cheap; the LIMIT and the id cursor bound each page.
    """
    query = select(directories).order_by(directories.c.id).limit(limit)
    if search:
        pattern = _like(search)
        query = query.where(
            or_(
                func.lower(directories.c.name).like(pattern, escape="\\"),
                func.lower(directories.c.tenant).like(pattern, escape="\\"),
            )
        )
    if state:
        query = query.where(directories.c.state == state)
    if provider:
        query = query.where(directories.c.provider == provider)
    if after:
        query = query.where(directories.c.id > after)
    return [directory_from_row(row) for row in connection.execute(query)]


def user_id_by_user_name(connection: Connection, directory_id: str, user_name: str) -> str | None:
    """The unique ``(directory_id, user_name_key)`` index: userName is case-insensitive
    (RFC 7643 §4.1.1) and the key is ``str.casefold()``, as the writer stores it."""
    found: str | None = connection.execute(
        select(users.c.id).where(
            users.c.directory_id == directory_id, users.c.user_name_key == user_name.casefold()
        )
    ).scalar()
    return found


def recent_events_mentioning(
    connection: Connection, directory_id: str, resource_id: str, limit: int
) -> list[Row[Any]]:
    """Newest first, the events among the directory's latest ``RECENT_EVENTS_WINDOW`` whose
    body names ``resource_id`` (the user itself, or a group change listing it).

    Bounded on purpose: the window is read through the ``(directory_id, sequence)``
    unique index and only those rows are matched, so the cost does not grow with the
    directory's history; older events are in the events page and the feed.
    """
    window = (
        select(events.c.id, events.c.sequence, events.c.type, events.c.occurred_at, events.c.body)
        .where(events.c.directory_id == directory_id)
        .order_by(events.c.sequence.desc())
        .limit(RECENT_EVENTS_WINDOW)
        .subquery()
    )
    needle = f'%"{_escape(resource_id)}"%'
    query = (
        select(window)
        .where(window.c.body.like(needle, escape="\\"))
        .order_by(window.c.sequence.desc())
        .limit(limit)
    )
    return list(connection.execute(query))
