"""The single write path: create, replace, patch and delete users and groups.

SCIM routes and pull connectors (Google, LDAP, CSV) both end here, so every source gets
the same validation, the same uniqueness rules and the same events. A :class:`Writer`
spans one database transaction: it locks the directory row first (writers to one
directory are serialised, which keeps uniqueness checks and the gap-free event sequence
exact), collects events as it goes, and hands them to the store at :meth:`Writer.flush`,
inside the same transaction as the change. If anything raises, the caller's transaction
rolls back and neither the change nor its events exist.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from scimbridge import ids
from scimbridge.directory import normalize
from scimbridge.directory.changes import changed_fields
from scimbridge.directory.models import (
    DirectoryRecord,
    GroupRecord,
    PendingEvent,
    UserRecord,
)
from scimbridge.directory.repository import DirectoryStore
from scimbridge.scim import attributes as scim_attributes
from scimbridge.scim import etags, quirks
from scimbridge.scim.errors import ScimError, invalid_value, not_found, uniqueness
from scimbridge.scim.patch import MemberOp, apply_patch
from scimbridge.scim.replace import replace_resource
from scimbridge.scim.schemas import GROUP_RESOURCE, USER_RESOURCE, ResourceType


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
    members = _pop_members(body) if resource_type is GROUP_RESOURCE else None
    resource = scim_attributes.canonicalize(
        resource_type, quirks.normalize_resource(resource_type, body)
    )
    scim_attributes.validate(resource_type, resource)
    _ensure_schemas(resource_type, resource)
    return resource, None if members is None else member_ids_of(members)


def _ensure_schemas(resource_type: ResourceType, resource: dict[str, Any]) -> None:
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


# --------------------------------------------------------------------------- users


def _user_fields(resource: Mapping[str, Any]) -> tuple[str, str | None, bool]:
    user_name = resource.get("userName")
    if not isinstance(user_name, str) or not user_name.strip():
        raise invalid_value("userName is required and must be a non-empty string")
    external_id = resource.get("externalId")
    active = resource.get("active", True)
    return user_name, str(external_id) if external_id is not None else None, active is not False


def _check_user_unique(
    writer: Writer, user_name: str, external_id: str | None, user_id: str | None
) -> None:
    directory_id = writer.directory.id
    holder = writer.store.user_id_by_user_name_key(directory_id, user_name.casefold())
    if holder is not None and holder != user_id:
        raise uniqueness(f"userName {user_name!r} is already taken in this directory")
    if external_id is not None:
        holder = writer.store.user_id_by_external_id(directory_id, external_id)
        if holder is not None and holder != user_id:
            raise uniqueness(f"externalId {external_id!r} is already taken in this directory")


def _user_object(writer: Writer, user: UserRecord) -> dict[str, Any]:
    groups = writer.store.groups_of_users(writer.directory.id, [user.id]).get(user.id, [])
    return normalize.user_object(user, writer.directory, groups)


def create_user(writer: Writer, data: Mapping[str, Any]) -> UserRecord:
    resource, _ = prepare_resource(USER_RESOURCE, data)
    user_name, external_id, active = _user_fields(resource)
    _check_user_unique(writer, user_name, external_id, None)
    user = UserRecord(
        id=ids.user_id(),
        directory_id=writer.directory.id,
        external_id=external_id,
        user_name=user_name,
        active=active,
        attributes=resource,
        version=1,
        created_at=writer.now,
        updated_at=writer.now,
    )
    writer.store.insert_user(user, normalize.emails_of(resource))
    writer.events.append(
        PendingEvent("user.created", normalize.user_object(user, writer.directory, []))
    )
    return user


def get_user_for_update(writer: Writer, user_id: str, if_match: str | None) -> UserRecord:
    user = writer.store.get_user(writer.directory.id, user_id)
    if user is None:
        raise not_found(f"User {user_id} not found")
    etags.check_if_match(if_match, etags.weak_etag(user.version))
    return user


def _store_user_change(writer: Writer, current: UserRecord, resource: dict[str, Any]) -> UserRecord:
    """Persist a new resource state; a change that changes nothing writes nothing."""
    if resource == current.attributes:
        return current
    user_name, external_id, active = _user_fields(resource)
    _check_user_unique(writer, user_name, external_id, current.id)
    updated = replace(
        current,
        user_name=user_name,
        external_id=external_id,
        active=active,
        attributes=resource,
        version=current.version + 1,
        updated_at=writer.now,
    )
    before = _user_object(writer, current)
    writer.store.update_user(updated, normalize.emails_of(resource))
    after = normalize.user_object(updated, writer.directory, [])
    after["groups"] = before["groups"]
    previous = changed_fields(before, after)
    if previous:
        writer.events.append(PendingEvent("user.updated", {**after, "previous": previous}))
    return updated


def replace_user(
    writer: Writer, user_id: str, data: Mapping[str, Any], if_match: str | None = None
) -> UserRecord:
    current = get_user_for_update(writer, user_id, if_match)
    incoming, _ = prepare_resource(USER_RESOURCE, data)
    resource = replace_resource(USER_RESOURCE, current.attributes, incoming)
    _ensure_schemas(USER_RESOURCE, resource)
    return _store_user_change(writer, current, resource)


def patch_user(
    writer: Writer, user_id: str, body: Mapping[str, Any], if_match: str | None = None
) -> UserRecord:
    current = get_user_for_update(writer, user_id, if_match)
    result = apply_patch(USER_RESOURCE, current.attributes, body, resource_id=user_id)
    if result.member_ops:
        raise invalid_value("members can only be changed on a Group")
    resource = dict(result.resource)
    scim_attributes.validate(USER_RESOURCE, resource)
    _ensure_schemas(USER_RESOURCE, resource)
    return _store_user_change(writer, current, resource)


def delete_user(writer: Writer, user_id: str, if_match: str | None = None) -> None:
    current = get_user_for_update(writer, user_id, if_match)
    data = _user_object(writer, current)
    writer.store.delete_user(writer.directory.id, user_id)
    writer.events.append(PendingEvent("user.deleted", data))


# --------------------------------------------------------------------------- groups


def _group_fields(resource: Mapping[str, Any]) -> tuple[str, str | None]:
    display_name = resource.get("displayName")
    if not isinstance(display_name, str) or not display_name.strip():
        raise invalid_value("displayName is required and must be a non-empty string")
    external_id = resource.get("externalId")
    return display_name, str(external_id) if external_id is not None else None


def _check_group_unique(writer: Writer, external_id: str | None, group_id: str | None) -> None:
    if external_id is None:
        return
    holder = writer.store.group_id_by_external_id(writer.directory.id, external_id)
    if holder is not None and holder != group_id:
        raise uniqueness(f"externalId {external_id!r} is already taken in this directory")


def _membership_events(
    writer: Writer, group: GroupRecord, user_ids: Sequence[str], event_type: str
) -> None:
    if not user_ids:
        return
    directory_id = writer.directory.id
    users = {u.id: u for u in writer.store.users_by_ids(directory_id, user_ids)}
    groups = writer.store.groups_of_users(directory_id, user_ids)
    group_data = normalize.group_object(group, writer.directory)
    for user_id in user_ids:
        user = users[user_id]
        user_data = normalize.user_object(user, writer.directory, groups.get(user_id, []))
        writer.events.append(
            PendingEvent(
                "group.user_added" if event_type == "add" else "group.user_removed",
                {"group": group_data, "user": user_data},
            )
        )


def _require_users(writer: Writer, user_ids: Sequence[str]) -> None:
    """Members must be users of this directory (no cross-tenant membership, RELIABILITY §6.1)."""
    if not user_ids:
        return
    found = {u.id for u in writer.store.users_by_ids(writer.directory.id, user_ids)}
    missing = [user_id for user_id in user_ids if user_id not in found]
    if missing:
        raise invalid_value(f"member {missing[0]!r} is not a User of this directory")


def _add_members(writer: Writer, group: GroupRecord, user_ids: Sequence[str]) -> list[str]:
    _require_users(writer, user_ids)
    present = writer.store.existing_member_ids(writer.directory.id, group.id, user_ids)
    added = [user_id for user_id in user_ids if user_id not in present]
    writer.store.add_members(writer.directory.id, group.id, added)
    return added


def _remove_members(writer: Writer, group: GroupRecord, user_ids: Sequence[str]) -> list[str]:
    present = writer.store.existing_member_ids(writer.directory.id, group.id, user_ids)
    removed = [user_id for user_id in user_ids if user_id in present]
    writer.store.remove_members(writer.directory.id, group.id, removed)
    return removed


def _set_members(
    writer: Writer, group: GroupRecord, user_ids: Sequence[str]
) -> tuple[list[str], list[str]]:
    _require_users(writer, user_ids)
    current = writer.store.member_ids(writer.directory.id, group.id)
    wanted = set(user_ids)
    removed = [user_id for user_id in current if user_id not in wanted]
    existing = set(current)
    added = [user_id for user_id in user_ids if user_id not in existing]
    writer.store.remove_members(writer.directory.id, group.id, removed)
    writer.store.add_members(writer.directory.id, group.id, added)
    return added, removed


def _apply_member_ops(
    writer: Writer, group: GroupRecord, ops: Sequence[MemberOp]
) -> tuple[list[str], list[str]]:
    """Apply membership operations in order; returns (added, removed) net of each other."""
    added: dict[str, None] = {}
    removed: dict[str, None] = {}

    def note(plus: Sequence[str], minus: Sequence[str]) -> None:
        for user_id in plus:
            if removed.pop(user_id, "absent") == "absent":
                added[user_id] = None
        for user_id in minus:
            if added.pop(user_id, "absent") == "absent":
                removed[user_id] = None

    for op in ops:
        if op.kind == "add":
            note(_add_members(writer, group, op.values), [])
        elif op.kind == "remove":
            note([], _remove_members(writer, group, op.values))
        elif op.kind == "replace":
            note(*_set_members(writer, group, op.values))
        else:
            note(*_set_members(writer, group, []))
    return list(added), list(removed)


def _record_membership(
    writer: Writer, group: GroupRecord, added: Sequence[str], removed: Sequence[str]
) -> None:
    _membership_events(writer, group, added, "add")
    _membership_events(writer, group, removed, "remove")


def create_group(writer: Writer, data: Mapping[str, Any]) -> GroupRecord:
    resource, members = prepare_resource(GROUP_RESOURCE, data)
    display_name, external_id = _group_fields(resource)
    _check_group_unique(writer, external_id, None)
    group = GroupRecord(
        id=ids.group_id(),
        directory_id=writer.directory.id,
        external_id=external_id,
        display_name=display_name,
        attributes=resource,
        version=1,
        created_at=writer.now,
        updated_at=writer.now,
    )
    writer.store.insert_group(group)
    writer.events.append(
        PendingEvent("group.created", normalize.group_object(group, writer.directory))
    )
    added = _add_members(writer, group, members or [])
    _record_membership(writer, group, added, [])
    return group


def get_group_for_update(writer: Writer, group_id: str, if_match: str | None) -> GroupRecord:
    group = writer.store.get_group(writer.directory.id, group_id)
    if group is None:
        raise not_found(f"Group {group_id} not found")
    etags.check_if_match(if_match, etags.weak_etag(group.version))
    return group


def _store_group_change(
    writer: Writer,
    current: GroupRecord,
    resource: dict[str, Any],
    membership_changed: bool,
) -> GroupRecord:
    attributes_changed = resource != current.attributes
    if not attributes_changed and not membership_changed:
        return current
    display_name, external_id = _group_fields(resource)
    _check_group_unique(writer, external_id, current.id)
    updated = replace(
        current,
        display_name=display_name,
        external_id=external_id,
        attributes=resource,
        version=current.version + 1,
        updated_at=writer.now,
    )
    writer.store.update_group(updated)
    if attributes_changed:
        before = normalize.group_object(current, writer.directory)
        after = normalize.group_object(updated, writer.directory)
        previous = changed_fields(before, after)
        if previous:
            writer.events.append(PendingEvent("group.updated", {**after, "previous": previous}))
    return updated


def replace_group(
    writer: Writer, group_id: str, data: Mapping[str, Any], if_match: str | None = None
) -> GroupRecord:
    """PUT a group. Without ``members`` in the body the membership is left as it is.

    RFC 7644 §3.5.1 lets a service provider keep attributes a PUT omits; clearing every
    membership because a client left ``members`` out would be a silent mass
    de-provisioning, so omission keeps them and ``"members": []`` clears them.
    """
    current = get_group_for_update(writer, group_id, if_match)
    incoming, members = prepare_resource(GROUP_RESOURCE, data)
    resource = replace_resource(GROUP_RESOURCE, current.attributes, incoming)
    _ensure_schemas(GROUP_RESOURCE, resource)
    added: list[str] = []
    removed: list[str] = []
    if members is not None:
        added, removed = _set_members(writer, current, members)
    updated = _store_group_change(writer, current, resource, bool(added or removed))
    _record_membership(writer, updated, added, removed)
    return updated


def patch_group(
    writer: Writer, group_id: str, body: Mapping[str, Any], if_match: str | None = None
) -> GroupRecord:
    current = get_group_for_update(writer, group_id, if_match)
    result = apply_patch(GROUP_RESOURCE, current.attributes, body, resource_id=group_id)
    resource = dict(result.resource)
    scim_attributes.validate(GROUP_RESOURCE, resource)
    _ensure_schemas(GROUP_RESOURCE, resource)
    added, removed = _apply_member_ops(writer, current, result.member_ops)
    updated = _store_group_change(writer, current, resource, bool(added or removed))
    _record_membership(writer, updated, added, removed)
    return updated


def delete_group(writer: Writer, group_id: str, if_match: str | None = None) -> None:
    current = get_group_for_update(writer, group_id, if_match)
    data = normalize.group_object(current, writer.directory)
    writer.store.delete_group(writer.directory.id, group_id)
    writer.events.append(PendingEvent("group.deleted", data))


__all__ = [
    "ScimError",
    "Writer",
    "create_group",
    "create_user",
    "delete_group",
    "delete_user",
    "open_writer",
    "patch_group",
    "patch_user",
    "replace_group",
    "replace_user",
]
