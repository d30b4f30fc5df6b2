"""Records of the directory domain, as plain frozen dataclasses.

These are what the store hands the write path and the read models; they carry the SCIM
resource as stored (``attributes``: canonical names, no id/meta/groups/members) and the
bookkeeping the protocol needs (``version`` for ETags).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeAlias

EventType: TypeAlias = Literal[
    "user.created",
    "user.updated",
    "user.deactivated",
    "user.reactivated",
    "user.deleted",
    "group.created",
    "group.updated",
    "group.deleted",
    "group.user_added",
    "group.user_removed",
]


@dataclass(frozen=True, slots=True)
class DirectoryRecord:
    id: str
    name: str
    tenant: str
    provider: str
    state: str
    webhook_url: str | None
    attribute_map: dict[str, str]
    created_at: datetime
    updated_at: datetime
    last_sync_at: datetime | None
    last_sequence: int
    deprovision_policy: str = "deactivate"
    portal_attribute_allowlist: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EmailRecord:
    value: str
    type: str | None
    primary: bool


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: str
    directory_id: str
    external_id: str | None
    user_name: str
    active: bool
    attributes: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class GroupRecord:
    id: str
    directory_id: str
    external_id: str | None
    display_name: str
    attributes: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class GroupRef:
    """A group as a user's ``groups`` entry shows it."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class PendingEvent:
    """An event built by the write path; the store gives it its id and sequence."""

    type: EventType
    data: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)
