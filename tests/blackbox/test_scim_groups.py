"""SCIM /Groups over HTTP: membership kept consistent with User.groups."""

from __future__ import annotations

import httpx

from tests.factories import group_resource, members, patch_body, user_resource
from tests.support.assertions import assert_scim_error


def _users(scim: httpx.Client, n: int) -> list[str]:
    return [scim.post("/Users", json=user_resource()).json()["id"] for _ in range(n)]


class TestMembership:
    def test_create_with_members_shows_on_both_sides(self, scim: httpx.Client) -> None:
        alice, bob = _users(scim, 2)
        response = scim.post(
            "/Groups", json=group_resource(displayName="Eng", members=members(alice, bob))
        )
        assert response.status_code == 201, response.text
        group = response.json()
        assert {m["value"] for m in group["members"]} == {alice, bob}
        user = scim.get(f"/Users/{alice}").json()
        assert user["groups"] == [
            {
                "value": group["id"],
                "display": "Eng",
                "$ref": group["meta"]["location"],
                "type": "direct",
            }
        ]

    def test_okta_group_push(self, scim: httpx.Client) -> None:
        """Okta Group Push: create without members, PATCH add/remove, rename path-less, PUT."""
        alice, bob = _users(scim, 2)
        group = scim.post(
            "/Groups",
            json={
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Push",
            },
        ).json()
        gid = group["id"]
        add = patch_body({"op": "add", "path": "members", "value": members(alice, bob)})
        assert scim.patch(f"/Groups/{gid}", json=add).status_code == 204
        remove = patch_body({"op": "remove", "path": f'members[value eq "{alice}"]'})
        assert scim.patch(f"/Groups/{gid}", json=remove).status_code == 204
        rename = patch_body({"op": "replace", "value": {"id": gid, "displayName": "Pushed"}})
        answered = scim.patch(f"/Groups/{gid}", json=rename)
        assert answered.status_code == 204  # RFC 7644 §3.5.2; Okta's Group Push shows 204
        assert answered.headers["etag"].startswith('W/"')
        renamed = scim.get(f"/Groups/{gid}").json()
        assert renamed["displayName"] == "Pushed"
        assert [m["value"] for m in renamed["members"]] == [bob]
        assert renamed["meta"]["version"] == answered.headers["etag"]
        with_body = scim.patch(
            f"/Groups/{gid}",
            params={"attributes": "displayName"},
            json=patch_body({"op": "replace", "path": "displayName", "value": "Pushed!"}),
        )
        assert with_body.status_code == 200
        assert with_body.json()["displayName"] == "Pushed!"
        assert "members" not in with_body.json()
        put = scim.put(
            f"/Groups/{gid}", json=group_resource(displayName="Pushed", members=members(alice))
        ).json()
        assert [m["value"] for m in put["members"]] == [alice]
        assert scim.get(f"/Users/{bob}").json()["groups"] == []

    def test_member_of_other_directory_or_unknown_is_400(self, scim: httpx.Client) -> None:
        response = scim.post("/Groups", json=group_resource(members=members("user_not_here")))
        assert_scim_error(response, 400, "invalidValue")

    def test_deleting_user_removes_membership(self, scim: httpx.Client) -> None:
        (alice,) = _users(scim, 1)
        group = scim.post("/Groups", json=group_resource(members=members(alice))).json()
        assert scim.delete(f"/Users/{alice}").status_code == 204
        assert scim.get(f"/Groups/{group['id']}").json()["members"] == []

    def test_excluded_members(self, scim: httpx.Client) -> None:
        (alice,) = _users(scim, 1)
        group = scim.post("/Groups", json=group_resource(members=members(alice))).json()
        fetched = scim.get(
            f"/Groups/{group['id']}", params={"excludedAttributes": "members"}
        ).json()
        assert "members" not in fetched
        assert fetched["displayName"] == group["displayName"]

    def test_display_name_filter(self, scim: httpx.Client) -> None:
        group = scim.post("/Groups", json=group_resource(displayName="Sales EMEA")).json()
        page = scim.get("/Groups", params={"filter": 'displayName eq "sales emea"'}).json()
        assert [g["id"] for g in page["Resources"]] == [group["id"]]

    def test_delete_group(self, scim: httpx.Client) -> None:
        (alice,) = _users(scim, 1)
        group = scim.post("/Groups", json=group_resource(members=members(alice))).json()
        assert scim.delete(f"/Groups/{group['id']}").status_code == 204
        assert_scim_error(scim.get(f"/Groups/{group['id']}"), 404)
        assert scim.get(f"/Users/{alice}").json()["groups"] == []
