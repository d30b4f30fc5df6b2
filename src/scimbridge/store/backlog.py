"""Webhook delivery backlog per directory, for ``/metrics`` (one bounded query per scrape).

Only directories with a webhook that have undelivered events or failing attempts are
returned, oldest unacknowledged event first, at most ``limit`` of them: with thousands of
directories, a scrape reports the ones an operator must look at and the series count
stays bounded. ``total`` is how many such directories there are, so a cut is visible.
The filter reads each webhook directory's row and cursor once (a primary-key join) and
the head event of each one in the backlog by its ``(directory_id, sequence)`` key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, or_, select

from scimbridge.store.tables import directories, events, webhook_cursors


@dataclass(frozen=True)
class DirectoryBacklog:
    directory_id: str
    provider: str
    pending_events: int
    consecutive_failures: int
    oldest_pending_at: datetime | None  # when the oldest unacknowledged event was written


def delivery_backlog(connection: Connection, limit: int) -> tuple[list[DirectoryBacklog], int]:
    """The ``limit`` directories with the oldest undelivered event, and how many there are."""
    pending = directories.c.last_sequence - webhook_cursors.c.last_acked_sequence
    oldest = (
        select(events.c.occurred_at)
        .where(
            events.c.directory_id == directories.c.id,
            events.c.sequence == webhook_cursors.c.last_acked_sequence + 1,
        )
        .scalar_subquery()
    )
    query = (
        select(
            directories.c.id,
            directories.c.provider,
            pending.label("pending"),
            webhook_cursors.c.failures,
            oldest.label("oldest"),
            func.count().over().label("total"),
        )
        .select_from(
            directories.join(webhook_cursors, webhook_cursors.c.directory_id == directories.c.id)
        )
        .where(
            directories.c.webhook_url.is_not(None),
            or_(pending > 0, webhook_cursors.c.failures > 0),
        )
        .order_by(oldest.is_(None), oldest, directories.c.id)
        .limit(limit)
    )
    rows = connection.execute(query).all()
    backlog = [
        DirectoryBacklog(
            directory_id=row.id,
            provider=row.provider,
            pending_events=max(0, int(row.pending)),
            consecutive_failures=int(row.failures),
            oldest_pending_at=row.oldest,
        )
        for row in rows
    ]
    return backlog, int(rows[0].total) if rows else 0
