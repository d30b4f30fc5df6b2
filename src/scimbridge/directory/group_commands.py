"""Create, replace, patch and delete groups, and keep their memberships and events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from scimbridge import ids
from scimbridge.directory import normalize
from scimbridge.directory.changes import changed_fields
from scimbridge.directory.models import GroupRecord, PendingEvent
from scimbridge.directory.writer import Writer, ensure_schemas, prepare_resource
from scimbridge.scim import etags
from scimbridge.scim.errors import invalid_value, not_found, uniqueness
from scimbridge.scim.lengths import check_lengths
from scimbridge.scim.patch import MemberOp, apply_patch
from scimbridge.scim.replace import replace_resource
from scimbridge.scim.schemas import GROUP_RESOURCE


def _group_fields(resource: Mapping[str, Any]) -> tuple[str, str | None]:
    """The columns of a group row; every create and every change of a group comes here."""
    display_name = resource.get("displayName")
    if not isinstance(display_name, str) or not display_name.strip():
        raise invalid_value("displayName is required and must be a non-empty string")
    check_lengths(GROUP_RESOURCE, resource)
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
    ensure_schemas(GROUP_RESOURCE, resource)
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
    resource = dict(result.resource)  # validated by apply_patch, like a PUT body
    ensure_schemas(GROUP_RESOURCE, resource)
    added, removed = _apply_member_ops(writer, current, result.member_ops)
    updated = _store_group_change(writer, current, resource, bool(added or removed))
    _record_membership(writer, updated, added, removed)
    return updated


def delete_group(writer: Writer, group_id: str, if_match: str | None = None) -> None:
    current = get_group_for_update(writer, group_id, if_match)
    data = normalize.group_object(current, writer.directory)
    writer.store.delete_group(writer.directory.id, group_id)
    writer.events.append(PendingEvent("group.deleted", data))
