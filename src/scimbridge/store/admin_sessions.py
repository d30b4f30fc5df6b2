"""Console session rows: the SHA-256 of the cookie value, never the value itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select

from scimbridge.store.pruning import delete_batch
from scimbridge.store.tables import admin_sessions


def insert_session(
    connection: Connection,
    *,
    id_hash: str,
    created_at: datetime,
    expires_at: datetime,
    admin_generation: int,
    address: str | None,
) -> None:
    connection.execute(
        insert(admin_sessions).values(
            id_hash=id_hash,
            created_at=created_at,
            expires_at=expires_at,
            admin_generation=admin_generation,
            address=address,
        )
    )


def get_session(connection: Connection, id_hash: str) -> Row[Any] | None:
    """One primary-key lookup by hash."""
    return connection.execute(
        select(admin_sessions).where(admin_sessions.c.id_hash == id_hash)
    ).first()


def delete_session(connection: Connection, id_hash: str) -> None:
    connection.execute(delete(admin_sessions).where(admin_sessions.c.id_hash == id_hash))


def delete_ended(connection: Connection, now: datetime, generation: int) -> int:
    """Expired sessions and those of an earlier admin credential (index on expires_at)."""
    result = connection.execute(
        delete(admin_sessions).where(
            (admin_sessions.c.expires_at <= now) | (admin_sessions.c.admin_generation != generation)
        )
    )
    return result.rowcount


def prune_expired(connection: Connection, *, before: datetime, batch: int) -> int:
    """Delete up to ``batch`` sessions that expired before ``before`` (expires_at index)."""
    return delete_batch(
        connection,
        admin_sessions,
        admin_sessions.c.expires_at < before,
        batch=batch,
        order_by=admin_sessions.c.expires_at,
    )
