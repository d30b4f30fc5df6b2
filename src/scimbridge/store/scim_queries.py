"""Read queries behind SCIM GET and ``.search``: filtered, sorted, paged, counted.

Paging uses ``OFFSET`` because SCIM's ``startIndex`` is positional (RFC 7644 §3.4.2.4);
the order always ends with the primary key so pages never overlap or skip.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from typing import Any

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Connection,
    Integer,
    Row,
    Table,
    bindparam,
    func,
    select,
)

from scimbridge.directory.models import GroupRecord, UserRecord
from scimbridge.scim.listing import missing_values_first
from scimbridge.store.filter_sql import KeyLookup
from scimbridge.store.prepared import PreparedRead
from scimbridge.store.resources import chunks, group_from_row, user_from_row
from scimbridge.store.tables import groups, memberships, users


def count_rows(
    connection: Connection, table: Table, directory_id: str, where: ColumnElement[bool]
) -> int:
    query = (
        select(func.count()).select_from(table).where(table.c.directory_id == directory_id, where)
    )
    return int(connection.execute(query).scalar_one())


def _to_record(table: Table) -> Callable[[Row[Any]], UserRecord | GroupRecord]:
    return group_from_row if table is groups else user_from_row


def list_page(
    connection: Connection,
    table: Table,
    directory_id: str,
    where: ColumnElement[bool],
    order_by: ColumnElement[Any] | None,
    descending: bool,
    offset: int,
    limit: int,
) -> list[UserRecord | GroupRecord]:
    """A page of ``table`` (users or groups) matching ``where``, as records of its kind."""
    if limit <= 0:
        return []
    key = table.c.id
    order: list[ColumnElement[Any]]
    if order_by is None:
        order = [key]
    else:
        # RFC 7644 §3.4.2.3: no value sorts last ascending, first descending; stated
        # explicitly because PostgreSQL's and SQLite's defaults differ.
        direction = order_by.desc() if descending else order_by.asc()
        missing_first = missing_values_first("descending" if descending else "ascending")
        nulls = direction.nulls_first() if missing_first else direction.nulls_last()
        order = [nulls, key.desc() if descending else key]
    query = (
        select(table)
        .where(table.c.directory_id == directory_id, where)
        .order_by(*order)
        .offset(offset)
        .limit(limit)
    )
    to_record = _to_record(table)
    return [to_record(row) for row in connection.execute(query)]


@functools.cache
def _key_page(table: Table, column_name: str) -> PreparedRead:
    return PreparedRead(
        select(table)
        .where(
            table.c.directory_id == bindparam("directory_id"),
            table.c[column_name] == bindparam("value"),
        )
        .order_by(table.c.id)
        .offset(bindparam("offset", type_=Integer))
        .limit(bindparam("limit", type_=Integer))
    )


def find_by_key(
    connection: Connection, directory_id: str, lookup: KeyLookup, offset: int, limit: int
) -> list[Any]:
    """The page of a unique-key filter (``userName eq …``: every IdP's existence probe),
    as one prepared statement instead of a filter compiled per request."""
    if limit <= 0:
        return []
    assert isinstance(lookup.column, ColumnClause)  # a plain indexed column, never an expression
    page = _key_page(lookup.table, lookup.column.name)
    to_record = _to_record(lookup.table)
    rows = page.rows(
        connection,
        {"directory_id": directory_id, "value": lookup.value, "offset": offset, "limit": limit},
    )
    return [to_record(row) for row in rows]


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
