"""OneLogin, JumpCloud, Ping, Rippling and generic RFC 7644 clients, over HTTP.

Each class names the IdP and the published page its requests are shaped after; the
generic class covers what RFC 7644 clients (and the IdPs above, depending on their
configuration) rely on: content types, trailing slashes, Location, .search, sorting,
projection, ETags and Bulk. Every test re-reads the state it changed.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.factories import (
    GROUP_SCHEMA,
    USER_SCHEMA,
    group_resource,
    members,
    patch_body,
    user_resource,
)
from tests.support.assertions import assert_scim_error
from tests.support.clients import (
    Directory,
    all_events,
    create,
    create_directory,
    fetch,
    patched,
    scim_client,
)

SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"


def member_ids(group: dict[str, Any]) -> list[str]:
    """Sorted, duplicates kept: a member listed twice must show (unlike clients.member_ids)."""
    return sorted(m["value"] for m in group.get("members", []))


def provider_client(admin: httpx.Client, provider: str) -> tuple[Directory, httpx.Client]:
    directory = create_directory(admin, name=provider.title(), tenant=provider, provider=provider)
    return directory, scim_client(directory)


def events_of(admin: httpx.Client, directory: Directory, kind: str) -> list[dict[str, Any]]:
    return [e for e in all_events(admin, directory.id) if e["type"] == kind]


class TestOneLogin:
    """OneLogin Developers, "SCIM" / "Define user attribute mappings"
    (https://developers.onelogin.com/scim/define-user-schema): the SCIM JSON template may
    send ``emails`` as one object, and updates arrive as one replace op per attribute."""

    @pytest.fixture
    def onelogin(self, admin: httpx.Client) -> Any:
        directory, client = provider_client(admin, "onelogin")
        with client:
            yield directory, client

    def test_emails_as_single_object(self, admin: httpx.Client, onelogin: Any) -> None:
        directory, scim = onelogin
        body = {
            "schemas": [USER_SCHEMA],
            "userName": "sam.single@onelogin.test",
            "name": {"givenName": "Sam", "familyName": "Single"},
            "emails": {"value": "sam.single@onelogin.test", "primary": True, "type": "work"},
            "active": True,
        }
        user = create(scim, "/Users", body)
        expected = [{"value": "sam.single@onelogin.test", "primary": True, "type": "work"}]
        assert user["emails"] == expected
        assert fetch(scim, f"/Users/{user['id']}")["emails"] == expected
        got = admin.get(f"/api/v1/directories/{directory.id}/users/{user['id']}").json()
        assert got["emails"] == [
            {"value": "sam.single@onelogin.test", "type": "work", "primary": True}
        ]
        page = scim.get(
            "/Users", params={"filter": 'emails.value eq "sam.single@onelogin.test"'}
        ).json()
        assert [r["id"] for r in page["Resources"]] == [user["id"]]

    def test_replace_emails_with_single_object(self, onelogin: Any) -> None:
        _, scim = onelogin
        user = create(scim, "/Users", user_resource(userName="obj.patch@onelogin.test"))
        response = scim.patch(
            f"/Users/{user['id']}",
            json=patch_body(
                {
                    "op": "replace",
                    "path": "emails",
                    "value": {"value": "new.obj@onelogin.test", "primary": True, "type": "work"},
                }
            ),
        )
        assert response.status_code == 200, response.text
        assert fetch(scim, f"/Users/{user['id']}")["emails"] == [
            {"value": "new.obj@onelogin.test", "primary": True, "type": "work"}
        ]

    def test_one_replace_op_per_attribute(self, admin: httpx.Client, onelogin: Any) -> None:
        directory, scim = onelogin
        user = create(scim, "/Users", user_resource(userName="ops.many@onelogin.test"))
        response = scim.patch(
            f"/Users/{user['id']}",
            json=patch_body(
                {"op": "replace", "path": "name.givenName", "value": "Olga"},
                {"op": "replace", "path": "name.familyName", "value": "Login"},
                {"op": "replace", "path": "title", "value": "Director"},
                {"op": "replace", "path": "active", "value": False},
            ),
        )
        assert response.status_code == 200, response.text
        after = fetch(scim, f"/Users/{user['id']}")
        assert after["name"]["givenName"] == "Olga"
        assert after["name"]["familyName"] == "Login"
        assert after["title"] == "Director"
        assert after["active"] is False
        # Several operations in one request are one change, hence one event; with the
        # deactivation among them it is `user.deactivated`, the rest in `previous`.
        assert events_of(admin, directory, "user.updated") == []
        (deactivated,) = events_of(admin, directory, "user.deactivated")
        assert deactivated["data"]["first_name"] == "Olga"
        assert deactivated["data"]["active"] is False
        previous = deactivated["data"]["previous"]
        assert previous["active"] is True
        assert previous["first_name"] == user["name"]["givenName"]
        assert previous["last_name"] == user["name"]["familyName"]


class TestJumpCloud:
    """JumpCloud, "Identity Management using a Custom SCIM Integration"
    (https://jumpcloud.com/support/provision-and-manage-users-and-groups-in-apps-using-custom-scim-identity-management-integration):
    the connection test creates a test user and a test group and then deletes both."""

    def test_connection_test_round_trip(self, admin: httpx.Client) -> None:
        directory, client = provider_client(admin, "jumpcloud")
        with client as scim:
            user = create(scim, "/Users", user_resource(userName="jc.test.user@jumpcloud.test"))
            group = create(
                scim,
                "/Groups",
                group_resource(displayName="JumpCloud Test Group", members=members(user["id"])),
            )
            assert scim.delete(f"/Groups/{group['id']}").status_code == 204
            assert scim.delete(f"/Users/{user['id']}").status_code == 204
            assert_scim_error(scim.get(f"/Users/{user['id']}"), 404)
            assert_scim_error(scim.get(f"/Groups/{group['id']}"), 404)
            assert fetch(scim, "/Users")["totalResults"] == 0
            assert fetch(scim, "/Groups")["totalResults"] == 0
        types = [e["type"] for e in all_events(admin, directory.id)]
        assert types == [
            "user.created",
            "group.created",
            "group.user_added",
            "group.deleted",
            "user.deleted",
        ]

    def test_members_patch_without_filter(self, admin: httpx.Client) -> None:
        """Member add and remove as value lists on path "members"."""
        _, client = provider_client(admin, "jumpcloud")
        with client as scim:
            alice = create(scim, "/Users", user_resource())["id"]
            bob = create(scim, "/Users", user_resource())["id"]
            group = create(scim, "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "JC"})
            for op, value in (("add", [alice, bob]), ("remove", [alice])):
                after = patched(
                    scim,
                    f"/Groups/{group['id']}",
                    {"op": op, "path": "members", "value": members(*value)},
                )
            assert member_ids(after) == [bob]

    def test_unbinding_deactivates_then_rebinding_reactivates(self, admin: httpx.Client) -> None:
        """``user_deprovision`` "change an existing user to inactive": the user stays, so
        a rebind is a reactivation of the same id, with the group it is still in."""
        directory, client = provider_client(admin, "jumpcloud")
        assert directory.body["deprovision_policy"] == "deactivate"
        with client as scim:
            user = create(scim, "/Users", user_resource())
            group = create(
                scim, "/Groups", group_resource(displayName="JC Staff", members=members(user["id"]))
            )
            for active in (False, True):
                response = scim.patch(
                    f"/Users/{user['id']}",
                    json=patch_body({"op": "replace", "path": "active", "value": active}),
                )
                assert response.status_code == 200, response.text
        user_events = [e for e in all_events(admin, directory.id) if e["type"].startswith("user.")]
        assert [e["type"] for e in user_events] == [
            "user.created",
            "user.deactivated",
            "user.reactivated",
        ]
        assert user_events[2]["data"]["groups"] == [{"id": group["id"], "name": "JC Staff"}]


class TestPing:
    """PingFederate, "Defining a provisioning target" and the SCIM outbound connector
    (https://docs.pingidentity.com/pingfederate/latest/administrators_reference_guide/pf_defining_provisioning_target.html):
    separate Users and Groups resource URLs, look-up by userName before create, and the
    "Remove user action" of Disable (active false) or Delete."""

    def test_lookup_create_disable(self, admin: httpx.Client) -> None:
        directory, client = provider_client(admin, "ping")
        with client as scim:
            query = {"filter": 'userName eq "pat.ping@ping.test"'}
            assert fetch(scim, "/Users")["totalResults"] == 0
            assert scim.get("/Users", params=query).json()["totalResults"] == 0
            user = create(scim, "/Users", user_resource(userName="pat.ping@ping.test"))
            found = scim.get("/Users", params=query).json()["Resources"]
            assert [r["id"] for r in found] == [user["id"]]
            response = scim.patch(
                f"/Users/{user['id']}",
                json=patch_body({"op": "replace", "path": "active", "value": False}),
            )
            assert response.status_code == 200, response.text
            assert fetch(scim, f"/Users/{user['id']}")["active"] is False
        got = admin.get(f"/api/v1/directories/{directory.id}/users/{user['id']}").json()
        assert got["active"] is False
        assert [e["type"] for e in all_events(admin, directory.id)] == [
            "user.created",
            "user.deactivated",
        ]

    def test_groups_resource_url_with_members(self, admin: httpx.Client) -> None:
        _, client = provider_client(admin, "ping")
        with client as scim:
            alice = create(scim, "/Users", user_resource())["id"]
            group = create(
                scim, "/Groups", group_resource(displayName="Ping", members=members(alice))
            )
            assert member_ids(fetch(scim, f"/Groups/{group['id']}")) == [alice]
            assert [g["value"] for g in fetch(scim, f"/Users/{alice}")["groups"]] == [group["id"]]


class TestRippling:
    """Rippling custom SCIM app ("Use PATCH to edit Groups"; WorkOS, "Rippling SCIM",
    https://workos.com/docs/integrations/rippling-scim): members carry only ``value``, and
    the same member may be sent again; re-adding is a no-op (RFC 7644 §3.5.2.1)."""

    @pytest.fixture
    def rippling(self, admin: httpx.Client) -> Any:
        directory, client = provider_client(admin, "rippling")
        with client:
            yield directory, client

    def test_minimal_member_objects(self, rippling: Any) -> None:
        _, scim = rippling
        alice = create(scim, "/Users", user_resource())["id"]
        group = create(scim, "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Rippled"})
        after = patched(
            scim,
            f"/Groups/{group['id']}",
            {"op": "add", "path": "members", "value": members(alice)},
        )
        assert member_ids(after) == [alice]

    def test_re_adding_a_member_is_a_no_op(self, admin: httpx.Client, rippling: Any) -> None:
        directory, scim = rippling
        alice = create(scim, "/Users", user_resource())["id"]
        group = create(scim, "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Twice"})
        add = patch_body({"op": "add", "path": "members", "value": [{"value": alice}]})
        for _ in range(3):
            response = scim.patch(f"/Groups/{group['id']}", json=add)
            assert response.status_code in (200, 204), response.text
        assert member_ids(fetch(scim, f"/Groups/{group['id']}")) == [alice]
        assert len(fetch(scim, f"/Users/{alice}")["groups"]) == 1
        added = events_of(admin, directory, "group.user_added")
        assert len(added) == 1
        assert added[0]["data"]["user"]["id"] == alice
        assert "group.updated" not in [e["type"] for e in all_events(admin, directory.id)]

    def test_same_member_twice_in_one_request(self, admin: httpx.Client, rippling: Any) -> None:
        directory, scim = rippling
        alice = create(scim, "/Users", user_resource())["id"]
        group = create(scim, "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Dup"})
        after = patched(
            scim,
            f"/Groups/{group['id']}",
            {"op": "add", "path": "members", "value": members(alice, alice)},
        )
        assert member_ids(after) == [alice]
        assert len(events_of(admin, directory, "group.user_added")) == 1


class TestGenericClient:
    """RFC 7644, "System for Cross-domain Identity Management: Protocol"
    (https://www.rfc-editor.org/rfc/rfc7644)."""

    def test_application_json_content_type(self, scim: httpx.Client) -> None:
        response = scim.post(
            "/Users",
            json=user_resource(userName="plain.json@generic.test"),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        assert response.status_code == 201, response.text
        user = response.json()
        patched = scim.patch(
            f"/Users/{user['id']}",
            json=patch_body({"op": "replace", "path": "title", "value": "Plain"}),
            headers={"Content-Type": "application/json"},
        )
        assert patched.status_code == 200, patched.text
        assert fetch(scim, f"/Users/{user['id']}")["title"] == "Plain"

    def test_trailing_slashes(self, scim: httpx.Client) -> None:
        response = scim.post("/Users/", json=user_resource(userName="slash@generic.test"))
        assert response.status_code == 201, response.text
        user = response.json()
        assert scim.get("/Users/").json()["totalResults"] == 1
        assert scim.get(f"/Users/{user['id']}/").json()["id"] == user["id"]
        group = scim.post("/Groups/", json={"schemas": [GROUP_SCHEMA], "displayName": "Slash"})
        assert group.status_code == 201, group.text
        assert scim.get("/Groups/").json()["totalResults"] == 1

    def test_location_header_is_meta_location(self, scim: httpx.Client) -> None:
        response = scim.post("/Users", json=user_resource())
        assert response.status_code == 201
        user = response.json()
        assert response.headers["location"] == user["meta"]["location"]
        assert user["meta"]["location"] == f"{scim.base_url}/Users/{user['id']}".replace(
            "//Users", "/Users"
        )
        followed = httpx.get(
            response.headers["location"],
            headers={"Authorization": scim.headers["Authorization"]},
        )
        assert followed.status_code == 200
        assert followed.json()["id"] == user["id"]
        group = scim.post("/Groups", json={"schemas": [GROUP_SCHEMA], "displayName": "Loc"})
        assert group.headers["location"] == group.json()["meta"]["location"]

    def test_search_with_post(self, scim: httpx.Client) -> None:
        wanted = create(scim, "/Users", user_resource(userName="find.me@generic.test"))
        create(scim, "/Users", user_resource(userName="other@generic.test"))
        response = scim.post(
            "/Users/.search",
            json={
                "schemas": [SEARCH_REQUEST],
                "filter": 'userName sw "find"',
                "attributes": ["userName"],
                "startIndex": 1,
                "count": 10,
            },
        )
        assert response.status_code == 200, response.text
        page = response.json()
        assert page["totalResults"] == 1
        (found,) = page["Resources"]
        assert found["id"] == wanted["id"]
        assert found["userName"] == "find.me@generic.test"
        assert "name" not in found
        assert "emails" not in found

    def test_sort_descending(self, scim: httpx.Client) -> None:
        for name in ("bravo", "alpha", "charlie"):
            create(scim, "/Users", user_resource(userName=f"{name}@generic.test"))
        page = scim.get("/Users", params={"sortBy": "userName", "sortOrder": "descending"}).json()
        assert [r["userName"] for r in page["Resources"]] == [
            "charlie@generic.test",
            "bravo@generic.test",
            "alpha@generic.test",
        ]
        ascending = scim.get("/Users", params={"sortBy": "userName"}).json()
        assert [r["userName"] for r in ascending["Resources"]] == [
            "alpha@generic.test",
            "bravo@generic.test",
            "charlie@generic.test",
        ]

    def test_attributes_projection(self, scim: httpx.Client) -> None:
        user = create(scim, "/Users", user_resource(title="Hidden"))
        page = scim.get("/Users", params={"attributes": "userName"}).json()
        (only,) = page["Resources"]
        assert set(only) <= {"id", "userName", "schemas", "meta"}
        assert only["id"] == user["id"]
        assert only["userName"] == user["userName"]
        single = scim.get(f"/Users/{user['id']}", params={"attributes": "userName"}).json()
        assert "title" not in single
        assert single["userName"] == user["userName"]

    def test_if_match_current_etag_succeeds(self, scim: httpx.Client) -> None:
        user = create(scim, "/Users", user_resource())
        got = scim.get(f"/Users/{user['id']}")
        etag = got.headers["etag"]
        assert etag == got.json()["meta"]["version"]
        response = scim.patch(
            f"/Users/{user['id']}",
            json=patch_body({"op": "replace", "path": "title", "value": "Matched"}),
            headers={"If-Match": etag},
        )
        assert response.status_code == 200, response.text
        assert response.headers["etag"] != etag
        assert fetch(scim, f"/Users/{user['id']}")["title"] == "Matched"

    def test_if_match_stale_etag_is_412(self, scim: httpx.Client) -> None:
        user = create(scim, "/Users", user_resource())
        stale = scim.get(f"/Users/{user['id']}").headers["etag"]
        scim.patch(
            f"/Users/{user['id']}",
            json=patch_body({"op": "replace", "path": "title", "value": "First"}),
        )
        response = scim.patch(
            f"/Users/{user['id']}",
            json=patch_body({"op": "replace", "path": "title", "value": "Second"}),
            headers={"If-Match": stale},
        )
        assert_scim_error(response, 412)
        assert fetch(scim, f"/Users/{user['id']}")["title"] == "First"
        deleted = scim.delete(f"/Users/{user['id']}", headers={"If-Match": stale})
        assert_scim_error(deleted, 412)
        assert scim.get(f"/Users/{user['id']}").status_code == 200

    def test_if_none_match_current_is_304(self, scim: httpx.Client) -> None:
        user = create(scim, "/Users", user_resource())
        etag = scim.get(f"/Users/{user['id']}").headers["etag"]
        cached = scim.get(f"/Users/{user['id']}", headers={"If-None-Match": etag})
        assert cached.status_code == 304
        assert cached.content == b""
        scim.patch(
            f"/Users/{user['id']}",
            json=patch_body({"op": "replace", "path": "title", "value": "Changed"}),
        )
        fresh = scim.get(f"/Users/{user['id']}", headers={"If-None-Match": etag})
        assert fresh.status_code == 200
        assert fresh.json()["title"] == "Changed"

    def test_bulk_with_bulk_id_reference(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory
    ) -> None:
        body = {
            "schemas": [BULK_REQUEST],
            "failOnErrors": 1,
            "Operations": [
                {
                    "method": "POST",
                    "path": "/Users",
                    "bulkId": "u1",
                    "data": user_resource(userName="bulk.user@generic.test"),
                },
                {
                    "method": "POST",
                    "path": "/Groups",
                    "bulkId": "g1",
                    "data": {
                        "schemas": [GROUP_SCHEMA],
                        "displayName": "Bulk Group",
                        "members": [{"type": "User", "value": "bulkId:u1"}],
                    },
                },
            ],
        }
        response = scim.post("/Bulk", json=body)
        assert response.status_code == 200, response.text
        result = response.json()
        assert result["schemas"] == [BULK_RESPONSE]
        user_op, group_op = result["Operations"]
        assert (user_op["bulkId"], user_op["status"]) == ("u1", "201")
        assert (group_op["bulkId"], group_op["status"]) == ("g1", "201")
        user_id = user_op["location"].rstrip("/").rsplit("/", 1)[1]
        group = fetch(scim, f"/Groups/{group_op['location'].rstrip('/').rsplit('/', 1)[1]}")
        assert member_ids(group) == [user_id]
        assert fetch(scim, f"/Users/{user_id}")["userName"] == "bulk.user@generic.test"
        types = [e["type"] for e in all_events(admin, directory.id)]
        assert types == ["user.created", "group.created", "group.user_added"]


class TestGenericEdges:
    """More of RFC 7644: Bulk references, ETag lists, idempotent membership, root search."""

    def test_bulk_forward_reference(self, scim: httpx.Client) -> None:
        """RFC 7644 §3.7.1: a bulkId may be referenced before the operation that defines it."""
        body = {
            "schemas": [BULK_REQUEST],
            "Operations": [
                {
                    "method": "POST",
                    "path": "/Groups",
                    "bulkId": "g1",
                    "data": {
                        "schemas": [GROUP_SCHEMA],
                        "displayName": "Forward",
                        "members": [{"value": "bulkId:u1"}],
                    },
                },
                {"method": "POST", "path": "/Users", "bulkId": "u1", "data": user_resource()},
            ],
        }
        response = scim.post("/Bulk", json=body)
        assert response.status_code == 200, response.text
        ops = {o["bulkId"]: o for o in response.json()["Operations"]}
        assert ops["g1"]["status"] == "201", ops
        assert ops["u1"]["status"] == "201", ops
        group_id = ops["g1"]["location"].rsplit("/", 1)[1]
        user_id = ops["u1"]["location"].rsplit("/", 1)[1]
        assert member_ids(fetch(scim, f"/Groups/{group_id}")) == [user_id]

    def test_bulk_patch_on_bulk_id_path(self, scim: httpx.Client) -> None:
        body = {
            "schemas": [BULK_REQUEST],
            "Operations": [
                {"method": "POST", "path": "/Users", "bulkId": "u1", "data": user_resource()},
                {
                    "method": "PATCH",
                    "path": "/Users/bulkId:u1",
                    "data": patch_body({"op": "replace", "path": "title", "value": "Bulked"}),
                },
            ],
        }
        response = scim.post("/Bulk", json=body)
        assert response.status_code == 200, response.text
        first, second = response.json()["Operations"]
        assert second["status"] == "200", second
        user_id = first["location"].rsplit("/", 1)[1]
        assert fetch(scim, f"/Users/{user_id}")["title"] == "Bulked"

    def test_if_match_star(self, scim: httpx.Client) -> None:
        user = create(scim, "/Users", user_resource())
        response = scim.patch(
            f"/Users/{user['id']}",
            json=patch_body({"op": "replace", "path": "title", "value": "Starred"}),
            headers={"If-Match": "*"},
        )
        assert response.status_code == 200, response.text
        assert fetch(scim, f"/Users/{user['id']}")["title"] == "Starred"

    def test_if_none_match_list_and_groups(self, scim: httpx.Client) -> None:
        user = create(scim, "/Users", user_resource())
        etag = scim.get(f"/Users/{user['id']}").headers["etag"]
        listed = scim.get(f"/Users/{user['id']}", headers={"If-None-Match": f'W/"zzz", {etag}'})
        assert listed.status_code == 304
        group = create(scim, "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Tagged"})
        got = scim.get(f"/Groups/{group['id']}")
        assert got.headers["etag"] == got.json()["meta"]["version"]
        cached = scim.get(f"/Groups/{group['id']}", headers={"If-None-Match": got.headers["etag"]})
        assert cached.status_code == 304

    def test_put_and_replace_of_same_members_emit_nothing(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory
    ) -> None:
        alice = create(scim, "/Users", user_resource())["id"]
        group = create(
            scim,
            "/Groups",
            {"schemas": [GROUP_SCHEMA], "displayName": "Same", "members": [{"value": alice}]},
        )
        before = len(all_events(admin, directory.id))
        response = scim.put(
            f"/Groups/{group['id']}",
            json={
                "schemas": [GROUP_SCHEMA],
                "displayName": "Same",
                "members": [{"value": alice}, {"value": alice}],
            },
        )
        assert response.status_code == 200, response.text
        response = scim.patch(
            f"/Groups/{group['id']}",
            json=patch_body({"op": "replace", "path": "members", "value": [{"value": alice}]}),
        )
        assert response.status_code in (200, 204), response.text
        assert member_ids(fetch(scim, f"/Groups/{group['id']}")) == [alice]
        assert len(all_events(admin, directory.id)) == before

    def test_search_at_root(self, scim: httpx.Client) -> None:
        user = create(scim, "/Users", user_resource(userName="root.search@generic.test"))
        create(scim, "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "root.search"})
        response = scim.post(
            "/.search",
            json={"schemas": [SEARCH_REQUEST], "filter": 'userName eq "root.search@generic.test"'},
        )
        assert response.status_code == 200, response.text
        assert response.json()["totalResults"] == 1
        assert response.json()["Resources"][0]["id"] == user["id"]

    def test_sorted_groups_page_in_order(self, scim: httpx.Client) -> None:
        for name in ("c", "a", "b", "d"):
            create(scim, "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": name})
        params = {"sortBy": "displayName", "sortOrder": "descending", "count": 2}
        first = scim.get("/Groups", params=params).json()
        second = scim.get("/Groups", params={**params, "startIndex": 3}).json()
        names = [g["displayName"] for g in first["Resources"] + second["Resources"]]
        assert names == ["d", "c", "b", "a"]

    def test_excluded_attributes_on_users(self, scim: httpx.Client) -> None:
        user = create(scim, "/Users", user_resource(title="Hidden"))
        got = scim.get(f"/Users/{user['id']}", params={"excludedAttributes": "emails,title"}).json()
        assert "emails" not in got
        assert "title" not in got
        assert got["userName"] == user["userName"]
        response = scim.post(
            "/Users/.search",
            json={"schemas": [SEARCH_REQUEST], "excludedAttributes": ["emails"]},
        )
        assert response.status_code == 200, response.text
        assert "emails" not in response.json()["Resources"][0]
        assert fetch(scim, f"/Users/{user['id']}")["emails"] == user["emails"]
