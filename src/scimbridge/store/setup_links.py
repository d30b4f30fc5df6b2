"""Setup link rows: only the token's SHA-256 is stored, like SCIM tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, or_, select, update

from scimbridge.store.pruning import delete_batch
from scimbridge.store.tables import setup_links


def insert_link(
    connection: Connection,
    *,
    link_id: str,
    directory_id: str,
    token_hash: str,
    created_at: datetime,
    expires_at: datetime,
    created_by: str,
) -> None:
    connection.execute(
        insert(setup_links).values(
            id=link_id,
            directory_id=directory_id,
            token_hash=token_hash,
            created_at=created_at,
            expires_at=expires_at,
            created_by=created_by,
        )
    )


def link_for_token_hash(connection: Connection, token_hash: str) -> Row[Any] | None:
    """One unique-index lookup by hash: timing tells nothing about the token itself."""
    return connection.execute(
        select(setup_links).where(setup_links.c.token_hash == token_hash)
    ).first()


def get_link(connection: Connection, directory_id: str, link_id: str) -> Row[Any] | None:
    return connection.execute(
        select(setup_links).where(
            setup_links.c.directory_id == directory_id, setup_links.c.id == link_id
        )
    ).first()


def list_links(connection: Connection, directory_id: str) -> list[Row[Any]]:
    return list(
        connection.execute(
            select(setup_links)
            .where(setup_links.c.directory_id == directory_id)
            .order_by(setup_links.c.id.desc())
            .limit(100)
        )
    )


def revoke_link(connection: Connection, directory_id: str, link_id: str, now: datetime) -> bool:
    """Revoke a link of this directory; False when there is none (revoking twice is fine)."""
    result = connection.execute(
        update(setup_links)
        .where(setup_links.c.directory_id == directory_id, setup_links.c.id == link_id)
        .values(revoked_at=now)
    )
    return bool(result.rowcount)


def lock_link(connection: Connection, link_id: str) -> None:
    """Hold the link's row until the transaction ends (``FOR UPDATE`` on PostgreSQL).

    Serialises a link's SCIM token issues, so two replicas cannot both count four and
    both issue the fifth. SQLite has one writer at a time already (``BEGIN IMMEDIATE``)
    and ignores the clause.
    """
    connection.execute(
        select(setup_links.c.id).where(setup_links.c.id == link_id).with_for_update()
    )


def prune_ended(connection: Connection, *, before: datetime, batch: int) -> int:
    """Delete up to ``batch`` links that expired or were revoked before ``before``."""
    ended = or_(setup_links.c.expires_at < before, setup_links.c.revoked_at < before)
    return delete_batch(connection, setup_links, ended, batch=batch)
