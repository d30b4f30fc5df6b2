"""Audit log rows: one per admin action, written in the action's own transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select

from scimbridge.store.pruning import delete_batch
from scimbridge.store.tables import audit_log


def insert_entry(
    connection: Connection,
    *,
    entry_id: str,
    occurred_at: datetime,
    actor_kind: str,
    actor_id: str,
    action: str,
    directory_id: str | None,
    target_id: str | None,
    details: dict[str, Any],
    address: str | None,
) -> None:
    connection.execute(
        insert(audit_log).values(
            id=entry_id,
            occurred_at=occurred_at,
            actor_kind=actor_kind,
            actor_id=actor_id,
            action=action,
            directory_id=directory_id,
            target_id=target_id,
            details=details,
            address=address,
        )
    )


def list_entries(
    connection: Connection, *, after: str | None, limit: int, directory_id: str | None
) -> list[Row[Any]]:
    """Newest first; ``after`` is the id of the last entry of the previous page."""
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if after is not None:
        query = query.where(audit_log.c.id < after)
    if directory_id is not None:
        query = query.where(audit_log.c.directory_id == directory_id)
    return list(connection.execute(query))


def issued_since(
    connection: Connection, *, directory_id: str, actor_id: str, action: str, since: datetime
) -> list[datetime]:
    """When a setup link did ``action`` on its directory after ``since``, oldest first.

    Bounded by the directory's index (``ix_audit_log_directory_id_id``); a link acts on
    one directory only, so this reads that directory's recent rows and no others.
    """
    rows = connection.execute(
        select(audit_log.c.occurred_at)
        .where(
            audit_log.c.directory_id == directory_id,
            audit_log.c.actor_kind == "setup_link",
            audit_log.c.actor_id == actor_id,
            audit_log.c.action == action,
            audit_log.c.occurred_at > since,
        )
        .order_by(audit_log.c.occurred_at)
    )
    return [row.occurred_at for row in rows]


def prune(connection: Connection, *, before: datetime, batch: int) -> int:
    """Delete up to ``batch`` rows that occurred before ``before``; the number deleted.

    Ids are time-ordered, so walking the primary key finds the old rows first and stops
    after ``batch`` of them. There is no index on ``occurred_at``: a run with nothing to
    delete reads the table once (the audit log holds admin actions, not traffic).
    """
    return delete_batch(
        connection,
        audit_log,
        audit_log.c.occurred_at < before,
        batch=batch,
        order_by=audit_log.c.id,
    )
