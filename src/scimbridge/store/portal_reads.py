"""Reads of the customer setup portal that no other surface needs."""

from __future__ import annotations

from sqlalchemy import Connection, select

from scimbridge.directory.models import UserRecord
from scimbridge.store.resources import user_from_row
from scimbridge.store.tables import users


def latest_user(connection: Connection, directory_id: str) -> UserRecord | None:
    """The directory's most recently created user: one seek on ``ix_users_directory_id_id``.

    User ids are time-ordered (``ids.py``), so the greatest id is the newest user.
    """
    row = connection.execute(
        select(users)
        .where(users.c.directory_id == directory_id)
        .order_by(users.c.id.desc())
        .limit(1)
    ).first()
    return user_from_row(row) if row else None
