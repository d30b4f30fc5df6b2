"""What the write path needs from storage, as a protocol.

``directory.commands`` depends on this protocol only, so the domain never imports the
database layer; ``store.resources.SqlDirectoryStore`` implements it over one open
transaction. Every method takes ``directory_id``: no query can cross tenants by
forgetting it (RELIABILITY.md §6.1).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

from scimbridge.directory.models import (
    DirectoryRecord,
    EmailRecord,
    GroupRecord,
    GroupRef,
    PendingEvent,
    UserRecord,
)


class DirectoryStore(Protocol):
    def lock_directory(self, directory_id: str) -> DirectoryRecord | None:
        """Lock the directory row until commit: writers to one directory are serialised."""
        ...

    def get_user(self, directory_id: str, user_id: str) -> UserRecord | None: ...

    def unique_key_holders(
        self, directory_id: str, user_name_key: str | None, external_id: str | None
    ) -> tuple[str | None, str | None]:
        """Ids of the users holding this casefolded userName and this externalId (None:
        free, or not asked), found in one lookup."""
        ...

    def insert_user(self, user: UserRecord, emails: Sequence[EmailRecord]) -> None: ...

    def update_user(self, user: UserRecord, emails: Sequence[EmailRecord] | None) -> None:
        """Store the user's new state; ``emails`` None leaves its e-mail rows as they are."""

    def delete_user(self, directory_id: str, user_id: str) -> None: ...

    def users_by_ids(self, directory_id: str, user_ids: Collection[str]) -> list[UserRecord]: ...

    def groups_of_users(
        self, directory_id: str, user_ids: Collection[str]
    ) -> dict[str, list[GroupRef]]: ...

    def get_group(self, directory_id: str, group_id: str) -> GroupRecord | None: ...

    def group_id_by_external_id(self, directory_id: str, external_id: str) -> str | None: ...

    def insert_group(self, group: GroupRecord) -> None: ...

    def update_group(self, group: GroupRecord) -> None: ...

    def delete_group(self, directory_id: str, group_id: str) -> None: ...

    def member_ids(self, directory_id: str, group_id: str) -> list[str]: ...

    def existing_member_ids(
        self, directory_id: str, group_id: str, user_ids: Collection[str]
    ) -> set[str]: ...

    def add_members(self, directory_id: str, group_id: str, user_ids: Sequence[str]) -> None: ...

    def remove_members(self, directory_id: str, group_id: str, user_ids: Sequence[str]) -> None: ...

    def append_events(self, directory: DirectoryRecord, events: Sequence[PendingEvent]) -> None:
        """Give each event the directory's next sequence numbers and write it."""
        ...
