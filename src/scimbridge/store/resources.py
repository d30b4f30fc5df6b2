"""Users, groups and memberships over one open transaction.

:class:`SqlDirectoryStore` implements ``directory.repository.DirectoryStore``. Every
statement is scoped by ``directory_id`` (tenant isolation), touches rows by index, and
never loads a whole directory or a whole group unless the caller asked for exactly that
(``member_ids`` for a full membership replace).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import BindParameter, Connection, bindparam, delete, select

from scimbridge.directory.models import (
    DirectoryRecord,
    EmailRecord,
    GroupRecord,
    GroupRef,
    PendingEvent,
    UserRecord,
)
from scimbridge.store import events as event_store
from scimbridge.store.directories import directory_from_row
from scimbridge.store.prepared import PreparedRead, PreparedWrite
from scimbridge.store.tables import directories, groups, memberships, user_emails, users

# Bound parameters per IN (...) list: well under SQLite's 32,766 and PostgreSQL's 65,535.
CHUNK = 500

T = TypeVar("T")


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def user_from_row(row: Any) -> UserRecord:
    """``row``: SQLAlchemy's ``Row`` or a :class:`PreparedRead` row (same attributes)."""
    return UserRecord(
        id=row.id,
        directory_id=row.directory_id,
        external_id=row.external_id,
        user_name=row.user_name,
        active=row.active,
        attributes=row.attributes,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def group_from_row(row: Any) -> GroupRecord:
    return GroupRecord(
        id=row.id,
        directory_id=row.directory_id,
        external_id=row.external_id,
        display_name=row.display_name,
        attributes=row.attributes,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _user_values(user: UserRecord) -> dict[str, Any]:
    name = user.attributes.get("name")
    name = name if isinstance(name, dict) else {}
    display_name = user.attributes.get("displayName")
    return {
        "external_id": user.external_id,
        "user_name": user.user_name,
        "user_name_key": user.user_name.casefold(),
        "display_name": display_name if isinstance(display_name, str) else None,
        "given_name": name.get("givenName") if isinstance(name.get("givenName"), str) else None,
        "family_name": name.get("familyName") if isinstance(name.get("familyName"), str) else None,
        "active": user.active,
        "attributes": user.attributes,
        "version": user.version,
        "updated_at": user.updated_at,
    }


# The statements every SCIM request runs, built once with bind parameters: constructing
# a SQLAlchemy expression costs about as much as executing it on SQLite (profiled:
# 0.12 ms of a 0.55 ms GET). The single-row ones are prepared (``store/prepared.py``);
# those with an expanding ``IN`` list go through ``Connection.execute``.
_DIRECTORY: BindParameter[str] = bindparam("directory_id")
_GET_USER = PreparedRead(
    select(users).where(users.c.directory_id == _DIRECTORY, users.c.id == bindparam("id"))
)
_GET_GROUP = PreparedRead(
    select(groups).where(groups.c.directory_id == _DIRECTORY, groups.c.id == bindparam("id"))
)
# ``FOR UPDATE`` on PostgreSQL; SQLite has one writer at a time and no such clause.
_LOCK_DIRECTORY = PreparedRead(
    select(directories).where(directories.c.id == _DIRECTORY).with_for_update()
)
# Both unique keys of a user in one round trip (the two indexes, OR-ed by the planner).
_USERS_BY_UNIQUE_KEYS = PreparedRead(
    select(users.c.id, users.c.user_name_key, users.c.external_id).where(
        users.c.directory_id == _DIRECTORY,
        (users.c.user_name_key == bindparam("key"))
        | (users.c.external_id == bindparam("external_id")),
    )
)
_GROUP_BY_EXTERNAL_ID = PreparedRead(
    select(groups.c.id).where(
        groups.c.directory_id == _DIRECTORY, groups.c.external_id == bindparam("external_id")
    )
)
# Writes: UPDATE … WHERE binds are named ``match_*`` (SET takes the column names).
_MATCH_DIRECTORY: BindParameter[str] = bindparam("match_directory_id")
_MATCH_ID: BindParameter[str] = bindparam("match_id")
_INSERT_USER = PreparedWrite(users.insert())
_UPDATE_USER = PreparedWrite(
    users.update().where(users.c.directory_id == _MATCH_DIRECTORY, users.c.id == _MATCH_ID)
)
_DELETE_USER = PreparedWrite(
    delete(users).where(users.c.directory_id == _DIRECTORY, users.c.id == bindparam("id"))
)
_INSERT_EMAILS = PreparedWrite(user_emails.insert())
_DELETE_EMAILS = PreparedWrite(
    delete(user_emails).where(
        user_emails.c.directory_id == _DIRECTORY, user_emails.c.user_id == bindparam("user_id")
    )
)
_USERS_BY_IDS = select(users).where(
    users.c.directory_id == _DIRECTORY, users.c.id.in_(bindparam("ids", expanding=True))
)
_INSERT_GROUP = PreparedWrite(groups.insert())
_UPDATE_GROUP = PreparedWrite(
    groups.update().where(groups.c.directory_id == _MATCH_DIRECTORY, groups.c.id == _MATCH_ID)
)
_DELETE_GROUP = PreparedWrite(
    delete(groups).where(groups.c.directory_id == _DIRECTORY, groups.c.id == bindparam("id"))
)
_IN_GROUP = (memberships.c.directory_id == _DIRECTORY) & (
    memberships.c.group_id == bindparam("group_id")
)
_MEMBER_IDS = select(memberships.c.user_id).where(_IN_GROUP).order_by(memberships.c.user_id)
_EXISTING_MEMBER_IDS = select(memberships.c.user_id).where(
    _IN_GROUP, memberships.c.user_id.in_(bindparam("user_ids", expanding=True))
)
_INSERT_MEMBERS = PreparedWrite(memberships.insert())
_REMOVE_MEMBERS = delete(memberships).where(
    _IN_GROUP, memberships.c.user_id.in_(bindparam("user_ids", expanding=True))
)
_USER_GROUPS = (
    select(memberships.c.user_id, groups.c.id, groups.c.display_name)
    .join(groups, groups.c.id == memberships.c.group_id)
    .where(memberships.c.directory_id == _DIRECTORY)
    .order_by(groups.c.id)
)
_GROUPS_OF_USERS = _USER_GROUPS.where(
    memberships.c.user_id.in_(bindparam("user_ids", expanding=True))
)
# One user (a GET, a probe, a write's answer) without the per-call expansion of IN.
_GROUPS_OF_USER = PreparedRead(_USER_GROUPS.where(memberships.c.user_id == bindparam("user_id")))


class SqlDirectoryStore:
    """The write path's storage, bound to one connection inside a transaction.

    Users and the groups of users are read at most once per store: a membership change
    checks its members and then puts each one in an event, a user change lists the
    user's groups in its event and in its answer. Every method that changes a user or a
    membership drops what it changed from those reads, so they always agree with the
    transaction.
    """

    def __init__(self, connection: Connection, now: datetime) -> None:
        self.connection = connection
        self.now = now
        # Keyed by (directory id, user id): every read stays scoped to its directory.
        self._users: dict[tuple[str, str], UserRecord] = {}
        self._groups_of: dict[tuple[str, str], list[GroupRef]] = {}

    # ----------------------------------------------------------------- directory

    def lock_directory(self, directory_id: str) -> DirectoryRecord | None:
        row = _LOCK_DIRECTORY.first(self.connection, {"directory_id": directory_id})
        return directory_from_row(row) if row else None

    def append_events(self, directory: DirectoryRecord, events: Sequence[PendingEvent]) -> None:
        event_store.append_events(self.connection, directory, events, self.now)

    # ----------------------------------------------------------------- users

    def get_user(self, directory_id: str, user_id: str) -> UserRecord | None:
        row = _GET_USER.first(self.connection, {"directory_id": directory_id, "id": user_id})
        return user_from_row(row) if row else None

    def unique_key_holders(
        self, directory_id: str, user_name_key: str | None, external_id: str | None
    ) -> tuple[str | None, str | None]:
        if user_name_key is None and external_id is None:
            return None, None
        by_name = by_external_id = None
        rows = _USERS_BY_UNIQUE_KEYS.rows(
            self.connection,
            {"directory_id": directory_id, "key": user_name_key, "external_id": external_id},
        )
        for user_id, key, external in rows:
            if user_name_key is not None and key == user_name_key:
                by_name = user_id
            if external_id is not None and external == external_id:
                by_external_id = user_id
        return by_name, by_external_id

    def _write_emails(self, user: UserRecord, emails: Sequence[EmailRecord]) -> None:
        if not emails:
            return
        _INSERT_EMAILS.execute_many(
            self.connection,
            [
                {
                    "directory_id": user.directory_id,
                    "user_id": user.id,
                    "value": e.value,
                    "value_key": e.value.casefold(),
                    "type": e.type,
                    "is_primary": e.primary,
                }
                for e in emails
            ],
        )

    def insert_user(self, user: UserRecord, emails: Sequence[EmailRecord]) -> None:
        _INSERT_USER.execute(
            self.connection,
            {
                "id": user.id,
                "directory_id": user.directory_id,
                "created_at": user.created_at,
                **_user_values(user),
            },
        )
        self._write_emails(user, emails)
        self._groups_of[user.directory_id, user.id] = []  # new here: in no group yet

    def update_user(self, user: UserRecord, emails: Sequence[EmailRecord] | None) -> None:
        _UPDATE_USER.execute(
            self.connection,
            {"match_directory_id": user.directory_id, "match_id": user.id, **_user_values(user)},
        )
        self._users.pop((user.directory_id, user.id), None)
        if emails is None:
            return
        _DELETE_EMAILS.execute(
            self.connection, {"directory_id": user.directory_id, "user_id": user.id}
        )
        self._write_emails(user, emails)

    def delete_user(self, directory_id: str, user_id: str) -> None:
        _DELETE_USER.execute(self.connection, {"directory_id": directory_id, "id": user_id})
        self._users.pop((directory_id, user_id), None)
        self._groups_of.pop((directory_id, user_id), None)

    def users_by_ids(self, directory_id: str, user_ids: Collection[str]) -> list[UserRecord]:
        missing = [u for u in user_ids if (directory_id, u) not in self._users]
        for batch in chunks(missing):
            rows = self.connection.execute(
                _USERS_BY_IDS, {"directory_id": directory_id, "ids": list(batch)}
            )
            for row in rows:
                user = user_from_row(row)
                self._users[directory_id, user.id] = user
        return [self._users[directory_id, u] for u in user_ids if (directory_id, u) in self._users]

    def groups_of_users(
        self, directory_id: str, user_ids: Collection[str]
    ) -> dict[str, list[GroupRef]]:
        missing = [u for u in user_ids if (directory_id, u) not in self._groups_of]
        for user_id in missing:
            self._groups_of[directory_id, user_id] = []
        for batch in chunks(missing):
            rows = (
                _GROUPS_OF_USER.rows(
                    self.connection, {"directory_id": directory_id, "user_id": batch[0]}
                )
                if len(batch) == 1
                else self.connection.execute(
                    _GROUPS_OF_USERS, {"directory_id": directory_id, "user_ids": list(batch)}
                )
            )
            for user_id, group_id, name in rows:
                self._groups_of[directory_id, user_id].append(GroupRef(id=group_id, name=name))
        return {u: self._groups_of[directory_id, u] for u in user_ids}

    # ----------------------------------------------------------------- groups

    def get_group(self, directory_id: str, group_id: str) -> GroupRecord | None:
        row = _GET_GROUP.first(self.connection, {"directory_id": directory_id, "id": group_id})
        return group_from_row(row) if row else None

    def group_id_by_external_id(self, directory_id: str, external_id: str) -> str | None:
        group_id: str | None = _GROUP_BY_EXTERNAL_ID.scalar(
            self.connection, {"directory_id": directory_id, "external_id": external_id}
        )
        return group_id

    def _group_values(self, group: GroupRecord) -> dict[str, Any]:
        return {
            "external_id": group.external_id,
            "display_name": group.display_name,
            "display_name_key": group.display_name.casefold(),
            "attributes": group.attributes,
            "version": group.version,
            "updated_at": group.updated_at,
        }

    def insert_group(self, group: GroupRecord) -> None:
        _INSERT_GROUP.execute(
            self.connection,
            {
                "id": group.id,
                "directory_id": group.directory_id,
                "created_at": group.created_at,
                **self._group_values(group),
            },
        )

    def update_group(self, group: GroupRecord) -> None:
        self._groups_of.clear()  # a rename changes how its members list it
        _UPDATE_GROUP.execute(
            self.connection,
            {
                "match_directory_id": group.directory_id,
                "match_id": group.id,
                **self._group_values(group),
            },
        )

    def delete_group(self, directory_id: str, group_id: str) -> None:
        self._groups_of.clear()
        _DELETE_GROUP.execute(self.connection, {"directory_id": directory_id, "id": group_id})

    # ----------------------------------------------------------------- memberships

    def member_ids(self, directory_id: str, group_id: str) -> list[str]:
        return list(
            self.connection.execute(
                _MEMBER_IDS, {"directory_id": directory_id, "group_id": group_id}
            ).scalars()
        )

    def existing_member_ids(
        self, directory_id: str, group_id: str, user_ids: Collection[str]
    ) -> set[str]:
        present: set[str] = set()
        for batch in chunks(list(user_ids)):
            present.update(
                self.connection.execute(
                    _EXISTING_MEMBER_IDS,
                    {"directory_id": directory_id, "group_id": group_id, "user_ids": list(batch)},
                ).scalars()
            )
        return present

    def add_members(self, directory_id: str, group_id: str, user_ids: Sequence[str]) -> None:
        for user_id in user_ids:
            self._groups_of.pop((directory_id, user_id), None)
        if user_ids:
            _INSERT_MEMBERS.execute_many(
                self.connection,
                [
                    {
                        "group_id": group_id,
                        "user_id": u,
                        "directory_id": directory_id,
                        "created_at": self.now,
                    }
                    for u in user_ids
                ],
            )

    def remove_members(self, directory_id: str, group_id: str, user_ids: Sequence[str]) -> None:
        for user_id in user_ids:
            self._groups_of.pop((directory_id, user_id), None)
        for batch in chunks(list(user_ids)):
            self.connection.execute(
                _REMOVE_MEMBERS,
                {"directory_id": directory_id, "group_id": group_id, "user_ids": list(batch)},
            )
