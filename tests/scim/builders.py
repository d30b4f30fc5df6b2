"""Plain builder functions for the pure SCIM protocol tests (no HTTP, no database)."""

from __future__ import annotations

from typing import Any

import pytest

from scimbridge.scim.errors import ScimError
from scimbridge.scim.patch import PatchResult, apply_patch
from scimbridge.scim.schemas import (
    ENTERPRISE_USER_SCHEMA,
    GROUP_SCHEMA,
    USER_RESOURCE,
    USER_SCHEMA,
    Attribute,
    ResourceType,
    Schema,
    SchemaExtension,
)

ENTERPRISE = ENTERPRISE_USER_SCHEMA
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def patch_body(*operations: dict[str, Any]) -> dict[str, Any]:
    """A PatchOp request (RFC 7644 §3.5.2)."""
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def stored_user(**extra: Any) -> dict[str, Any]:
    """A stored User as the write path keeps it: canonical names, no id/meta/groups."""
    return {
        "schemas": [USER_SCHEMA],
        "userName": "bjensen@example.com",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "emails": [{"value": "bjensen@example.com", "type": "work", "primary": True}],
        "active": True,
        **extra,
    }


def stored_group(**extra: Any) -> dict[str, Any]:
    """A stored Group: never any ``members`` (they live in the membership table)."""
    return {"schemas": [GROUP_SCHEMA], "displayName": "Tour Guides", **extra}


def patch_user(resource: dict[str, Any] | None, *operations: dict[str, Any]) -> PatchResult:
    return apply_patch(
        USER_RESOURCE, stored_user() if resource is None else resource, patch_body(*operations)
    )


def error_of(call: Any, *args: Any, **kwargs: Any) -> ScimError:
    """The ScimError ``call`` raises; fails the test when it raises nothing."""
    with pytest.raises(ScimError) as caught:
        call(*args, **kwargs)
    return caught.value


BADGE_URN = "urn:example:params:scim:schemas:extension:badge:2.0:User"

BADGE_RESOURCE = ResourceType(
    id="Badged",
    name="Badged",
    endpoint="/Badged",
    description="A resource type with immutable and integer attributes, for rules the "
    "standard schemas barely exercise.",
    schema=Schema(
        id="urn:example:params:scim:schemas:core:2.0:Badged",
        name="Badged",
        description="",
        attributes=(
            Attribute("userName", required=True),
            Attribute("badge", mutability="immutable", case_exact=True),
            Attribute("floor", "integer"),
            Attribute("height", "decimal"),
            Attribute("hired", "dateTime"),
            Attribute(
                "desk",
                "complex",
                sub_attributes=(
                    Attribute("number", mutability="immutable"),
                    Attribute("label"),
                ),
            ),
        ),
    ),
    extensions=(
        SchemaExtension(
            Schema(
                id=BADGE_URN,
                name="Badge",
                description="",
                attributes=(Attribute("serial", mutability="immutable"),),
            ),
            required=False,
        ),
    ),
)
