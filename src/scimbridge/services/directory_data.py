"""The application's read API: normalized users and groups with keyset cursors.

Cursors are resource ids, which are time-ordered (``ids.py``), so ``id > :after ORDER BY
id LIMIT n`` walks a directory of any size at constant cost per page; ``services.cursors``
says which ``after`` values are valid.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from scimbridge.directory import normalize
from scimbridge.errors import NotFound
from scimbridge.runtime import Runtime
from scimbridge.services import cursors
from scimbridge.services.lookups import require_directory
from scimbridge.store import unit_of_work
from scimbridge.store.resources import SqlDirectoryStore, group_from_row, user_from_row
from scimbridge.store.tables import groups, memberships, user_emails, users


def list_users(
    runtime: Runtime,
    directory_id: str,
    *,
    limit: int,
    after: str | None,
    group: str | None,
    email: str | None,
    active: bool | None,
) -> tuple[list[dict[str, Any]], str | None]:
    query = select(users).where(users.c.directory_id == directory_id)
    if group:
        query = query.where(
            users.c.id.in_(
                select(memberships.c.user_id).where(
                    memberships.c.directory_id == directory_id, memberships.c.group_id == group
                )
            )
        )
    if email:
        query = query.where(
            users.c.id.in_(
                select(user_emails.c.user_id).where(
                    user_emails.c.directory_id == directory_id,
                    user_emails.c.value_key == email.casefold(),
                )
            )
        )
    if active is not None:
        query = query.where(users.c.active == active)
    with unit_of_work.read(runtime.engine) as connection:
        directory = require_directory(connection, directory_id)
        after = cursors.user_cursor(connection, directory_id, after)
        if after:
            query = query.where(users.c.id > after)
        query = query.order_by(users.c.id).limit(limit + 1)
        records = [user_from_row(row) for row in connection.execute(query)]
        page = records[:limit]
        store = SqlDirectoryStore(connection, runtime.clock.now())
        group_refs = store.groups_of_users(directory_id, [u.id for u in page])
        data = [normalize.user_object(u, directory, group_refs.get(u.id, [])) for u in page]
    return data, page[-1].id if len(records) > limit else None


def get_user(runtime: Runtime, directory_id: str, user_id: str) -> dict[str, Any]:
    with unit_of_work.read(runtime.engine) as connection:
        directory = require_directory(connection, directory_id)
        store = SqlDirectoryStore(connection, runtime.clock.now())
        user = store.get_user(directory_id, user_id)
        if user is None:
            raise NotFound(f"user {user_id} not found in directory {directory_id}")
        refs = store.groups_of_users(directory_id, [user_id]).get(user_id, [])
        return normalize.user_object(user, directory, refs)


def list_groups(
    runtime: Runtime, directory_id: str, *, limit: int, after: str | None, user: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    query = select(groups).where(groups.c.directory_id == directory_id)
    if user:
        query = query.where(
            groups.c.id.in_(
                select(memberships.c.group_id).where(
                    memberships.c.directory_id == directory_id, memberships.c.user_id == user
                )
            )
        )
    with unit_of_work.read(runtime.engine) as connection:
        directory = require_directory(connection, directory_id)
        after = cursors.group_cursor(connection, directory_id, after)
        if after:
            query = query.where(groups.c.id > after)
        query = query.order_by(groups.c.id).limit(limit + 1)
        records = [group_from_row(row) for row in connection.execute(query)]
        page = records[:limit]
        data = [normalize.group_object(g, directory) for g in page]
    return data, page[-1].id if len(records) > limit else None


def get_group(runtime: Runtime, directory_id: str, group_id: str) -> dict[str, Any]:
    with unit_of_work.read(runtime.engine) as connection:
        directory = require_directory(connection, directory_id)
        group = SqlDirectoryStore(connection, runtime.clock.now()).get_group(directory_id, group_id)
        if group is None:
            raise NotFound(f"group {group_id} not found in directory {directory_id}")
        return normalize.group_object(group, directory)
