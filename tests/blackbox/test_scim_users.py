"""SCIM /Users over HTTP against the running server (RFC 7644 §3.3 to §3.6)."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import (
    ENTERPRISE,
    USER_SCHEMA,
    group_resource,
    members,
    patch_body,
    user_resource,
)
from tests.support.assertions import assert_scim_error


class TestCreate:
    def test_created_user_round_trips(self, scim: httpx.Client) -> None:
        body = user_resource(externalId="00u1", **{ENTERPRISE: {"department": "R&D"}})
        response = scim.post("/Users", json=body)
        assert response.status_code == 201, response.text
        assert response.headers["content-type"].startswith("application/scim+json")
        user = response.json()
        assert user["id"].startswith("user_")
        assert user["userName"] == body["userName"]
        assert user["externalId"] == "00u1"
        assert user[ENTERPRISE]["department"] == "R&D"
        assert USER_SCHEMA in user["schemas"]
        assert ENTERPRISE in user["schemas"]
        assert user["meta"]["resourceType"] == "User"
        assert response.headers["location"] == user["meta"]["location"]
        assert response.headers["etag"] == user["meta"]["version"]
        assert user["groups"] == []
        fetched = scim.get(f"/Users/{user['id']}").json()
        assert fetched == user

    def test_password_is_accepted_but_never_returned(self, scim: httpx.Client) -> None:
        response = scim.post("/Users", json=user_resource(password="t1meMa$heen"))
        assert response.status_code == 201
        assert "password" not in response.json()
        assert "password" not in scim.get(f"/Users/{response.json()['id']}").json()

    def test_duplicate_username_is_409_case_insensitively(self, scim: httpx.Client) -> None:
        assert (
            scim.post("/Users", json=user_resource(userName="Dup@Example.com")).status_code == 201
        )
        assert_scim_error(
            scim.post("/Users", json=user_resource(userName="dup@example.COM")), 409, "uniqueness"
        )

    def test_application_json_is_accepted(self, scim: httpx.Client) -> None:
        response = scim.post(
            "/Users", json=user_resource(), headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 201

    @pytest.mark.parametrize(
        ("content", "scim_type"),
        [
            (b"{", "invalidSyntax"),
            (b"[]", "invalidValue"),
            (b'{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}', "invalidValue"),
            (b'{"userName": 42}', "invalidValue"),
            (b'{"userName": "x@example.com", "active": "maybe"}', "invalidValue"),
            (b'{"userName": "x@example.com", "name": "not an object"}', "invalidValue"),
            (b"[" * 100_000, "invalidSyntax"),
        ],
    )
    def test_bad_bodies_are_400(self, scim: httpx.Client, content: bytes, scim_type: str) -> None:
        response = scim.post("/Users", content=content)
        assert response.status_code == 400, response.text
        assert response.json()["scimType"] in (scim_type, "invalidSyntax", "invalidValue")

    def test_oversized_body_is_413(self, scim: httpx.Client) -> None:
        body = user_resource(title="x" * 2_000_000)
        assert_scim_error(scim.post("/Users", json=body), 413)


class TestRead:
    def test_unknown_id_is_404(self, scim: httpx.Client) -> None:
        assert_scim_error(scim.get("/Users/user_nope"), 404)

    def test_filters_that_idps_send_first(self, scim: httpx.Client) -> None:
        user = scim.post(
            "/Users", json=user_resource(userName="Probe.Me@example.com", externalId="ext-probe")
        ).json()
        for query in (
            'userName eq "probe.me@example.com"',
            'userName eq "PROBE.ME@EXAMPLE.COM"',
            'externalId eq "ext-probe"',
            f'id eq "{user["id"]}"',
        ):
            page = scim.get("/Users", params={"filter": query}).json()
            assert page["totalResults"] == 1, query
            assert page["Resources"][0]["id"] == user["id"]
        miss = scim.get("/Users", params={"filter": 'externalId eq "EXT-PROBE"'}).json()
        assert miss["totalResults"] == 0  # externalId is caseExact (RFC 7643 §3.1)

    def test_okta_test_connection_probe(self, scim: httpx.Client) -> None:
        """Okta's first request: GET /Users?startIndex=1&count=2 (Okta SCIM 2.0 reference)."""
        for _ in range(3):
            scim.post("/Users", json=user_resource())
        page = scim.get("/Users", params={"startIndex": 1, "count": 2}).json()
        assert page["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
        assert page["totalResults"] == 3
        assert page["itemsPerPage"] == 2
        assert page["startIndex"] == 1
        assert len(page["Resources"]) == 2

    def test_paging_covers_everything_once(self, scim: httpx.Client) -> None:
        ids = {scim.post("/Users", json=user_resource()).json()["id"] for _ in range(7)}
        seen: list[str] = []
        start = 1
        while True:
            page = scim.get("/Users", params={"startIndex": start, "count": 3}).json()
            seen.extend(r["id"] for r in page["Resources"])
            if not page["Resources"]:
                break
            start += len(page["Resources"])
        assert sorted(seen) == sorted(ids)
        empty = scim.get("/Users", params={"startIndex": 100, "count": 3}).json()
        assert empty["Resources"] == []
        assert empty["totalResults"] == 7
        zero = scim.get("/Users", params={"count": 0}).json()
        assert zero["totalResults"] == 7
        assert zero["Resources"] == []

    def test_bad_filter_is_invalid_filter(self, scim: httpx.Client) -> None:
        assert_scim_error(
            scim.get("/Users", params={"filter": "userName eq"}), 400, "invalidFilter"
        )
        assert_scim_error(
            scim.get("/Users", params={"filter": 'nope eq "x"'}), 400, "invalidFilter"
        )

    def test_trailing_slash(self, scim: httpx.Client) -> None:
        assert scim.get("/Users/").status_code == 200


class TestReplace:
    def test_put_replaces_and_deactivates(self, scim: httpx.Client) -> None:
        """Okta AIW apps update profiles and deactivate by full PUT."""
        body = user_resource(title="Engineer")
        user = scim.post("/Users", json=body).json()
        body.update(active=False, title="Manager", id=user["id"])
        response = scim.put(f"/Users/{user['id']}", json=body)
        assert response.status_code == 200, response.text
        replaced = response.json()
        assert replaced["active"] is False
        assert replaced["title"] == "Manager"
        assert replaced["meta"]["version"] != user["meta"]["version"]
        assert replaced["meta"]["created"] == user["meta"]["created"]

    def test_put_unknown_is_404(self, scim: httpx.Client) -> None:
        assert_scim_error(scim.put("/Users/user_nope", json=user_resource()), 404)

    def test_put_onto_taken_username_is_409(self, scim: httpx.Client) -> None:
        first = scim.post("/Users", json=user_resource()).json()
        second = scim.post("/Users", json=user_resource()).json()
        response = scim.put(
            f"/Users/{second['id']}", json=user_resource(userName=first["userName"])
        )
        assert_scim_error(response, 409, "uniqueness")

    def test_if_match_mismatch_is_412(self, scim: httpx.Client) -> None:
        user = scim.post("/Users", json=user_resource()).json()
        response = scim.put(
            f"/Users/{user['id']}",
            json=user_resource(userName=user["userName"]),
            headers={"If-Match": 'W/"999"'},
        )
        assert_scim_error(response, 412)


class TestPatch:
    def test_okta_deactivation(self, scim: httpx.Client) -> None:
        user = scim.post("/Users", json=user_resource()).json()
        response = scim.patch(
            f"/Users/{user['id']}", json=patch_body({"op": "replace", "value": {"active": False}})
        )
        assert response.status_code == 200, response.text
        assert response.json()["active"] is False

    def test_patch_unknown_is_404(self, scim: httpx.Client) -> None:
        response = scim.patch(
            "/Users/user_nope", json=patch_body({"op": "replace", "value": {"active": False}})
        )
        assert_scim_error(response, 404)


class TestDelete:
    def test_delete_then_404(self, scim: httpx.Client) -> None:
        user = scim.post("/Users", json=user_resource()).json()
        assert scim.delete(f"/Users/{user['id']}").status_code == 204
        assert_scim_error(scim.get(f"/Users/{user['id']}"), 404)
        assert_scim_error(scim.delete(f"/Users/{user['id']}"), 404)


class TestDiscovery:
    def test_documents(self, scim: httpx.Client) -> None:
        config = scim.get("/ServiceProviderConfig").json()
        assert config["patch"]["supported"] is True
        assert config["filter"]["supported"] is True
        types = scim.get("/ResourceTypes").json()
        assert {r["name"] for r in types["Resources"]} == {"User", "Group"}
        schemas = scim.get("/Schemas").json()
        ids = {s["id"] for s in schemas["Resources"]}
        assert {USER_SCHEMA, ENTERPRISE, "urn:ietf:params:scim:schemas:core:2.0:Group"} <= ids


def test_write_answers_list_the_users_groups(scim: httpx.Client, admin: httpx.Client) -> None:
    """The groups a write's answer and event show are read once per request, and current."""
    created = scim.post("/Users", json=user_resource())
    assert created.status_code == 201
    assert created.json()["groups"] == []
    user_id = created.json()["id"]
    group = scim.post(
        "/Groups", json=group_resource(displayName="Pilots", members=members(user_id))
    )
    assert group.status_code == 201
    rename = patch_body({"op": "replace", "path": "displayName", "value": "Captains"})
    assert scim.patch(f"/Groups/{group.json()['id']}", json=rename).status_code == 204
    patched = scim.patch(
        f"/Users/{user_id}", json=patch_body({"op": "replace", "path": "title", "value": "Lead"})
    )
    assert patched.status_code == 200
    assert [(g["value"], g["display"]) for g in patched.json()["groups"]] == [
        (group.json()["id"], "Captains")
    ]
    directory_id = patched.json()["meta"]["location"].split("/scim/v2/")[1].split("/")[0]
    feed = admin.get("/api/v1/events", params={"directory_id": directory_id}).json()["data"]
    updated = [e for e in feed if e["type"] == "user.updated"][-1]
    assert updated["data"]["groups"] == [{"id": group.json()["id"], "name": "Captains"}]
