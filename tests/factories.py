"""Plain builder functions for SCIM bodies; override any field by keyword."""

from __future__ import annotations

import itertools
from typing import Any

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

_counter = itertools.count(1)


def user_resource(**overrides: Any) -> dict[str, Any]:
    """An Okta-like user body (Okta SCIM 2.0 reference, "Create the user")."""
    n = next(_counter)
    user_name = overrides.pop("userName", f"user{n}@example.com")
    body: dict[str, Any] = {
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "name": {"givenName": f"Given{n}", "familyName": f"Family{n}"},
        "emails": [{"primary": True, "value": user_name, "type": "work"}],
        "displayName": f"Given{n} Family{n}",
        "active": True,
    }
    body.update(overrides)
    return body


def group_resource(**overrides: Any) -> dict[str, Any]:
    n = next(_counter)
    body: dict[str, Any] = {"schemas": [GROUP_SCHEMA], "displayName": f"Group {n}", "members": []}
    body.update(overrides)
    return body


def patch_body(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}


def members(*user_ids: str) -> list[dict[str, str]]:
    return [{"value": user_id} for user_id in user_ids]
