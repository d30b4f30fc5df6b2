"""Directories waiting in backoff on one endpoint, and pulling their next attempt in.

When a delivery to an endpoint succeeds, the directories whose retries wait on the same
endpoint are tried again soon (``events.recovery``). Cursors in backoff are exactly those
whose ``next_attempt_at`` lies in the future (an acknowledged or idle cursor's is in the
past), so the search runs on ``ix_webhook_cursors_next_attempt_at`` and touches only the
cursors that wait, never the healthy ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, func, or_, select

from scimbridge.store.tables import directories, webhook_cursors

# Backoff a success may shorten: ``failing`` (past the schedule, retried daily) as well;
# ``disabled`` (410 or an operator) stays disabled.
WAITING_STATES = ("active", "failing")


@dataclass(frozen=True, slots=True)
class Waiting:
    directory_id: str
    url: str
    next_attempt_at: datetime


def waiting_on(
    connection: Connection,
    *,
    exact: Sequence[str],
    prefixes: Sequence[str],
    later_than: datetime,
    limit: int,
) -> list[Waiting]:
    """Cursors in backoff until after ``later_than`` whose lower-cased URL is one of
    ``exact`` or starts with one of ``prefixes``; the longest-waiting first."""
    url = func.lower(directories.c.webhook_url)
    rows = connection.execute(
        select(
            webhook_cursors.c.directory_id,
            directories.c.webhook_url,
            webhook_cursors.c.next_attempt_at,
        )
        .join(directories, directories.c.id == webhook_cursors.c.directory_id)
        .where(
            webhook_cursors.c.next_attempt_at > later_than,
            webhook_cursors.c.failures > 0,
            webhook_cursors.c.state.in_(WAITING_STATES),
            webhook_cursors.c.lease_owner.is_(None),
            directories.c.state == "active",
            or_(url.in_(exact), *(url.startswith(p, autoescape=True) for p in prefixes)),
        )
        .order_by(webhook_cursors.c.next_attempt_at)
        .limit(limit)
    ).all()
    return [Waiting(r.directory_id, r.webhook_url, r.next_attempt_at) for r in rows]


_AT = bindparam("at", type_=webhook_cursors.c.next_attempt_at.type)
_PULL_IN = (
    webhook_cursors.update()
    .where(
        webhook_cursors.c.directory_id == bindparam("match_directory_id"),
        webhook_cursors.c.failures > 0,
        webhook_cursors.c.lease_owner.is_(None),
        webhook_cursors.c.next_attempt_at > _AT,
    )
    .values(next_attempt_at=_AT)
)


def pull_in(connection: Connection, moves: Sequence[tuple[str, datetime]]) -> int:
    """Set each directory's next attempt to its new, earlier time; returns how many moved.

    The guard repeats the search's conditions, so a cursor that was claimed, retried or
    pulled in by another worker since the search is left as it is.
    """
    moved = 0
    for directory_id, at in moves:
        result = connection.execute(_PULL_IN, {"match_directory_id": directory_id, "at": at})
        moved += int(result.rowcount)
    return moved
