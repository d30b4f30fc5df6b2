"""Stored records → SCIM resources as the API returns them (RFC 7643 §3.1, §4).

Adds what is not stored with the resource: ``id``, ``meta`` (with ``version`` as the
weak ETag, RFC 7644 §3.14), the User's read-only ``groups`` and the Group's ``members``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scimbridge.clock import isoformat
from scimbridge.directory.models import GroupRecord, GroupRef, UserRecord
from scimbridge.scim.etags import weak_etag


def _meta(resource_type: str, location: str, record: UserRecord | GroupRecord) -> dict[str, Any]:
    return {
        "resourceType": resource_type,
        "created": isoformat(record.created_at),
        "lastModified": isoformat(record.updated_at),
        "location": location,
        "version": weak_etag(record.version),
    }


def render_user(
    user: UserRecord, groups: Sequence[GroupRef] | None, base_url: str
) -> dict[str, Any]:
    location = f"{base_url}/Users/{user.id}"
    resource: dict[str, Any] = {"schemas": user.attributes.get("schemas"), "id": user.id}
    resource.update((k, v) for k, v in user.attributes.items() if k != "schemas")
    if groups is not None:
        resource["groups"] = [
            {
                "value": g.id,
                "display": g.name,
                "$ref": f"{base_url}/Groups/{g.id}",
                "type": "direct",
            }
            for g in groups
        ]
    resource["meta"] = _meta("User", location, user)
    return resource


def render_group(
    group: GroupRecord, members: Sequence[tuple[str, str | None]] | None, base_url: str
) -> dict[str, Any]:
    """``members`` are (user id, display) pairs, or None when they were not requested."""
    location = f"{base_url}/Groups/{group.id}"
    resource: dict[str, Any] = {"schemas": group.attributes.get("schemas"), "id": group.id}
    resource.update((k, v) for k, v in group.attributes.items() if k != "schemas")
    if members is not None:
        resource["members"] = [
            {
                "value": user_id,
                "display": display,
                "$ref": f"{base_url}/Users/{user_id}",
                "type": "User",
            }
            for user_id, display in members
        ]
    resource["meta"] = _meta("Group", location, group)
    return resource
