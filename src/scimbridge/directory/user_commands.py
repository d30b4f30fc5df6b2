"""Create, replace, patch and delete users (the user half of the write path)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from scimbridge import ids
from scimbridge.directory import normalize
from scimbridge.directory.changes import user_change_event
from scimbridge.directory.models import PendingEvent, UserRecord
from scimbridge.directory.writer import Writer, ensure_schemas, prepare_resource
from scimbridge.scim import etags
from scimbridge.scim.errors import invalid_value, not_found, uniqueness
from scimbridge.scim.lengths import check_lengths
from scimbridge.scim.patch import apply_patch
from scimbridge.scim.replace import replace_resource
from scimbridge.scim.schemas import USER_RESOURCE


def _user_fields(resource: Mapping[str, Any]) -> tuple[str, str | None, bool]:
    """The columns of a user row; every create and every change of a user comes here."""
    user_name = resource.get("userName")
    if not isinstance(user_name, str) or not user_name.strip():
        raise invalid_value("userName is required and must be a non-empty string")
    check_lengths(USER_RESOURCE, resource)
    external_id = resource.get("externalId")
    active = resource.get("active", True)
    return user_name, str(external_id) if external_id is not None else None, active is not False


def _check_user_unique(
    writer: Writer,
    user_name: str,
    external_id: str | None,
    current: UserRecord | None,
) -> None:
    """userName and externalId are unique per directory (RFC 7643 §4.1: uniqueness server).

    Only a value that changes can collide, so an update that keeps both (a deactivation,
    say) looks nothing up; the database's unique indexes stand behind this check anyway.
    """
    user_id = current.id if current is not None else None
    key = user_name.casefold()
    new_key = key if current is None or key != current.user_name.casefold() else None
    new_external_id = external_id if current is None or external_id != current.external_id else None
    by_name, by_external_id = writer.store.unique_key_holders(
        writer.directory.id, new_key, new_external_id
    )
    if by_name is not None and by_name != user_id:
        raise uniqueness(f"userName {user_name!r} is already taken in this directory")
    if by_external_id is not None and by_external_id != user_id:
        raise uniqueness(f"externalId {external_id!r} is already taken in this directory")


def _user_object(writer: Writer, user: UserRecord) -> dict[str, Any]:
    groups = writer.store.groups_of_users(writer.directory.id, [user.id]).get(user.id, [])
    return normalize.user_object(user, writer.directory, groups)


def create_user(writer: Writer, data: Mapping[str, Any]) -> UserRecord:
    """A new user and its ``user.created`` event.

    A user created with ``active: false`` is ``user.created`` too (its ``data.active``
    says so): nothing was deactivated. The id is always a fresh one from ``ids.user_id``
    (milliseconds plus 80 random bits), never the client's: ``id`` is readOnly and is
    dropped from the body (RFC 7643 §3.1). So a deleted user's id is never reused, and a
    user re-created after a delete with the same ``externalId`` or ``userName`` is a new
    user with a new id (README, "Tombstones").
    """
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
    _check_user_unique(writer, user_name, external_id, current)
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
    emails = normalize.emails_of(resource)
    unchanged = emails == normalize.emails_of(current.attributes)
    writer.store.update_user(updated, None if unchanged else emails)
    # The user's current groups (membership is not part of a user write), so that a
    # `user.reactivated` carries everything an application restores access from.
    after = normalize.user_object(updated, writer.directory, [])
    after["groups"] = before["groups"]
    event = user_change_event(before, after)
    if event is not None:
        writer.events.append(event)
    return updated


def replace_user(
    writer: Writer, user_id: str, data: Mapping[str, Any], if_match: str | None = None
) -> UserRecord:
    current = get_user_for_update(writer, user_id, if_match)
    incoming, _ = prepare_resource(USER_RESOURCE, data)
    resource = replace_resource(USER_RESOURCE, current.attributes, incoming)
    ensure_schemas(USER_RESOURCE, resource)
    return _store_user_change(writer, current, resource)


def patch_user(
    writer: Writer, user_id: str, body: Mapping[str, Any], if_match: str | None = None
) -> UserRecord:
    current = get_user_for_update(writer, user_id, if_match)
    result = apply_patch(USER_RESOURCE, current.attributes, body, resource_id=user_id)
    if result.member_ops:
        raise invalid_value("members can only be changed on a Group")
    resource = dict(result.resource)  # validated by apply_patch, like a PUT body
    ensure_schemas(USER_RESOURCE, resource)
    return _store_user_change(writer, current, resource)


def delete_user(writer: Writer, user_id: str, if_match: str | None = None) -> None:
    current = get_user_for_update(writer, user_id, if_match)
    data = _user_object(writer, current)
    writer.store.delete_user(writer.directory.id, user_id)
    writer.events.append(PendingEvent("user.deleted", data))
