"""The longest value each stored field may hold: one table, checked at the edge.

The values of these fields are copied into their own ``VARCHAR(n)`` columns (for
uniqueness, the e-mail index and the admin API's filters; ``store/tables.py``). A longer
value would fail on PostgreSQL with a database error and be stored on SQLite, which
does not enforce ``VARCHAR`` lengths; checking here first makes both answer the same
400 ``invalidValue`` naming the field and its limit. ``tests/store`` holds the column
sizes to this table, so the two cannot drift apart.

Lengths count Unicode code points, as PostgreSQL counts ``VARCHAR`` characters. Keys
that are stored case-folded (``userName``, e-mail values, group ``displayName``) must
fit once folded too: ``str.casefold()`` can lengthen a string (``"ß"`` → ``"ss"``).

RFC 7643 sets no lengths. 512 holds any e-mail address (RFC 5321 §4.5.3.1.3 caps a
path at 256 octets) with room to spare for user names and display names; an e-mail
``type`` is a short canonical word ("work", "home", RFC 7643 §4.1.2), so 64 is ample.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from scimbridge.scim.errors import invalid_value
from scimbridge.scim.schemas import GROUP_RESOURCE, USER_RESOURCE, ResourceType

NAME_LENGTH: Final = 512
EMAIL_TYPE_LENGTH: Final = 64


@dataclass(frozen=True)
class StoredField:
    """One SCIM attribute (a dotted path) or admin field, and where its value is kept."""

    name: str
    max_length: int
    columns: tuple[str, ...]  # "table.column", each at least max_length long
    folded: bool = False  # also stored case-folded, which must fit as well


USER_FIELDS: Final = (
    StoredField("userName", NAME_LENGTH, ("users.user_name", "users.user_name_key"), True),
    StoredField("externalId", NAME_LENGTH, ("users.external_id",)),
    StoredField("displayName", NAME_LENGTH, ("users.display_name",)),
    StoredField("name.givenName", NAME_LENGTH, ("users.given_name",)),
    StoredField("name.familyName", NAME_LENGTH, ("users.family_name",)),
    StoredField("emails.value", NAME_LENGTH, ("user_emails.value", "user_emails.value_key"), True),
    StoredField("emails.type", EMAIL_TYPE_LENGTH, ("user_emails.type",)),
)
GROUP_FIELDS: Final = (
    StoredField(
        "displayName", NAME_LENGTH, ("groups.display_name", "groups.display_name_key"), True
    ),
    StoredField("externalId", NAME_LENGTH, ("groups.external_id",)),
)
# Admin API fields (``api/admin_models.py`` takes its pydantic ``max_length`` from here).
DIRECTORY_NAME = StoredField("name", 200, ("directories.name",))
DIRECTORY_TENANT = StoredField("tenant", 200, ("directories.tenant",))
# A TEXT column; the cap keeps URLs to what HTTP clients and proxies accept (RFC 9110 §4.1
# recommends supporting at least 8,000 octets; 2,048 is the common browser limit).
WEBHOOK_URL = StoredField("webhook_url", 2048, ())
DIRECTORY_FIELDS: Final = (DIRECTORY_NAME, DIRECTORY_TENANT, WEBHOOK_URL)

STORED_FIELDS: Final = {USER_RESOURCE.name: USER_FIELDS, GROUP_RESOURCE.name: GROUP_FIELDS}


def length_problem(field: StoredField, value: str) -> str | None:
    """Why ``value`` does not fit ``field``, or None when it does."""
    if len(value) > field.max_length:
        return (
            f"{field.name} is {len(value)} characters long; at most {field.max_length} are allowed"
        )
    if field.folded and len(value.casefold()) > field.max_length:
        return (
            f"{field.name} is {len(value.casefold())} characters long once case-folded; "
            f"at most {field.max_length} are allowed"
        )
    return None


def check_lengths(resource_type: ResourceType, resource: Mapping[str, Any]) -> None:
    """Raise 400 ``invalidValue`` when a stored field of ``resource`` is too long.

    Runs on the resource as it will be stored (after quirks, PUT and PATCH), so every
    write path is covered by one call. Only string values are looked at: values of
    another type are for attribute validation to refuse, and are not copied to columns.
    """
    for field in STORED_FIELDS[resource_type.name]:
        for value in _values(resource, field.name.split(".")):
            problem = length_problem(field, value)
            if problem is not None:
                raise invalid_value(problem)


def _values(resource: Mapping[str, Any], path: list[str]) -> Iterable[str]:
    """The strings at a dotted path; a list on the way (``emails``) gives one per item."""
    found: list[Any] = [resource]
    for part in path:
        found = [
            element
            for container in found
            for item in (container if isinstance(container, list) else [container])
            if isinstance(item, Mapping)
            for element in [item.get(part)]
            if element is not None
        ]
    return [value for value in found if isinstance(value, str)]


__all__ = [
    "DIRECTORY_FIELDS",
    "DIRECTORY_NAME",
    "DIRECTORY_TENANT",
    "EMAIL_TYPE_LENGTH",
    "GROUP_FIELDS",
    "NAME_LENGTH",
    "STORED_FIELDS",
    "USER_FIELDS",
    "WEBHOOK_URL",
    "StoredField",
    "check_lengths",
    "length_problem",
]
