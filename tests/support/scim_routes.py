"""Every SCIM route a directory's token opens, with a minimal valid body for each."""

from __future__ import annotations

from typing import Any

from tests.factories import group_resource, patch_body, user_resource

ROUTES = [
    ("GET", "/Users"),
    ("POST", "/Users"),
    ("GET", "/Users/{user}"),
    ("PUT", "/Users/{user}"),
    ("PATCH", "/Users/{user}"),
    ("DELETE", "/Users/{user}"),
    ("GET", "/Groups"),
    ("POST", "/Groups"),
    ("GET", "/Groups/{group}"),
    ("PUT", "/Groups/{group}"),
    ("PATCH", "/Groups/{group}"),
    ("DELETE", "/Groups/{group}"),
    ("POST", "/Users/.search"),
    ("POST", "/.search"),
    ("POST", "/Bulk"),
    ("GET", "/ServiceProviderConfig"),
    ("GET", "/ResourceTypes"),
    ("GET", "/Schemas"),
]

WRITES = [
    (method, path)
    for method, path in ROUTES
    if method in ("PUT", "PATCH", "DELETE")
    or (method, path)
    in {
        ("POST", "/Users"),
        ("POST", "/Groups"),
        ("POST", "/Bulk"),
    }
]
"""Routes that change resources; ``.search`` is a POST that only reads (RFC 7644 §3.4.3)."""
READS = [route for route in ROUTES if route not in WRITES]


def route_body(method: str, path: str) -> dict[str, Any] | None:
    """A body the route accepts (an empty Bulk, a plain search, a fresh resource)."""
    if method == "PATCH":
        return patch_body({"op": "replace", "value": {"active": False}})
    if method in ("POST", "PUT"):
        if "search" in path:
            return {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}
        if path == "/Bulk":
            return {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                "Operations": [],
            }
        return group_resource() if "Groups" in path else user_resource()
    return None
