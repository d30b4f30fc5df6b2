"""Okta, request by request, as its SCIM 2.0 documentation shows them.

Sources: developer.okta.com, "SCIM 2.0 protocol reference"
(https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20/) and the
"Okta SCIM 2.0 Spec Test" Runscope suite it links to. The bodies below follow the shapes
on those pages (our own values); every test re-reads the resulting state, through SCIM
or through the application's admin API, so a server that only answers 2xx still fails.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.factories import GROUP_SCHEMA, USER_SCHEMA, members, patch_body
from tests.support.assertions import assert_scim_error
from tests.support.clients import (
    Directory,
    all_events,
    app_user,
    create,
    create_directory,
    member_ids,
    patched,
)

LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


@pytest.fixture
def directory(admin: httpx.Client) -> Directory:
    """An Okta-connected directory (overrides the generic one of conftest)."""
    return create_directory(admin, name="Okta tenant", tenant="okta-co", provider="okta")


def okta_user(user_name: str, external_id: str, **overrides: Any) -> dict[str, Any]:
    """The create-user body of the Okta reference: every field Okta sends, password too."""
    given, family = user_name.split("@")[0].split(".")
    body: dict[str, Any] = {
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "name": {"givenName": given.title(), "familyName": family.title()},
        "emails": [{"primary": True, "value": user_name, "type": "work"}],
        "displayName": f"{given.title()} {family.title()}",
        "locale": "en-US",
        "externalId": external_id,
        "groups": [],
        "password": "Okta-sends-1t",
        "active": True,
    }
    body.update(overrides)
    return body


def okta_group(display_name: str) -> dict[str, Any]:
    """Group Push creates the group first, with no members."""
    return {"schemas": [GROUP_SCHEMA], "displayName": display_name, "members": []}


def pathless_replace(scim: httpx.Client, user: dict[str, Any], **values: Any) -> httpx.Response:
    """How Okta PATCHes a user: one path-less replace op ({"op":"replace","value":{…}})."""
    return scim.patch(f"/Users/{user['id']}", json=patch_body({"op": "replace", "value": values}))


class TestUsers:
    def test_test_connection_lists_two_users(self, scim: httpx.Client) -> None:
        """'Test Connector Configuration': GET /Users?startIndex=1&count=2."""
        for n in range(3):
            create(scim, "/Users", okta_user(f"conn.user{n}@okta.test", f"00uconn{n}"))
        response = scim.get("/Users?startIndex=1&count=2")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/scim+json")
        page = response.json()
        assert page["schemas"] == [LIST_RESPONSE]
        assert page["totalResults"] == 3
        assert page["startIndex"] == 1
        assert page["itemsPerPage"] == 2
        assert len(page["Resources"]) == 2
        assert all(USER_SCHEMA in r["schemas"] for r in page["Resources"])

    def test_test_connection_on_empty_directory(self, scim: httpx.Client) -> None:
        page = scim.get("/Users?startIndex=1&count=2").json()
        assert page["totalResults"] == 0
        assert page.get("Resources", []) == []

    def test_existence_probe_misses_then_hits(self, scim: httpx.Client) -> None:
        """Before creating, Okta asks whether the userName exists (URL-encoded filter)."""
        query = "/Users?filter=userName%20eq%20%22probe.user%40okta.test%22&startIndex=1&count=100"
        miss = scim.get(query)
        assert miss.status_code == 200, miss.text
        assert miss.json()["totalResults"] == 0
        assert miss.json().get("Resources", []) == []
        user = create(scim, "/Users", okta_user("probe.user@okta.test", "00uprobe"))
        hit = scim.get(query).json()
        assert hit["totalResults"] == 1
        assert [r["id"] for r in hit["Resources"]] == [user["id"]]
        assert hit["Resources"][0]["userName"] == "probe.user@okta.test"

    def test_create_with_full_okta_body(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory
    ) -> None:
        body = okta_user("jane.doe@okta.test", "00ujl29u0le5T6Aj10h7")
        response = scim.post("/Users", json=body)
        assert response.status_code == 201, response.text
        user = response.json()
        assert user["id"]
        assert user["userName"] == "jane.doe@okta.test"
        assert user["externalId"] == "00ujl29u0le5T6Aj10h7"
        assert user["name"]["givenName"] == "Jane"
        assert user["name"]["familyName"] == "Doe"
        assert user["displayName"] == "Jane Doe"
        assert user["locale"] == "en-US"
        assert user["active"] is True
        assert user["groups"] == []
        assert "password" not in user  # returned "never" (RFC 7643 §4.1.1)
        assert response.headers["location"] == user["meta"]["location"]
        got = app_user(admin, directory, user["id"])
        assert got["idp_id"] == "00ujl29u0le5T6Aj10h7"
        assert got["username"] == "jane.doe@okta.test"
        assert got["emails"] == [{"value": "jane.doe@okta.test", "type": "work", "primary": True}]
        assert "password" not in got["raw_attributes"]
        assert [e["type"] for e in all_events(admin, directory.id)] == ["user.created"]

    def test_create_existing_username_is_409(self, scim: httpx.Client) -> None:
        """Okta expects 409 when the user is already there, and then links it."""
        create(scim, "/Users", okta_user("twice.user@okta.test", "00utwice1"))
        response = scim.post("/Users", json=okta_user("twice.user@okta.test", "00utwice2"))
        assert_scim_error(response, 409, "uniqueness")
        page = scim.get("/Users", params={"filter": 'userName eq "twice.user@okta.test"'}).json()
        assert page["totalResults"] == 1
        assert page["Resources"][0]["externalId"] == "00utwice1"

    def test_retrieve_by_id(self, scim: httpx.Client) -> None:
        user = create(scim, "/Users", okta_user("get.me@okta.test", "00uget"))
        response = scim.get(f"/Users/{user['id']}")
        assert response.status_code == 200, response.text
        assert response.json() == user

    def test_retrieve_unknown_is_404(self, scim: httpx.Client) -> None:
        assert_scim_error(scim.get("/Users/010101"), 404)

    def test_profile_update_by_full_put(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory
    ) -> None:
        """AIW apps: Okta GETs the user, then PUTs the whole thing back with its changes."""
        user = create(scim, "/Users", okta_user("put.user@okta.test", "00uput"))
        body = scim.get(f"/Users/{user['id']}").json()
        body.update(
            name={"givenName": "Another", "familyName": "Name"},
            displayName="Another Name",
            password="rotated-Pa55",
        )
        response = scim.put(f"/Users/{user['id']}", json=body)
        assert response.status_code == 200, response.text
        replaced = response.json()
        assert replaced["name"] == {"givenName": "Another", "familyName": "Name"}
        assert replaced["displayName"] == "Another Name"
        assert replaced["externalId"] == "00uput"
        assert replaced["meta"]["created"] == user["meta"]["created"]
        assert scim.get(f"/Users/{user['id']}").json() == replaced
        got = app_user(admin, directory, user["id"])
        assert (got["first_name"], got["last_name"]) == ("Another", "Name")
        updated = [e for e in all_events(admin, directory.id) if e["type"] == "user.updated"]
        assert len(updated) == 1
        assert updated[0]["data"]["previous"]["first_name"] == "Put"
        assert "rotated-Pa55" not in str(updated[0])

    def test_put_of_unchanged_user_emits_nothing(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory
    ) -> None:
        """Okta re-sends profiles it already pushed; nothing changes, nothing is emitted."""
        user = create(scim, "/Users", okta_user("same.user@okta.test", "00usame"))
        body = scim.get(f"/Users/{user['id']}").json()
        response = scim.put(f"/Users/{user['id']}", json=body)
        assert response.status_code == 200, response.text
        assert response.json()["meta"]["version"] == user["meta"]["version"]
        assert [e["type"] for e in all_events(admin, directory.id)] == ["user.created"]

    def test_deactivate_then_reactivate_by_pathless_patch(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory
    ) -> None:
        user = create(scim, "/Users", okta_user("leaver.user@okta.test", "00uleaver"))
        response = pathless_replace(scim, user, active=False)
        assert response.status_code == 200, response.text
        assert response.json()["active"] is False
        assert scim.get(f"/Users/{user['id']}").json()["active"] is False
        assert app_user(admin, directory, user["id"])["active"] is False

        response = pathless_replace(scim, user, active=True)
        assert response.status_code == 200, response.text
        assert scim.get(f"/Users/{user['id']}").json()["active"] is True
        events = all_events(admin, directory.id)
        assert [e["type"] for e in events] == [
            "user.created",
            "user.deactivated",
            "user.reactivated",
        ]
        assert events[1]["data"]["active"] is False
        assert events[1]["data"]["previous"]["active"] is True
        assert events[2]["data"]["active"] is True
        assert events[2]["data"]["previous"]["active"] is False

    def test_deactivated_user_is_still_found_by_probe(self, scim: httpx.Client) -> None:
        """Okta never DELETEs users: a deactivated user stays listed, with active false."""
        user = create(scim, "/Users", okta_user("gone.user@okta.test", "00ugone"))
        patched(scim, f"/Users/{user['id']}", {"op": "replace", "value": {"active": False}})
        page = scim.get(
            "/Users", params={"filter": 'userName eq "gone.user@okta.test"', "count": 100}
        ).json()
        assert page["totalResults"] == 1
        assert page["Resources"][0]["active"] is False

    def test_password_change_by_pathless_patch(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory
    ) -> None:
        """Okta pushes password changes as {"op":"replace","value":{"password":…}}."""
        user = create(scim, "/Users", okta_user("pw.user@okta.test", "00upw"))
        response = pathless_replace(scim, user, password="n3w-Secret")
        assert response.status_code == 200, response.text
        assert "password" not in response.json()
        assert "password" not in scim.get(f"/Users/{user['id']}").json()

    def test_patched_password_is_never_stored(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory
    ) -> None:
        """A write-only, returned-never password must not reach the app or its webhooks."""
        user = create(scim, "/Users", okta_user("pw.kept@okta.test", "00upwkept"))
        response = pathless_replace(scim, user, password="n3w-Secret")
        assert response.status_code == 200, response.text
        for event in all_events(admin, directory.id):
            assert "n3w-Secret" not in str(event), event["type"]
        raw = app_user(admin, directory, user["id"])["raw_attributes"]
        assert "password" not in raw, raw.get("password")


class TestGroupPush:
    def test_push_creates_group_without_members(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory
    ) -> None:
        response = scim.post(
            "/Groups", json={"schemas": [GROUP_SCHEMA], "displayName": "Okta Pushed"}
        )
        assert response.status_code == 201, response.text
        group = response.json()
        assert group["displayName"] == "Okta Pushed"
        assert member_ids(group) == set()
        assert response.headers["location"] == group["meta"]["location"]
        assert scim.get(f"/Groups/{group['id']}").json()["displayName"] == "Okta Pushed"
        assert [e["type"] for e in all_events(admin, directory.id)] == ["group.created"]

    def test_patch_add_members_with_display(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory
    ) -> None:
        alice = create(scim, "/Users", okta_user("alice.a@okta.test", "00ualice"))
        bob = create(scim, "/Users", okta_user("bob.b@okta.test", "00ubob"))
        group = create(scim, "/Groups", okta_group("Engineering"))
        fetched = patched(
            scim,
            f"/Groups/{group['id']}",
            {
                "op": "add",
                "path": "members",
                "value": [
                    {"value": alice["id"], "display": alice["userName"]},
                    {"value": bob["id"], "display": bob["userName"]},
                ],
            },
        )
        assert member_ids(fetched) == {alice["id"], bob["id"]}
        assert [g["value"] for g in scim.get(f"/Users/{alice['id']}").json()["groups"]] == [
            group["id"]
        ]
        added = [e for e in all_events(admin, directory.id) if e["type"] == "group.user_added"]
        assert {e["data"]["user"]["id"] for e in added} == {alice["id"], bob["id"]}
        assert {e["data"]["group"]["id"] for e in added} == {group["id"]}

    def test_patch_remove_member_by_value_filter(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory
    ) -> None:
        alice = create(scim, "/Users", okta_user("rm.alice@okta.test", "00urma"))
        bob = create(scim, "/Users", okta_user("rm.bob@okta.test", "00urmb"))
        group = create(scim, "/Groups", okta_group("Removals"))
        path = f"/Groups/{group['id']}"
        patched(
            scim, path, {"op": "add", "path": "members", "value": members(alice["id"], bob["id"])}
        )
        after = patched(scim, path, {"op": "remove", "path": f'members[value eq "{alice["id"]}"]'})
        assert member_ids(after) == {bob["id"]}
        assert scim.get(f"/Users/{alice['id']}").json()["groups"] == []
        removed = [e for e in all_events(admin, directory.id) if e["type"] == "group.user_removed"]
        assert [e["data"]["user"]["id"] for e in removed] == [alice["id"]]

    def test_rename_by_pathless_replace_with_id(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory
    ) -> None:
        """Okta's rename carries the group id inside the value; the id must not change."""
        member = create(scim, "/Users", okta_user("stay.put@okta.test", "00ustay"))
        group = create(
            scim,
            "/Groups",
            {**okta_group("Old Name"), "members": [{"value": member["id"]}]},
        )
        fetched = patched(
            scim,
            f"/Groups/{group['id']}",
            {"op": "replace", "value": {"id": group["id"], "displayName": "New Name"}},
        )
        assert fetched["id"] == group["id"]
        assert fetched["displayName"] == "New Name"
        assert member_ids(fetched) == {member["id"]}
        assert scim.get(f"/Users/{member['id']}").json()["groups"][0]["display"] == "New Name"
        updated = [e for e in all_events(admin, directory.id) if e["type"] == "group.updated"]
        assert len(updated) == 1
        assert updated[0]["data"]["name"] == "New Name"
        assert updated[0]["data"]["previous"]["name"] == "Old Name"

    def test_put_group_with_members_replaces_membership(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory
    ) -> None:
        alice = create(scim, "/Users", okta_user("put.alice@okta.test", "00upa"))
        bob = create(scim, "/Users", okta_user("put.bob@okta.test", "00upb"))
        group = create(
            scim, "/Groups", {**okta_group("Put Group"), "members": [{"value": alice["id"]}]}
        )
        body = {
            "schemas": [GROUP_SCHEMA],
            "id": group["id"],
            "displayName": "Put Group",
            "members": [{"value": bob["id"], "display": bob["userName"]}],
        }
        response = scim.put(f"/Groups/{group['id']}", json=body)
        assert response.status_code == 200, response.text
        assert member_ids(response.json()) == {bob["id"]}
        assert member_ids(scim.get(f"/Groups/{group['id']}").json()) == {bob["id"]}
        assert scim.get(f"/Users/{alice['id']}").json()["groups"] == []
        types = [e["type"] for e in all_events(admin, directory.id)]
        assert types.count("group.user_removed") == 1
        assert types.count("group.user_added") == 2
        assert "group.updated" not in types

    def test_lookup_by_display_name(self, scim: httpx.Client) -> None:
        """Before pushing, Okta looks the group up by name."""
        group = create(scim, "/Groups", okta_group("Look Me Up"))
        create(scim, "/Groups", okta_group("Look Me Up Too"))
        response = scim.get(
            "/Groups?filter=displayName%20eq%20%22Look%20Me%20Up%22&startIndex=1&count=100"
        )
        assert response.status_code == 200, response.text
        page = response.json()
        assert page["totalResults"] == 1
        assert [g["id"] for g in page["Resources"]] == [group["id"]]
        miss = scim.get("/Groups", params={"filter": 'displayName eq "Nope"'}).json()
        assert miss["totalResults"] == 0

    def test_get_group_excluding_members(self, scim: httpx.Client) -> None:
        member = create(scim, "/Users", okta_user("excl.user@okta.test", "00uexcl"))
        group = create(
            scim, "/Groups", {**okta_group("Big Group"), "members": [{"value": member["id"]}]}
        )
        response = scim.get(f"/Groups/{group['id']}?excludedAttributes=members")
        assert response.status_code == 200, response.text
        fetched = response.json()
        assert "members" not in fetched
        assert fetched["id"] == group["id"]
        assert fetched["displayName"] == "Big Group"
        # Excluding is a view, not a change: the membership is still there.
        assert member_ids(scim.get(f"/Groups/{group['id']}").json()) == {member["id"]}

    def test_list_groups_excluding_members(self, scim: httpx.Client) -> None:
        member = create(scim, "/Users", okta_user("list.excl@okta.test", "00ulistx"))
        create(scim, "/Groups", {**okta_group("Listed"), "members": [{"value": member["id"]}]})
        page = scim.get(
            "/Groups", params={"startIndex": 1, "count": 100, "excludedAttributes": "members"}
        ).json()
        assert page["totalResults"] == 1
        assert "members" not in page["Resources"][0]
        assert page["Resources"][0]["displayName"] == "Listed"

    def test_delete_group(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory
    ) -> None:
        member = create(scim, "/Users", okta_user("del.member@okta.test", "00udel"))
        group = create(
            scim, "/Groups", {**okta_group("Doomed"), "members": [{"value": member["id"]}]}
        )
        response = scim.delete(f"/Groups/{group['id']}")
        assert response.status_code == 204, response.text
        assert_scim_error(scim.get(f"/Groups/{group['id']}"), 404)
        assert scim.get(f"/Users/{member['id']}").json()["groups"] == []
        assert scim.get(f"/Users/{member['id']}").json()["active"] is True
        assert all_events(admin, directory.id)[-1]["type"] == "group.deleted"


class TestOktaEdges:
    """Okta behaviours around the documented requests: PUT of what it read, encodings."""

    def test_put_back_of_user_with_groups_keeps_membership(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory
    ) -> None:
        """Okta PUTs back what it GOT, read-only ``groups`` included; they change nothing."""
        user = create(scim, "/Users", okta_user("member.put@okta.test", "00umemput"))
        group = create(scim, "/Groups", {**okta_group("Kept"), "members": [{"value": user["id"]}]})
        body = scim.get(f"/Users/{user['id']}").json()
        assert [g["value"] for g in body["groups"]] == [group["id"]]
        body["title"] = "Lead"
        body["groups"] = []  # even a contradicting read-only value is ignored
        response = scim.put(f"/Users/{user['id']}", json=body)
        assert response.status_code == 200, response.text
        assert member_ids(scim.get(f"/Groups/{group['id']}").json()) == {user["id"]}
        assert [g["value"] for g in scim.get(f"/Users/{user['id']}").json()["groups"]] == [
            group["id"]
        ]
        types = [e["type"] for e in all_events(admin, directory.id)]
        assert "group.user_removed" not in types

    def test_put_deactivates(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory
    ) -> None:
        user = create(scim, "/Users", okta_user("put.off@okta.test", "00uputoff"))
        body = scim.get(f"/Users/{user['id']}").json()
        body["active"] = False
        response = scim.put(f"/Users/{user['id']}", json=body)
        assert response.status_code == 200, response.text
        assert scim.get(f"/Users/{user['id']}").json()["active"] is False
        assert app_user(admin, directory, user["id"])["active"] is False
        events = all_events(admin, directory.id)
        assert [e["type"] for e in events] == ["user.created", "user.deactivated"]
        assert events[1]["data"]["previous"]["active"] is True

    def test_deactivation_keeps_group_membership(self, scim: httpx.Client) -> None:
        user = create(scim, "/Users", okta_user("off.member@okta.test", "00uoffm"))
        group = create(scim, "/Groups", {**okta_group("Still"), "members": [{"value": user["id"]}]})
        patched(scim, f"/Users/{user['id']}", {"op": "replace", "value": {"active": False}})
        assert member_ids(scim.get(f"/Groups/{group['id']}").json()) == {user["id"]}

    def test_probe_with_plus_in_username(self, scim: httpx.Client) -> None:
        user = create(scim, "/Users", okta_user("plus.user+tag@okta.test", "00uplus"))
        query = (
            "/Users?filter=userName%20eq%20%22plus.user%2Btag%40okta.test%22&startIndex=1&count=100"
        )
        page = scim.get(query).json()
        assert [r["id"] for r in page["Resources"]] == [user["id"]]

    def test_password_patch_with_path(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory
    ) -> None:
        user = create(scim, "/Users", okta_user("pw.path@okta.test", "00upwpath"))
        response = scim.patch(
            f"/Users/{user['id']}",
            json=patch_body({"op": "replace", "path": "password", "value": "pAth-Secret"}),
        )
        assert response.status_code == 200, response.text
        assert "pAth-Secret" not in str(app_user(admin, directory, user["id"]))
        assert "pAth-Secret" not in str(all_events(admin, directory.id))

    def test_group_rename_to_same_name_emits_nothing(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory
    ) -> None:
        group = create(scim, "/Groups", okta_group("Same"))
        rename = patch_body({"op": "replace", "value": {"id": group["id"], "displayName": "Same"}})
        assert scim.patch(f"/Groups/{group['id']}", json=rename).status_code in (200, 204)
        assert [e["type"] for e in all_events(admin, directory.id)] == ["group.created"]

    def test_rename_with_foreign_id_in_value(self, scim: httpx.Client) -> None:
        group = create(scim, "/Groups", okta_group("Mine"))
        rename = patch_body({"op": "replace", "value": {"id": "not-mine", "displayName": "X"}})
        response = scim.patch(f"/Groups/{group['id']}", json=rename)
        assert response.status_code in (200, 204, 400), response.text
        fetched = scim.get(f"/Groups/{group['id']}")
        assert fetched.status_code == 200
        assert fetched.json()["id"] == group["id"]
