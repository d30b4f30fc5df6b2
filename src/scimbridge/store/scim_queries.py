"""Read queries behind SCIM GET and ``.search``: filtered, sorted, paged, counted.

Paging uses ``OFFSET`` because SCIM's ``startIndex`` is positional (RFC 7644 §3.4.2.4);
the order always ends with the primary key so pages never overlap or skip.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, select

from scimbridge.directory.models import GroupRecord, UserRecord
from scimbridge.store.resources import chunks, group_from_row, user_from_row
from scimbridge.store.tables import groups, memberships, users


def count_users(connection: Connection, directory_id: str, where: ColumnElement[bool]) -> int:
    query = (
        select(func.count()).select_from(users).where(users.c.directory_id == directory_id, where)
    )
    return int(connection.execute(query).scalar_one())


def list_users(
    connection: Connection,
    directory_id: str,
    where: ColumnElement[bool],
    order_by: ColumnElement[Any] | None,
    descending: bool,
    offset: int,
    limit: int,
) -> list[UserRecord]:
    if limit <= 0:
        return []
    query = select(users).where(users.c.directory_id == directory_id, where)
    query = query.order_by(*_order(order_by, descending, users.c.id)).offset(offset).limit(limit)
    return [user_from_row(row) for row in connection.execute(query)]


def count_groups(connection: Connection, directory_id: str, where: ColumnElement[bool]) -> int:
    query = (
        select(func.count()).select_from(groups).where(groups.c.directory_id == directory_id, where)
    )
    return int(connection.execute(query).scalar_one())


def list_groups(
    connection: Connection,
    directory_id: str,
    where: ColumnElement[bool],
    order_by: ColumnElement[Any] | None,
    descending: bool,
    offset: int,
    limit: int,
) -> list[GroupRecord]:
    if limit <= 0:
        return []
    query = select(groups).where(groups.c.directory_id == directory_id, where)
    query = query.order_by(*_order(order_by, descending, groups.c.id)).offset(offset).limit(limit)
    return [group_from_row(row) for row in connection.execute(query)]


def _order(
    order_by: ColumnElement[Any] | None, descending: bool, key: ColumnElement[Any]
) -> list[ColumnElement[Any]]:
    if order_by is None:
        return [key]
    if descending:
        return [order_by.desc().nulls_last(), key.desc()]
    return [order_by.asc().nulls_last(), key]


def members_of_groups(
    connection: Connection, directory_id: str, group_ids: Collection[str]
) -> dict[str, list[tuple[str, str | None]]]:
    """(user id, display) of every member of each group, in user-id order."""
    result: dict[str, list[tuple[str, str | None]]] = {group_id: [] for group_id in group_ids}
    for batch in chunks(list(group_ids)):
        rows = connection.execute(
            select(memberships.c.group_id, users.c.id, users.c.display_name, users.c.user_name)
            .join(users, users.c.id == memberships.c.user_id)
            .where(memberships.c.directory_id == directory_id, memberships.c.group_id.in_(batch))
            .order_by(memberships.c.group_id, users.c.id)
        )
        for group_id, user_id, display_name, user_name in rows:
            result[group_id].append((user_id, display_name or user_name))
    return result
