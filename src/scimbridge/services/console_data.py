"""Reads the console's user, group and event pages need beyond the JSON API's.

* User search takes what an admin has at hand: an e-mail (the ``user_emails`` index, as
  the API's ``email`` filter) or a userName (the unique ``user_name_key`` index): each is
  one index lookup, never a scan of a 100,000-user directory.
* A user's events are found among the directory's most recent events
  (``store.console_queries.recent_events_mentioning``): a bounded window, not the whole
  history, and the page says so.
"""

from __future__ import annotations

from typing import Any

import orjson

from scimbridge.clock import isoformat
from scimbridge.runtime import Runtime
from scimbridge.services import directory_data
from scimbridge.services.lookups import require_directory
from scimbridge.store import console_queries, unit_of_work

USER_EVENTS_LIMIT = 25


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


def user_events(runtime: Runtime, directory_id: str, user_id: str) -> list[dict[str, Any]]:
    """The newest events that name the user, among the directory's recent ones."""
    with unit_of_work.read(runtime.engine) as connection:
        require_directory(connection, directory_id)
        rows = console_queries.recent_events_mentioning(
            connection, directory_id, user_id, USER_EVENTS_LIMIT
        )
    return [
        {
            "id": row.id,
            "sequence": row.sequence,
            "type": row.type,
            "occurred_at": isoformat(row.occurred_at),
            "data": orjson.loads(row.body).get("data"),
        }
        for row in rows
    ]


def pretty_json(value: Any) -> str:
    """Indented JSON for a ``<pre>`` block (escaped by the template like any text)."""
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode()
