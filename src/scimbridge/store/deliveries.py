"""Webhook delivery state: cursors, leases and the attempt log.

A worker *claims* directories whose head event is due by writing a lease (owner, random
token, expiry) in one short transaction, delivers outside any transaction, then records
the outcome in another short transaction that only succeeds while the lease token still
matches (a fencing token): a worker that stalled past its lease cannot move a cursor that
another worker now owns. On PostgreSQL the claim uses ``FOR UPDATE SKIP LOCKED`` so
concurrent workers spread over directories instead of queueing on the same rows; SQLite
serialises writers, so the same ``UPDATE`` is safe there (RELIABILITY.md §3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, Select, and_, bindparam, func, or_, select

from scimbridge.store.prepared import PreparedRead, PreparedWrite
from scimbridge.store.tables import deliveries, directories, events, webhook_cursors

RESPONSE_EXCERPT_LIMIT = 2048


@dataclass(frozen=True, slots=True)
class Claim:
    directory_id: str
    last_acked_sequence: int
    failures: int
    first_failure_at: datetime | None


@dataclass(frozen=True, slots=True)
class HeadEvent:
    directory_id: str
    event_id: str
    sequence: int
    body: str
    url: str
    secret_ciphertext: str | None


@dataclass(frozen=True, slots=True)
class Attempt:
    directory_id: str
    event_id: str
    sequence: int
    attempt: int
    kind: str
    url: str
    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None
    response_excerpt: str | None


def create_cursor(
    connection: Connection, directory_id: str, start_after: int, now: datetime
) -> None:
    connection.execute(
        webhook_cursors.insert().values(
            directory_id=directory_id, last_acked_sequence=start_after, next_attempt_at=now
        )
    )


def restart_cursor(
    connection: Connection, directory_id: str, start_after: int, now: datetime
) -> None:
    """A webhook newly configured starts after ``start_after`` (the history stays in the feed)."""
    connection.execute(
        webhook_cursors.update()
        .where(webhook_cursors.c.directory_id == directory_id)
        .values(
            last_acked_sequence=start_after,
            failures=0,
            first_failure_at=None,
            state="active",
            next_attempt_at=now,
            last_error=None,
        )
    )


def resume_cursor(connection: Connection, directory_id: str, now: datetime) -> None:
    """Retry the head event now (after the admin changed the URL, secret or state)."""
    connection.execute(
        webhook_cursors.update()
        .where(webhook_cursors.c.directory_id == directory_id)
        .values(next_attempt_at=now, state="active", failures=0, first_failure_at=None)
    )


def _due(now: datetime) -> Any:
    return and_(
        webhook_cursors.c.state != "disabled",
        webhook_cursors.c.next_attempt_at <= now,
        or_(webhook_cursors.c.lease_expires_at.is_(None), webhook_cursors.c.lease_expires_at < now),
        webhook_cursors.c.last_acked_sequence < directories.c.last_sequence,
        directories.c.webhook_url.is_not(None),
        # A pull directory in error or held still delivers what it already changed.
        directories.c.state.in_(("active", "error", "held")),
    )


def claim_due(
    connection: Connection, *, owner: str, token: str, now: datetime, lease: timedelta, limit: int
) -> list[Claim]:
    candidates = (
        select(webhook_cursors.c.directory_id)
        .join(directories, directories.c.id == webhook_cursors.c.directory_id)
        .where(_due(now))
        .order_by(webhook_cursors.c.next_attempt_at)
        .limit(limit)
    )
    if connection.dialect.name == "postgresql":
        candidates = candidates.with_for_update(of=webhook_cursors, skip_locked=True)
    ids = list(connection.execute(candidates).scalars())
    if not ids:
        return []
    rows = connection.execute(
        webhook_cursors.update()
        .where(webhook_cursors.c.directory_id.in_(ids))
        .values(lease_owner=owner, lease_token=token, lease_expires_at=now + lease)
        .returning(
            webhook_cursors.c.directory_id,
            webhook_cursors.c.last_acked_sequence,
            webhook_cursors.c.failures,
            webhook_cursors.c.first_failure_at,
        )
    )
    return [
        Claim(r.directory_id, int(r.last_acked_sequence), int(r.failures), r.first_failure_at)
        for r in rows
    ]


def _head_query() -> Select[Any]:
    return select(
        events.c.directory_id,
        events.c.id,
        events.c.sequence,
        events.c.body,
        directories.c.webhook_url,
        directories.c.webhook_secret_ciphertext,
    ).join(directories, directories.c.id == events.c.directory_id)


# The statements of every delivery, built once: constructing a SQLAlchemy statement per
# call showed up in the worker's profile (cache keys, coercions) as much as running it.
_HEAD = PreparedRead(
    _head_query().where(
        events.c.directory_id == bindparam("directory_id"),
        events.c.sequence == bindparam("sequence"),
    )
)
_INSERT_ATTEMPT = PreparedWrite(deliveries.insert())
# The fencing token: a cursor moves only while the lease that read it is still held.
_FENCED = and_(
    webhook_cursors.c.directory_id == bindparam("match_directory_id"),
    webhook_cursors.c.lease_token == bindparam("match_token"),
)
_ACKNOWLEDGE = PreparedWrite(
    webhook_cursors.update()
    .where(_FENCED, webhook_cursors.c.last_acked_sequence == bindparam("match_previous"))
    .values(
        last_acked_sequence=bindparam("acked"),
        failures=0,
        first_failure_at=None,
        last_error=None,
        state="active",
        next_attempt_at=bindparam("now", type_=webhook_cursors.c.next_attempt_at.type),
        lease_expires_at=bindparam("lease_until", type_=webhook_cursors.c.lease_expires_at.type),
    )
)


def head_event(connection: Connection, directory_id: str, sequence: int) -> HeadEvent | None:
    """The event a directory's cursor waits on, with where and how to send it."""
    row = _HEAD.first(connection, {"directory_id": directory_id, "sequence": sequence})
    if row is None or row.webhook_url is None:
        return None
    return _head(row)


def _head(row: Any) -> HeadEvent:
    return HeadEvent(
        directory_id=row.directory_id,
        event_id=row.id,
        sequence=int(row.sequence),
        body=row.body,
        url=row.webhook_url or "",
        secret_ciphertext=row.webhook_secret_ciphertext,
    )


def event_for_replay(connection: Connection, event_id: str) -> HeadEvent | None:
    row = connection.execute(_head_query().where(events.c.id == event_id)).first()
    return _head(row) if row is not None else None


def record_attempt(connection: Connection, attempt: Attempt) -> None:
    excerpt = attempt.response_excerpt
    if excerpt is not None:
        excerpt = excerpt.replace("\x00", "")[:RESPONSE_EXCERPT_LIMIT]
    _INSERT_ATTEMPT.execute(
        connection,
        {
            "directory_id": attempt.directory_id,
            "event_id": attempt.event_id,
            "sequence": attempt.sequence,
            "attempt": attempt.attempt,
            "kind": attempt.kind,
            "url": attempt.url,
            "started_at": attempt.started_at,
            "duration_ms": attempt.duration_ms,
            "status_code": attempt.status_code,
            "error": attempt.error[:2000] if attempt.error else None,
            "response_excerpt": excerpt,
        },
    )


def acknowledge(
    connection: Connection,
    directory_id: str,
    token: str,
    sequence: int,
    now: datetime,
    lease: timedelta,
) -> bool:
    """Move the cursor past ``sequence`` and extend the lease; False if the lease was lost."""
    moved = _ACKNOWLEDGE.execute(
        connection,
        {
            "match_directory_id": directory_id,
            "match_token": token,
            "match_previous": sequence - 1,
            "acked": sequence,
            "now": now,
            "lease_until": now + lease,
        },
    )
    return moved > 0


def fail(
    connection: Connection,
    directory_id: str,
    token: str,
    *,
    failures: int,
    first_failure_at: datetime,
    next_attempt_at: datetime,
    state: str,
    error: str,
) -> bool:
    """Record a failed head delivery and release the lease until ``next_attempt_at``."""
    result = connection.execute(
        webhook_cursors.update()
        .where(_FENCED)
        .values(
            failures=failures,
            first_failure_at=first_failure_at,
            next_attempt_at=next_attempt_at,
            state=state,
            last_error=error[:2000],
            lease_owner=None,
            lease_token=None,
            lease_expires_at=None,
        ),
        {"match_directory_id": directory_id, "match_token": token},
    )
    return bool(result.rowcount)


_RELEASE = PreparedWrite(
    webhook_cursors.update()
    .where(_FENCED)
    .values(lease_owner=None, lease_token=None, lease_expires_at=None)
)


def release(connection: Connection, directory_id: str, token: str) -> None:
    _RELEASE.execute(connection, {"match_directory_id": directory_id, "match_token": token})


def renew_leases(
    connection: Connection, owner: str, directory_ids: list[str], until: datetime
) -> int:
    """The heartbeat: extend every lease ``owner`` still holds among ``directory_ids``.

    One statement for all of a worker's directories. A lease another worker has taken
    meanwhile carries that worker's name and is left alone; the fencing token keeps
    guarding every cursor move either way.
    """
    if not directory_ids:
        return 0
    result = connection.execute(
        webhook_cursors.update()
        .where(
            webhook_cursors.c.lease_owner == owner,
            webhook_cursors.c.directory_id.in_(directory_ids),
        )
        .values(lease_expires_at=until)
    )
    return int(result.rowcount)


def release_all(connection: Connection, owner: str) -> int:
    """Give up every lease ``owner`` holds (a worker stopping): the next claim is at once."""
    result = connection.execute(
        webhook_cursors.update()
        .where(webhook_cursors.c.lease_owner == owner)
        .values(lease_owner=None, lease_token=None, lease_expires_at=None)
    )
    return int(result.rowcount)


def cursor_state(connection: Connection, directory_id: str) -> Row[Any] | None:
    return connection.execute(
        select(webhook_cursors).where(webhook_cursors.c.directory_id == directory_id)
    ).first()


def list_attempts(
    connection: Connection,
    directory_id: str,
    *,
    after: int | None,
    limit: int,
    event_id: str | None,
) -> list[Row[Any]]:
    query = select(deliveries).where(deliveries.c.directory_id == directory_id)
    if after is not None:
        query = query.where(deliveries.c.id < after)
    if event_id is not None:
        query = query.where(deliveries.c.event_id == event_id)
    return list(connection.execute(query.order_by(deliveries.c.id.desc()).limit(limit)))


def pending_count(connection: Connection, directory_id: str) -> int:
    row = connection.execute(
        select(
            directories.c.last_sequence - func.coalesce(webhook_cursors.c.last_acked_sequence, 0)
        )
        .select_from(
            directories.outerjoin(
                webhook_cursors, webhook_cursors.c.directory_id == directories.c.id
            )
        )
        .where(directories.c.id == directory_id)
    ).scalar()
    return int(row or 0)
