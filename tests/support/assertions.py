"""Assertions shared by black-box tests."""

from __future__ import annotations

import httpx

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


def assert_scim_error(response: httpx.Response, status: int, scim_type: str | None = None) -> None:
    """An RFC 7644 §3.12 error body with this status (and scimType, when given)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/scim+json")
    body = response.json()
    assert body["schemas"] == [ERROR_SCHEMA]
    assert body["status"] == str(status)
    assert body["detail"]
    if scim_type is not None:
        assert body.get("scimType") == scim_type, body
