"""Queries only the console makes; each is bounded by an index and a LIMIT."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import Connection, Row, func, or_, select

from scimbridge.directory.models import DirectoryRecord
from scimbridge.store.directories import directory_from_row
from scimbridge.store.tables import directories, events, users


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


def resource_events(
    connection: Connection,
    directory_id: str,
    *,
    subject: Literal["user", "group"],
    resource_id: str,
    before: int | None,
    limit: int,
) -> list[Row[Any]]:
    """One page of the events about a user or a group, newest first, before a sequence.

    ``events.user_id``/``group_id`` are set at insert (``store/events.py``
    ``event_subjects``) and indexed with the sequence, so each page is one range of the
    partial ``(directory_id, user_id|group_id, sequence)`` index, read backwards: the
    same cost for the first page as for the oldest, whatever the directory's history.
    """
    column = events.c.user_id if subject == "user" else events.c.group_id
    query = (
        select(events.c.id, events.c.sequence, events.c.type, events.c.occurred_at, events.c.body)
        .where(events.c.directory_id == directory_id, column == resource_id)
        .order_by(events.c.sequence.desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(events.c.sequence < before)
    return list(connection.execute(query))
