"""SCIM request log rows: batched inserts, newest-first pages and the retention prune.

Rows arrive from :mod:`scimbridge.services.request_recorder` already redacted. Pages are
keyset pages on the time-ordered id, newest first, each an index range scan
(``ix_request_log_directory_id_*``), so a busy directory's log costs the same to page
at any depth.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select

from scimbridge.store.prepared import PreparedWrite
from scimbridge.store.pruning import delete_batch
from scimbridge.store.tables import directories, request_log

SUMMARY_COLUMNS = tuple(c for c in request_log.c if c.name not in ("request_body", "response_body"))


def existing_directory_ids(connection: Connection, directory_ids: Iterable[str]) -> set[str]:
    """Which of these ids name a directory (a 401 for an unknown id is not kept)."""
    wanted = sorted(set(directory_ids))
    if not wanted:
        return set()
    rows = connection.execute(select(directories.c.id).where(directories.c.id.in_(wanted)))
    return {row.id for row in rows}


# Prepared (store/prepared.py): SQLAlchemy's per-row bookkeeping of a plain executemany
# was most of a batch's cost, paid for every SCIM request the log records.
_INSERT = PreparedWrite(insert(request_log))


def insert_rows(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    _INSERT.execute_many(connection, rows)


def list_requests(
    connection: Connection,
    directory_id: str,
    *,
    after: str | None,
    limit: int,
    status: int | None = None,
    errors_only: bool = False,
) -> list[Row[Any]]:
    query = (
        select(*SUMMARY_COLUMNS)
        .where(request_log.c.directory_id == directory_id)
        .order_by(request_log.c.id.desc())
        .limit(limit)
    )
    if after is not None:
        query = query.where(request_log.c.id < after)
    if status is not None:
        query = query.where(request_log.c.status == status)
    if errors_only:
        query = query.where(request_log.c.failed.is_(True))
    return list(connection.execute(query))


def get_request(connection: Connection, directory_id: str, request_id: str) -> Row[Any] | None:
    return connection.execute(
        select(request_log).where(
            request_log.c.directory_id == directory_id, request_log.c.id == request_id
        )
    ).first()


def latest_received_at(
    connection: Connection, directory_id: str, *, failed_only: bool = False
) -> datetime | None:
    """When the newest (failed) request of a directory arrived: one index seek."""
    query = (
        select(request_log.c.received_at)
        .where(request_log.c.directory_id == directory_id)
        .order_by(request_log.c.id.desc())
        .limit(1)
    )
    if failed_only:
        query = query.where(request_log.c.failed.is_(True))
    received: datetime | None = connection.execute(query).scalar()
    return received


def prune(connection: Connection, *, before: datetime, batch: int) -> int:
    """Delete up to ``batch`` rows received before ``before``; the number deleted.

    Bounded so one prune never holds the (SQLite) write lock for long: the caller loops
    while a full batch came back.
    """
    return delete_batch(
        connection,
        request_log,
        request_log.c.received_at < before,
        batch=batch,
        order_by=request_log.c.received_at,
    )
