"""Directory rows: create, read, update, delete, token lookup and counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, func, select

from scimbridge.directory.deprovision import DEFAULT_POLICY
from scimbridge.directory.models import DirectoryRecord
from scimbridge.store.prepared import PreparedRead
from scimbridge.store.tables import directories, groups, users


def directory_from_row(row: Any) -> DirectoryRecord:
    """``row``: SQLAlchemy's ``Row`` or a ``PreparedRead`` row."""
    return DirectoryRecord(
        id=row.id,
        name=row.name,
        tenant=row.tenant,
        provider=row.provider,
        state=row.state,
        webhook_url=row.webhook_url,
        attribute_map=dict(row.attribute_map or {}),
        created_at=row.created_at,
        updated_at=row.updated_at,
        last_sync_at=row.last_sync_at,
        last_sequence=row.last_sequence,
        deprovision_policy=row.deprovision_policy,
        portal_attribute_allowlist=tuple(row.portal_attribute_allowlist or ()),
    )


def insert_directory(
    connection: Connection,
    *,
    directory_id: str,
    name: str,
    tenant: str,
    provider: str,
    scim_token_hash: str,
    webhook_url: str | None,
    webhook_secret_ciphertext: str | None,
    attribute_map: dict[str, str],
    connection_ciphertext: str | None,
    now: datetime,
    deprovision_policy: str = DEFAULT_POLICY,
    portal_attribute_allowlist: list[str] | None = None,
) -> None:
    connection.execute(
        directories.insert().values(
            id=directory_id,
            name=name,
            tenant=tenant,
            provider=provider,
            state="active",
            scim_token_hash=scim_token_hash,
            webhook_url=webhook_url,
            webhook_secret_ciphertext=webhook_secret_ciphertext,
            attribute_map=attribute_map,
            connection_ciphertext=connection_ciphertext,
            last_sequence=0,
            deprovision_policy=deprovision_policy,
            portal_attribute_allowlist=portal_attribute_allowlist or [],
            created_at=now,
            updated_at=now,
        )
    )


def get_directory(connection: Connection, directory_id: str) -> DirectoryRecord | None:
    row = connection.execute(select(directories).where(directories.c.id == directory_id)).first()
    return directory_from_row(row) if row else None


_DIRECTORY_FOR_TOKEN = PreparedRead(
    select(directories.c.id, directories.c.state, directories.c.provider).where(
        directories.c.scim_token_hash == bindparam("token_hash")
    )
)


class TokenOwner(NamedTuple):
    """What a SCIM request needs to know of the directory its token belongs to."""

    directory_id: str
    state: str
    provider: str


def directory_for_token_hash(connection: Connection, token_hash: str) -> TokenOwner | None:
    """The directory a SCIM token belongs to; runs on every SCIM request (prebuilt)."""
    row = _DIRECTORY_FOR_TOKEN.first(connection, {"token_hash": token_hash})
    return None if row is None else TokenOwner(row.id, row.state, row.provider)


def list_directories(
    connection: Connection, *, tenant: str | None, after: str | None, limit: int
) -> list[DirectoryRecord]:
    query = select(directories).order_by(directories.c.id).limit(limit)
    if tenant is not None:
        query = query.where(directories.c.tenant == tenant)
    if after is not None:
        query = query.where(directories.c.id > after)
    return [directory_from_row(row) for row in connection.execute(query)]


def update_directory(connection: Connection, directory_id: str, values: dict[str, Any]) -> bool:
    result = connection.execute(
        directories.update().where(directories.c.id == directory_id).values(**values)
    )
    return bool(result.rowcount)


def delete_directory(connection: Connection, directory_id: str) -> bool:
    result = connection.execute(directories.delete().where(directories.c.id == directory_id))
    return bool(result.rowcount)


def resource_counts(connection: Connection, directory_id: str) -> tuple[int, int]:
    user_count = connection.execute(
        select(func.count()).select_from(users).where(users.c.directory_id == directory_id)
    ).scalar_one()
    group_count = connection.execute(
        select(func.count()).select_from(groups).where(groups.c.directory_id == directory_id)
    ).scalar_one()
    return int(user_count), int(group_count)


def webhook_secret_ciphertext(connection: Connection, directory_id: str) -> str | None:
    return connection.execute(
        select(directories.c.webhook_secret_ciphertext).where(directories.c.id == directory_id)
    ).scalar()


def ciphertexts(connection: Connection) -> list[tuple[str, dict[str, str]]]:
    """Every directory's encrypted values by column (for re-encryption under a new key)."""
    columns = (directories.c.webhook_secret_ciphertext, directories.c.connection_ciphertext)
    rows = connection.execute(select(directories.c.id, *columns).order_by(directories.c.id))
    found = []
    for row in rows:
        values = {column.name: row[i + 1] for i, column in enumerate(columns) if row[i + 1]}
        if values:
            found.append((row[0], values))
    return found


def provider_of(connection: Connection, directory_id: str) -> str | None:
    """A directory's provider (it never changes), for metrics labels."""
    return connection.execute(
        select(directories.c.provider).where(directories.c.id == directory_id)
    ).scalar()
