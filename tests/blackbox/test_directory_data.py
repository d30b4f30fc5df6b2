"""The application's read API: normalized users and groups (contract: Directory data)."""

from __future__ import annotations

import httpx

from tests.factories import ENTERPRISE, group_resource, members, user_resource
from tests.support.clients import Directory


def test_user_shape(admin: httpx.Client, scim: httpx.Client, directory: Directory) -> None:
    body = user_resource(
        userName="jane@example.com",
        externalId="00u-jane",
        name={"givenName": "Jane", "familyName": "Doe"},
        displayName="Jane Doe",
        title="CTO",
        **{ENTERPRISE: {"department": "Exec", "manager": {"value": "boss-1"}}},
    )
    user = scim.post("/Users", json=body).json()
    group = scim.post(
        "/Groups", json=group_resource(displayName="Leaders", members=members(user["id"]))
    ).json()
    got = admin.get(f"/api/v1/directories/{directory.id}/users/{user['id']}").json()
    assert got["id"] == user["id"]
    assert got["directory_id"] == directory.id
    assert got["tenant"] == "acme"
    assert got["idp_id"] == "00u-jane"
    assert got["username"] == "jane@example.com"
    assert got["first_name"] == "Jane"
    assert got["last_name"] == "Doe"
    assert got["display_name"] == "Jane Doe"
    assert got["active"] is True
    assert got["emails"] == [{"value": "jane@example.com", "type": "work", "primary": True}]
    assert got["groups"] == [{"id": group["id"], "name": "Leaders"}]
    assert got["custom_attributes"]["department"] == "Exec"
    assert got["custom_attributes"]["manager_id"] == "boss-1"
    assert got["custom_attributes"]["job_title"] == "CTO"
    assert got["raw_attributes"]["userName"] == "jane@example.com"
    assert got["created_at"].endswith("Z")
    shown_group = admin.get(f"/api/v1/directories/{directory.id}/groups/{group['id']}").json()
    assert set(shown_group) == {
        "id",
        "directory_id",
        "tenant",
        "idp_id",
        "name",
        "raw_attributes",
        "created_at",
        "updated_at",
    }


def test_cursor_pagination_and_filters(
    admin: httpx.Client, scim: httpx.Client, directory: Directory
) -> None:
    ids = [scim.post("/Users", json=user_resource()).json()["id"] for _ in range(5)]
    inactive = scim.post(
        "/Users", json=user_resource(active=False, userName="off@example.com")
    ).json()["id"]
    group = scim.post("/Groups", json=group_resource(members=members(ids[0], ids[1]))).json()["id"]
    base = f"/api/v1/directories/{directory.id}"
    seen: list[str] = []
    after = None
    while True:
        params = {"limit": 2, **({"after": after} if after else {})}
        page = admin.get(f"{base}/users", params=params).json()
        seen.extend(u["id"] for u in page["data"])
        after = page["list_metadata"]["after"]
        if after is None:
            break
    assert seen == [*ids, inactive]
    in_group = admin.get(f"{base}/users", params={"group": group}).json()["data"]
    assert [u["id"] for u in in_group] == ids[:2]
    by_email = admin.get(f"{base}/users", params={"email": "OFF@example.com"}).json()["data"]
    assert [u["id"] for u in by_email] == [inactive]
    active_false = admin.get(f"{base}/users", params={"active": "false"}).json()["data"]
    assert [u["id"] for u in active_false] == [inactive]
    groups_of_user = admin.get(f"{base}/groups", params={"user": ids[0]}).json()["data"]
    assert [g["id"] for g in groups_of_user] == [group]
    assert admin.get(f"{base}/users", params={"limit": 101}).status_code == 400
    assert admin.get(f"{base}/users/user_nope").status_code == 404
    assert admin.get("/api/v1/directories/directory_nope/users").status_code == 404
