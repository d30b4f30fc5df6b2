"""Reads the console's user, group and event pages need beyond the JSON API's.

* User search takes what an admin has at hand: an e-mail (the ``user_emails`` index, as
  the API's ``email`` filter) or a userName (the unique ``user_name_key`` index): each is
  one index lookup, never a scan of a 100,000-user directory.
* A user's or a group's events are its whole history, newest first, a page at a time
  (``store.console_queries.resource_events``: the events' indexed ``user_id``/``group_id``
  columns), paged by sequence with ``?before=``: the sequence is gap-free and ordered
  per directory, so it is the natural cursor of a newest-first list.
"""

from __future__ import annotations

from typing import Any, Literal

import orjson
from sqlalchemy import Row

from scimbridge.clock import isoformat
from scimbridge.runtime import Runtime
from scimbridge.services import cursors, directory_data
from scimbridge.services.lookups import require_directory
from scimbridge.store import console_queries, unit_of_work

_MAX_SEQUENCE = 2**63 - 1  # BIGINT


def find_users(runtime: Runtime, directory_id: str, text: str) -> list[dict[str, Any]]:
    """The users whose e-mail or userName is ``text`` (case-insensitive), at most a page."""
    found, _ = directory_data.list_users(
        runtime, directory_id, limit=25, after=None, group=None, email=text, active=None
    )
    with unit_of_work.read(runtime.engine) as connection:
        by_name = console_queries.user_id_by_user_name(connection, directory_id, text)
    if by_name is not None and all(user["id"] != by_name for user in found):
        found.insert(0, directory_data.get_user(runtime, directory_id, by_name))
    return found


def resource_events(
    runtime: Runtime,
    directory_id: str,
    subject: Literal["user", "group"],
    resource_id: str,
    *,
    before: str | None,
    limit: int,
) -> tuple[list[dict[str, Any]], int | None]:
    """One page of the events about a user or a group, newest first, and the sequence to
    pass as ``before`` for the older page (None on the oldest).

    Each row names the other side of a membership event (the group on a user's page, the
    user on a group's), read from the event's own data: that is who it was then.
    """
    cursor = sequence_cursor(before)
    with unit_of_work.read(runtime.engine) as connection:
        require_directory(connection, directory_id)
        rows = console_queries.resource_events(
            connection,
            directory_id,
            subject=subject,
            resource_id=resource_id,
            before=cursor,
            limit=limit + 1,
        )
    page = [_event_row(row, subject) for row in rows[:limit]]
    return page, page[-1]["sequence"] if len(rows) > limit else None


def sequence_cursor(before: str | None) -> int | None:
    """``?before=``: a sequence number as the previous page gave it, nothing else."""
    if not before:
        return None
    if not (before.isascii() and before.isdigit()) or not 0 < int(before) <= _MAX_SEQUENCE:
        raise cursors.refuse(before, "the sequence number the previous page gave")
    return int(before)


def _event_row(row: Row[Any], subject: str) -> dict[str, Any]:
    data = orjson.loads(row.body).get("data") or {}
    other = data.get("group" if subject == "user" else "user")
    return {
        "id": row.id,
        "sequence": row.sequence,
        "type": row.type,
        "occurred_at": isoformat(row.occurred_at),
        "other": other if isinstance(other, dict) else None,
    }


def pretty_json(value: Any) -> str:
    """Indented JSON for a ``<pre>`` block (escaped by the template like any text)."""
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode()
