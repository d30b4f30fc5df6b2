"""The write path's transaction object and input preparation, shared by users and groups.

A :class:`Writer` spans one database transaction: it locks the directory row first
(writers to one directory are serialised, which keeps uniqueness checks and the
gap-free event sequence exact), collects events as it goes, and hands them to the store
at :meth:`Writer.flush`, inside the same transaction as the change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scimbridge.directory.models import DirectoryRecord, PendingEvent
from scimbridge.directory.repository import DirectoryStore
from scimbridge.scim import attributes as scim_attributes
from scimbridge.scim import quirks
from scimbridge.scim.errors import invalid_value, not_found
from scimbridge.scim.multi_valued import normalize_elements
from scimbridge.scim.schemas import GROUP_RESOURCE, ResourceType


@dataclass
class Writer:
    """One transaction's worth of changes to one directory."""

    store: DirectoryStore
    directory: DirectoryRecord
    now: datetime
    events: list[PendingEvent] = field(default_factory=list)

    def flush(self) -> int:
        """Write the collected events, just before the transaction commits; how many."""
        count = len(self.events)
        if count:
            self.store.append_events(self.directory, self.events)
            self.events = []
        return count


def open_writer(store: DirectoryStore, directory_id: str, now: datetime) -> Writer:
    directory = store.lock_directory(directory_id)
    if directory is None:
        raise not_found(f"directory {directory_id} not found")
    return Writer(store=store, directory=directory, now=now)


# --------------------------------------------------------------------------- input


def _pop_members(data: dict[str, Any]) -> list[Any] | None:
    for key in list(data):
        if key.casefold() == "members":
            members = data.pop(key)
            if members is None:
                return []
            if not isinstance(members, list):
                raise invalid_value('members must be a list of {"value": id} objects')
            return members
    return None


def prepare_resource(
    resource_type: ResourceType, data: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str] | None]:
    """Quirks, canonical names and validation; Group members come back separately."""
    if not isinstance(data, Mapping):
        raise invalid_value("the request body must be a JSON object")
    body = dict(data)
    scim_attributes.check_schema_uris(
        resource_type, next((v for k, v in body.items() if str(k).casefold() == "schemas"), None)
    )
    members = _pop_members(body) if resource_type is GROUP_RESOURCE else None
    resource = scim_attributes.canonicalize(
        resource_type, quirks.normalize_resource(resource_type, body)
    )
    scim_attributes.validate(resource_type, resource)
    normalize_elements(resource_type, resource)
    ensure_schemas(resource_type, resource)
    return resource, None if members is None else member_ids_of(members)


def ensure_schemas(resource_type: ResourceType, resource: dict[str, Any]) -> None:
    """Keep ``schemas`` truthful: the core schema plus each extension present."""
    schemas = [resource_type.schema.id]
    for extension in resource_type.extensions:
        if extension.schema.id in resource:
            schemas.append(extension.schema.id)
    for extra in resource.get("schemas") or []:
        if isinstance(extra, str) and extra not in schemas and extra in resource:
            schemas.append(extra)
    resource["schemas"] = schemas


def member_ids_of(members: Sequence[Any]) -> list[str]:
    """Member ids, in order, without repeats; each member is ``{"value": id, ...}``."""
    seen: dict[str, None] = {}
    for member in members:
        value = member.get("value") if isinstance(member, Mapping) else None
        if not isinstance(value, str) or not value:
            raise invalid_value('each member needs a string "value" with the user\'s id')
        seen.setdefault(value, None)
    return list(seen)
