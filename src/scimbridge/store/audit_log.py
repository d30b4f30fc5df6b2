"""Audit log rows: one per admin action, written in the action's own transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select

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
