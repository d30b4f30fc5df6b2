"""The application's read API: normalized users and groups with keyset cursors.

Cursors are resource ids, which are time-ordered (``ids.py``), so ``id > :after ORDER BY
id LIMIT n`` walks a directory of any size at constant cost per page; ``services.cursors``
says which ``after`` values are valid.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import Column, ColumnElement, Connection, Row, Select, Table, select

from scimbridge.directory import normalize
from scimbridge.errors import NotFound
from scimbridge.runtime import Runtime
from scimbridge.services import cursors
from scimbridge.services.lookups import require_directory
from scimbridge.store import unit_of_work
from scimbridge.store.resources import SqlDirectoryStore, group_from_row, user_from_row
from scimbridge.store.tables import groups, memberships, user_emails, users


def _linked(
    column: Column[Any], link: Column[Any], directory_id: str, condition: ColumnElement[bool]
) -> ColumnElement[bool]:
    """``column`` is among the ids ``link`` holds in its table's rows of this directory that
    match ``condition`` (a user's groups, a group's members, the owner of an e-mail)."""
    rows = link.table.c
    return column.in_(select(link).where(rows.directory_id == directory_id, condition))


def _rows_after(
    connection: Connection, table: Table, query: Select[Any], after: str | None, limit: int
) -> list[Row[Any]]:
    """The keyset page (module docstring) plus one row, for :func:`cursors.split_page`."""
    if after:
        query = query.where(table.c.id > after)
    return list(connection.execute(query.order_by(table.c.id).limit(limit + 1)))


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
            _linked(
                users.c.id, memberships.c.user_id, directory_id, memberships.c.group_id == group
            )
        )
    if email:
        key = user_emails.c.value_key == email.casefold()
        query = query.where(_linked(users.c.id, user_emails.c.user_id, directory_id, key))
    if active is not None:
        query = query.where(users.c.active == active)
    with unit_of_work.read(runtime.engine) as connection:
        directory = require_directory(connection, directory_id)
        after = cursors.user_cursor(connection, directory_id, after)
        rows = _rows_after(connection, users, query, after, limit)
        page, next_after = cursors.split_page([user_from_row(row) for row in rows], limit)
        store = SqlDirectoryStore(connection, runtime.clock.now())
        group_refs = store.groups_of_users(directory_id, [u.id for u in page])
        data = [normalize.user_object(u, directory, group_refs.get(u.id, [])) for u in page]
    return data, next_after


def get_user(
    runtime: Runtime,
    directory_id: str,
    user_id: str,
    *,
    attribute_map: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One user, normalized; under ``attribute_map`` instead of the directory's own when
    given (the console's preview of a map not saved yet)."""
    with unit_of_work.read(runtime.engine) as connection:
        directory = require_directory(connection, directory_id)
        if attribute_map is not None:
            directory = replace(directory, attribute_map=attribute_map)
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
            _linked(
                groups.c.id, memberships.c.group_id, directory_id, memberships.c.user_id == user
            )
        )
    with unit_of_work.read(runtime.engine) as connection:
        directory = require_directory(connection, directory_id)
        after = cursors.group_cursor(connection, directory_id, after)
        rows = _rows_after(connection, groups, query, after, limit)
        page, next_after = cursors.split_page([group_from_row(row) for row in rows], limit)
        data = [normalize.group_object(g, directory) for g in page]
    return data, next_after


def get_group(runtime: Runtime, directory_id: str, group_id: str) -> dict[str, Any]:
    with unit_of_work.read(runtime.engine) as connection:
        directory = require_directory(connection, directory_id)
        group = SqlDirectoryStore(connection, runtime.clock.now()).get_group(directory_id, group_id)
        if group is None:
            raise NotFound(f"group {group_id} not found in directory {directory_id}")
        return normalize.group_object(group, directory)
