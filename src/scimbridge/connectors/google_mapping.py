"""Google Directory API resources → SCIM-shaped resources (pure functions, no I/O).

The input shapes are those of the Admin SDK Directory API v1 reference: the ``User``
resource (``users.list`` with ``projection=full``) and the ``Group`` resource
(``groups.list``). The output is what a SCIM client would POST (RFC 7643 §4.1, §4.2,
enterprise extension §4.3), so reconciliation can hand it to ``directory/commands``
exactly as a SCIM push.

Decisions, each with its reason:

* ``id`` (Google's immutable numeric user id) is the ``source_id`` and ``externalId``;
  ``primaryEmail`` changes on a rename, so it is only the ``userName``.
* ``suspended`` *or* ``archived`` → ``active: false``: both leave the account unable to
  sign in (reference: User resource, fields ``suspended`` and ``archived``).
* The manager is ``relations[type=manager].value``, which Google stores as the manager's
  e-mail address (Admin console "Employee information → Manager's email"). It becomes the
  enterprise ``manager.value`` as is: resolving it to the manager's Google id would need
  every user in memory, and the e-mail is what an admin recognises.
* The employee id is ``externalIds[type=organization]`` (the console's "Employee ID").
* The primary organisation (``primary: true``, else the first) gives ``title``,
  ``department``, ``costCenter`` and ``organization`` (its ``name``).
* Everything else Google returns (``orgUnitPath``, ``customSchemas``, ``externalIds``,
  ``relations``, ``phones``, ``isAdmin`` …) goes under :data:`GOOGLE_USER_SCHEMA` so it
  is stored in ``raw_attributes`` and can be picked up with ``attribute_map``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

CORE_USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GOOGLE_USER_SCHEMA = "urn:scimbridge:google:1.0:User"
GOOGLE_GROUP_SCHEMA = "urn:scimbridge:google:1.0:Group"

# Google's e-mail types are home / work / other / custom (User resource, ``emails[].type``);
# SCIM's canonical ones are work / home / other (RFC 7643 §4.1.2).
_SCIM_EMAIL_TYPES = frozenset({"work", "home", "other"})

# Fields consumed by the core/enterprise mapping; the rest of the resource is kept raw.
# ``kind`` and ``etag`` describe the API response, not the person; ``lastLoginTime`` and
# ``thumbnailPhotoEtag`` change on every sign-in or photo refresh and would turn each
# sync into a ``user.updated`` for every active person.
_VOLATILE = frozenset({"kind", "etag", "lastLoginTime", "thumbnailPhotoEtag"})
_NOT_RAW = _VOLATILE | {"id", "primaryEmail", "name", "emails"}
# ``directMembersCount`` moves with every membership change, which the membership
# events already report.
_GROUP_NOT_RAW = _VOLATILE | {"id", "name", "directMembersCount"}


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    """A multi-valued field as a list of objects, ignoring anything malformed."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def _first_of_type(items: Iterable[Mapping[str, Any]], kind: str) -> str | None:
    for item in items:
        if item.get("type") == kind and _text(item.get("value")):
            return _text(item.get("value"))
    return None


def _primary(items: list[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    for item in items:
        if item.get("primary") is True:
            return item
    return items[0] if items else None


def map_emails(user: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``primaryEmail`` first as the primary work address, then the other addresses.

    Google lists the primary address inside ``emails`` as well (``primary: true``), and
    may list aliases there; duplicates (case-insensitively, RFC 5321 §2.4 treats the
    domain as case-insensitive and Google the local part too) are dropped.
    """
    result: list[dict[str, Any]] = []
    seen: set[str] = set()
    primary_email = _text(user.get("primaryEmail"))
    if primary_email:
        result.append({"value": primary_email, "type": "work", "primary": True})
        seen.add(primary_email.lower())
    for item in _dicts(user.get("emails")):
        address = _text(item.get("address"))
        if address is None or address.lower() in seen:
            continue
        seen.add(address.lower())
        kind = item.get("type")
        if kind == "custom":
            kind = _text(item.get("customType")) or "other"
        elif not isinstance(kind, str) or kind not in _SCIM_EMAIL_TYPES:
            kind = "other"
        result.append({"value": address, "type": kind})
    return result


def _name(user: Mapping[str, Any]) -> dict[str, str]:
    raw = user.get("name")
    name = raw if isinstance(raw, Mapping) else {}
    result: dict[str, str] = {}
    for google_key, scim_key in (
        ("givenName", "givenName"),
        ("familyName", "familyName"),
        ("fullName", "formatted"),
    ):
        value = _text(name.get(google_key))
        if value:
            result[scim_key] = value
    return result


def _enterprise(user: Mapping[str, Any]) -> dict[str, Any]:
    enterprise: dict[str, Any] = {}
    employee_number = _first_of_type(_dicts(user.get("externalIds")), "organization")
    if employee_number:
        enterprise["employeeNumber"] = employee_number
    organization = _primary(_dicts(user.get("organizations")))
    if organization is not None:
        for google_key, scim_key in (
            ("department", "department"),
            ("costCenter", "costCenter"),
            ("name", "organization"),
        ):
            value = _text(organization.get(google_key))
            if value:
                enterprise[scim_key] = value
    manager = _first_of_type(_dicts(user.get("relations")), "manager")
    if manager:
        enterprise["manager"] = {"value": manager}
    return enterprise


def user_resource(user: Mapping[str, Any]) -> dict[str, Any]:
    """One Directory API ``User`` → a SCIM User resource (see the module notes)."""
    source_id = _text(user.get("id"))
    user_name = _text(user.get("primaryEmail"))
    if source_id is None or user_name is None:
        raise ValueError("a Google user without an id or a primaryEmail cannot be mapped")
    name = _name(user)
    resource: dict[str, Any] = {
        "schemas": [CORE_USER_SCHEMA],
        "externalId": source_id,
        "userName": user_name,
        "active": not (user.get("suspended") is True or user.get("archived") is True),
        "emails": map_emails(user),
    }
    if name:
        resource["name"] = name
    display = name.get("formatted") or " ".join(
        part for part in (name.get("givenName"), name.get("familyName")) if part
    )
    if display:
        resource["displayName"] = display
    organization = _primary(_dicts(user.get("organizations")))
    title = _text(organization.get("title")) if organization is not None else None
    if title:
        resource["title"] = title
    enterprise = _enterprise(user)
    if enterprise:
        resource["schemas"].append(ENTERPRISE_SCHEMA)
        resource[ENTERPRISE_SCHEMA] = enterprise
    raw = {key: value for key, value in user.items() if key not in _NOT_RAW}
    if raw:
        resource["schemas"].append(GOOGLE_USER_SCHEMA)
        resource[GOOGLE_USER_SCHEMA] = raw
    return resource


def group_resource(group: Mapping[str, Any]) -> dict[str, Any]:
    """One Directory API ``Group`` → a SCIM Group resource without members.

    ``name`` is the display name; when a group has none, its ``email`` stands in (both
    are shown in the Admin console's group list). ``email``, ``description`` and the rest
    are kept under :data:`GOOGLE_GROUP_SCHEMA`.
    """
    source_id = _text(group.get("id"))
    if source_id is None:
        raise ValueError("a Google group without an id cannot be mapped")
    display = _text(group.get("name")) or _text(group.get("email")) or source_id
    raw = {
        key: value
        for key, value in group.items()
        if key not in _GROUP_NOT_RAW and value is not None
    }
    resource: dict[str, Any] = {
        "schemas": [CORE_GROUP_SCHEMA],
        "externalId": source_id,
        "displayName": display,
    }
    if raw:
        resource["schemas"].append(GOOGLE_GROUP_SCHEMA)
        resource[GOOGLE_GROUP_SCHEMA] = raw
    return resource
