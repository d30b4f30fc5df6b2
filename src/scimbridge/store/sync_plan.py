"""The set-based queries that compare a run's staged source with the stored directory.

Stored users and groups are matched to staged ones by ``external_id`` = ``source_id``
(connectors/base.py: the source's immutable id). Every query is a keyset page (ordered by
a unique key, resumed after the last one seen), so a run walks a 100,000-user directory a
page at a time and never holds it whole; and since each page is read afresh after the
previous page's changes committed, a run that stopped half-way and the next run converge.
"""

from __future__ import annotations

from typing import Any, TypeVarTuple

from sqlalchemy import (
    Connection,
    FromClause,
    Select,
    Table,
    and_,
    exists,
    false,
    func,
    select,
    true,
    tuple_,
)
from sqlalchemy.sql.elements import ColumnElement

from scimbridge.store.tables import groups, memberships, sync_staged, users

_Row = TypeVarTuple("_Row")


def _staged(run_id: str, kind: str, staged: FromClause = sync_staged) -> Any:
    return and_(staged.c.run_id == run_id, staged.c.kind == kind)


def _seen(staged: FromClause, run_id: str, kind: str, source_id: ColumnElement[Any]) -> Any:
    """The run staged a row of ``kind`` whose source id is ``source_id``."""
    return exists().where(_staged(run_id, kind, staged), staged.c.source_id == source_id)


def _twin(table: FromClause, directory_id: str, source_id: ColumnElement[Any]) -> Any:
    """Join condition: the stored row of ``directory_id`` whose external_id is ``source_id``."""
    return and_(table.c.directory_id == directory_id, table.c.external_id == source_id)


def _keyset(
    query: Select[*_Row], after: str | tuple[str, ...] | None, limit: int, *key: Any
) -> Select[*_Row]:
    """One page of ``query`` ordered by the unique ``key``, resumed after the key seen last.

    A single-column key compares plainly; a composite one as a row value (SQLite 3.15+,
    PostgreSQL), so both backends can walk the matching index.
    """
    if isinstance(after, tuple):
        query = query.where(tuple_(*key) > tuple_(*after))
    elif after is not None:
        query = query.where(key[0] > after)
    return query.order_by(*key).limit(limit)


def _staged_page(
    connection: Connection,
    table: Table,
    kind: str,
    run_id: str,
    directory_id: str,
    after: str | None,
    limit: int,
) -> list[Any]:
    """Staged rows of ``kind`` with their stored twin, if any: (source_id, resource, id,
    attributes), the twin's columns NULL when it is new."""
    query = (
        select(sync_staged.c.source_id, sync_staged.c.resource, table.c.id, table.c.attributes)
        .select_from(
            sync_staged.outerjoin(table, _twin(table, directory_id, sync_staged.c.source_id))
        )
        .where(_staged(run_id, kind))
    )
    return list(connection.execute(_keyset(query, after, limit, sync_staged.c.source_id)))


def staged_users_page(
    connection: Connection, run_id: str, directory_id: str, after: str | None, limit: int
) -> list[Any]:
    return _staged_page(connection, users, "user", run_id, directory_id, after, limit)


def staged_groups_page(
    connection: Connection, run_id: str, directory_id: str, after: str | None, limit: int
) -> list[Any]:
    return _staged_page(connection, groups, "group", run_id, directory_id, after, limit)


def _unseen_users(run_id: str, directory_id: str, only_active: bool) -> Any:
    seen = _seen(sync_staged, run_id, "user", users.c.external_id)
    condition = and_(users.c.directory_id == directory_id, ~seen)
    return and_(condition, users.c.active.is_(True)) if only_active else condition


def unseen_users_page(
    connection: Connection,
    run_id: str,
    directory_id: str,
    *,
    only_active: bool,
    after: str | None,
    limit: int,
) -> list[str]:
    """Stored users the source no longer has (a user without externalId included)."""
    query = select(users.c.id).where(_unseen_users(run_id, directory_id, only_active))
    return list(connection.execute(_keyset(query, after, limit, users.c.id)).scalars())


def unseen_groups_page(
    connection: Connection, run_id: str, directory_id: str, after: str | None, limit: int
) -> list[str]:
    seen = _seen(sync_staged, run_id, "group", groups.c.external_id)
    query = select(groups.c.id).where(groups.c.directory_id == directory_id, ~seen)
    return list(connection.execute(_keyset(query, after, limit, groups.c.id)).scalars())


def removal_count(
    connection: Connection, run_id: str, directory_id: str, *, only_active: bool
) -> int:
    """Users a snapshot run would take access from: unseen ones, and seen ones the source
    now marks inactive that are active here. What the mass-deletion guard weighs."""
    unseen = connection.execute(
        select(func.count())
        .select_from(users)
        .where(_unseen_users(run_id, directory_id, only_active))
    ).scalar_one()
    return int(unseen) + explicit_deactivations(connection, run_id, directory_id)


def explicit_deactivations(connection: Connection, run_id: str, directory_id: str) -> int:
    count = connection.execute(
        select(func.count())
        .select_from(sync_staged.join(users, _twin(users, directory_id, sync_staged.c.source_id)))
        .where(_staged(run_id, "user"), sync_staged.c.active.is_(False), users.c.active.is_(True))
    ).scalar_one()
    return int(count)


def membership_adds_page(
    connection: Connection,
    run_id: str,
    directory_id: str,
    after: tuple[str, str] | None,
    limit: int,
) -> list[tuple[str, str, tuple[str, str]]]:
    """(group id, user id, key) of memberships the source lists that are not stored yet,
    in the source's id order (key: the group's and the user's source ids; the keyset)."""
    staged_group = groups.alias("sg")
    staged_user = users.alias("su")
    seen_user = sync_staged.alias("seen_user")
    query = (
        select(
            staged_group.c.id,
            staged_user.c.id,
            staged_group.c.external_id,
            staged_user.c.external_id,
        )
        .select_from(
            sync_staged.join(
                staged_group, _twin(staged_group, directory_id, sync_staged.c.source_id)
            ).join(staged_user, _twin(staged_user, directory_id, sync_staged.c.member_id))
        )
        .where(
            _staged(run_id, "member"),
            ~exists().where(
                memberships.c.group_id == staged_group.c.id,
                memberships.c.user_id == staged_user.c.id,
            ),
            # Members the source lists but does not yield as users are ignored (base.py).
            _seen(seen_user, run_id, "user", staged_user.c.external_id),
        )
    )
    query = _keyset(query, after, limit, staged_group.c.external_id, staged_user.c.external_id)
    return [(str(g), str(u), (gk, uk)) for g, u, gk, uk in connection.execute(query)]


def membership_removes_page(
    connection: Connection,
    run_id: str,
    directory_id: str,
    after: tuple[str, str] | None,
    limit: int,
) -> list[tuple[str, str, tuple[str, str]]]:
    """Stored memberships of seen groups and seen users that the source no longer lists,
    as (group id, user id, key), in the source's id order like the adds.

    Users the source no longer has keep their memberships: they are deactivated (and a
    ``user.deactivated`` carries their groups) or deleted (the delete removes them, with
    only ``user.deleted``, as a SCIM DELETE would).
    """
    staged_member = sync_staged.alias("sm")
    staged_group = sync_staged.alias("sgr")
    staged_user = sync_staged.alias("su")
    query = (
        select(
            memberships.c.group_id, memberships.c.user_id, groups.c.external_id, users.c.external_id
        )
        .select_from(
            memberships.join(groups, groups.c.id == memberships.c.group_id).join(
                users, users.c.id == memberships.c.user_id
            )
        )
        .where(
            memberships.c.directory_id == directory_id,
            _seen(staged_group, run_id, "group", groups.c.external_id),
            _seen(staged_user, run_id, "user", users.c.external_id),
            ~exists().where(
                _staged(run_id, "member", staged_member),
                staged_member.c.source_id == groups.c.external_id,
                staged_member.c.member_id == users.c.external_id,
            ),
        )
    )
    query = _keyset(query, after, limit, groups.c.external_id, users.c.external_id)
    return [(str(g), str(u), (gk, uk)) for g, u, gk, uk in connection.execute(query)]


def staged_membership_adds(connection: Connection, run_id: str, directory_id: str) -> int:
    """How many staged memberships (of staged users) are not stored yet, for a dry run."""
    seen_user = sync_staged.alias("seen_user")
    staged_total = connection.execute(
        select(func.count())
        .select_from(sync_staged)
        .where(
            _staged(run_id, "member"),
            _seen(seen_user, run_id, "user", sync_staged.c.member_id),
        )
    ).scalar_one()
    stored = connection.execute(
        select(func.count())
        .select_from(
            sync_staged.join(groups, _twin(groups, directory_id, sync_staged.c.source_id))
            .join(users, _twin(users, directory_id, sync_staged.c.member_id))
            .join(
                memberships,
                and_(memberships.c.group_id == groups.c.id, memberships.c.user_id == users.c.id),
            )
        )
        .where(_staged(run_id, "member"))
    ).scalar_one()
    return int(staged_total) - int(stored)


def removal_sample(
    connection: Connection, run_id: str, directory_id: str, *, only_active: bool, limit: int
) -> list[Any]:
    """The first ``limit`` users (by userName) a staged snapshot would take access from, as
    :func:`removal_count` counts them: rows of (id, user_name, display_name, given_name,
    family_name, gone), ``gone`` true for a user the source no longer has, false for one
    it now marks inactive. Two LIMIT queries along the (directory, userName) index, so a
    held run's report stays cheap at any size."""
    columns = (
        users.c.id,
        users.c.user_name,
        users.c.display_name,
        users.c.given_name,
        users.c.family_name,
    )
    unseen = connection.execute(
        select(*columns, true().label("gone"))
        .where(_unseen_users(run_id, directory_id, only_active))
        .order_by(users.c.user_name_key)
        .limit(limit)
    )
    rows = list(unseen)
    if len(rows) < limit:
        inactive = connection.execute(
            select(*columns, false().label("gone"))
            .select_from(
                sync_staged.join(
                    users,
                    and_(
                        users.c.directory_id == directory_id,
                        users.c.external_id == sync_staged.c.source_id,
                    ),
                )
            )
            .where(
                _staged(run_id, "user"), sync_staged.c.active.is_(False), users.c.active.is_(True)
            )
            .order_by(users.c.user_name_key)
            .limit(limit - len(rows))
        )
        rows.extend(inactive)
    return rows
