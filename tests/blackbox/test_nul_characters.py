"""U+0000 anywhere in a request is a 400 on both backends, never a database error.

PostgreSQL text and JSONB cannot hold NUL while SQLite can; the edge refuses it so the
two answer alike (found by a property test of the filter compiler on PostgreSQL).
"""

from __future__ import annotations

import httpx
import pytest

from tests.factories import GROUP_SCHEMA, patch_body, user_resource
from tests.support.assertions import assert_scim_error


@pytest.mark.parametrize(
    "body",
    [
        user_resource(userName="a\u0000b@example.com"),
        user_resource(title="night\u0000shift"),
        user_resource(**{"urn:example:custom\u0000": {"x": 1}}),
    ],
)
def test_scim_bodies_with_nul_are_invalid_syntax(scim: httpx.Client, body: dict) -> None:
    assert_scim_error(scim.post("/Users", json=body), 400, "invalidSyntax")
    assert scim.get("/Users").json()["totalResults"] == 0


def test_group_members_and_patch_values_with_nul_are_refused(scim: httpx.Client) -> None:
    group = {"schemas": [GROUP_SCHEMA], "displayName": "Ops", "members": [{"value": "u\u0000"}]}
    assert_scim_error(scim.post("/Groups", json=group), 400, "invalidSyntax")
    user = scim.post("/Users", json=user_resource()).json()
    patch = patch_body({"op": "replace", "path": "displayName", "value": "x\u0000"})
    assert_scim_error(scim.patch(f"/Users/{user['id']}", json=patch), 400, "invalidSyntax")
    assert scim.get(f"/Users/{user['id']}").json()["displayName"] == user["displayName"]


def test_nul_in_path_query_or_filter_is_refused(scim: httpx.Client) -> None:
    assert_scim_error(scim.get("/Users/user_a%00b"), 400, "invalidValue")
    assert_scim_error(scim.get("/Users", params={"sortBy": "userName\u0000"}), 400)
    response = scim.get("/Users", params={"filter": 'userName eq "a\\u0000b"'})
    assert_scim_error(response, 400, "invalidFilter")


def test_admin_api_refuses_nul_in_bodies_and_paths(admin: httpx.Client) -> None:
    body = {"name": "Acme\u0000", "tenant": "nul-test-tenant", "provider": "okta"}
    response = admin.post("/api/v1/directories", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalid_request"
    response = admin.get("/api/v1/directories/dir%00x")
    assert response.status_code == 400, response.text
    assert "NUL" in response.json()["error"]["message"]
    assert (
        admin.get("/api/v1/directories", params={"tenant": "nul-test-tenant"}).json()["data"] == []
    )
