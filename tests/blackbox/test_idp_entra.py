"""Microsoft Entra ID provisioning, request by request, as Microsoft Learn shows them.

Sources: "Tutorial: Develop and plan provisioning for a SCIM endpoint in Microsoft Entra
ID" (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups)
and "Known issues and resolutions with SCIM 2.0 protocol compliance of the Microsoft
Entra user provisioning service"
(https://learn.microsoft.com/en-us/entra/identity/app-provisioning/application-provisioning-config-problem-scim-compatibility).
Entra capitalises op names, sends booleans as strings, puts dotted and URN-qualified
names in path-less values, and removes members with a value list; every test re-reads
the state the request left behind.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.factories import ENTERPRISE, GROUP_SCHEMA, USER_SCHEMA, patch_body
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

ENTRA_GROUP_SCHEMA = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"


@pytest.fixture
def directory(admin: httpx.Client) -> Directory:
    """An Entra-connected directory (overrides the generic one of conftest)."""
    return create_directory(admin, name="Contoso", tenant="contoso", provider="entra")


def entra_user(tag: str, **overrides: Any) -> dict[str, Any]:
    """The tutorial's "Create User" body: both schemas, meta.resourceType, empty roles."""
    body: dict[str, Any] = {
        "schemas": [USER_SCHEMA, ENTERPRISE],
        "externalId": f"0a21f0f2-{tag}",
        "userName": f"Test_User_{tag}@contoso.test",
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": f"{tag}@mail.contoso.test"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Given Family", "familyName": "Family", "givenName": "Given"},
        "roles": [],
    }
    body.update(overrides)
    return body


def entra_group(name: str, external_id: str) -> dict[str, Any]:
    """The tutorial's "Create Group" body, Microsoft's own schema URN included."""
    return {
        "schemas": [GROUP_SCHEMA, ENTRA_GROUP_SCHEMA],
        "externalId": external_id,
        "displayName": name,
        "meta": {"resourceType": "Group"},
    }


def add_members(scim: httpx.Client, group: dict[str, Any], *users: dict[str, Any]) -> None:
    """The tutorial's "Update Group [Add Members]" without the null ``$ref``s."""
    patched(
        scim,
        f"/Groups/{group['id']}",
        {"op": "Add", "path": "members", "value": [{"value": u["id"]} for u in users]},
    )


class TestUsers:
    def test_create_with_enterprise_extension(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory
    ) -> None:
        boss = create(scim, "/Users", entra_user("boss"))
        body = entra_user(
            "worker",
            **{ENTERPRISE: {"department": "Finance", "manager": {"value": boss["id"]}}},
        )
        response = scim.post("/Users", json=body)
        assert response.status_code == 201, response.text
        user = response.json()
        assert ENTERPRISE in user["schemas"]
        assert user[ENTERPRISE]["department"] == "Finance"
        assert user[ENTERPRISE]["manager"]["value"] == boss["id"]
        assert user["meta"]["resourceType"] == "User"
        assert user["meta"]["location"].endswith(f"/Users/{user['id']}")
        fetched = scim.get(f"/Users/{user['id']}").json()
        assert fetched[ENTERPRISE]["department"] == "Finance"
        got = app_user(admin, directory, user["id"])
        assert got["custom_attributes"]["department"] == "Finance"
        assert got["custom_attributes"]["manager_id"] == boss["id"]

    def test_query_by_username_and_external_id(self, scim: httpx.Client) -> None:
        user = create(scim, "/Users", entra_user("query"))
        for query in (
            'userName eq "Test_User_query@contoso.test"',
            'externalId eq "0a21f0f2-query"',
        ):
            response = scim.get("/Users", params={"filter": query})
            assert response.status_code == 200, response.text
            page = response.json()
            assert page["totalResults"] == 1, query
            assert [r["id"] for r in page["Resources"]] == [user["id"]]

    def test_query_with_zero_results(self, scim: httpx.Client) -> None:
        """Entra's connection test asks for a random userName and expects an empty list."""
        create(scim, "/Users", entra_user("present"))
        response = scim.get(
            "/Users", params={"filter": 'userName eq "non-existent-52e36ad1@contoso.test"'}
        )
        assert response.status_code == 200, response.text
        page = response.json()
        assert page["totalResults"] == 0
        assert page.get("Resources", []) == []

    @pytest.mark.parametrize("attribute", ["UserName", "USERNAME", "username"])
    def test_filter_attribute_names_are_case_insensitive(
        self, scim: httpx.Client, attribute: str
    ) -> None:
        user = create(scim, "/Users", entra_user("mixed"))
        response = scim.get(
            "/Users", params={"filter": f'{attribute} eq "Test_User_mixed@contoso.test"'}
        )
        assert response.status_code == 200, response.text
        assert [r["id"] for r in response.json()["Resources"]] == [user["id"]]

    def test_mixed_case_external_id_filter(self, scim: httpx.Client) -> None:
        user = create(scim, "/Users", entra_user("extcase"))
        page = scim.get("/Users", params={"filter": 'ExternalID eq "0a21f0f2-extcase"'}).json()
        assert [r["id"] for r in page["Resources"]] == [user["id"]]

    @pytest.mark.parametrize("flag", ["False", "false", False])
    def test_disable_with_capitalised_replace(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory, flag: object
    ) -> None:
        """ "Replace" and, before the 2020 fix, the boolean as the string "False"."""
        user = create(scim, "/Users", entra_user(f"disable-{flag}"))
        after = patched(
            scim, f"/Users/{user['id']}", {"op": "Replace", "path": "active", "value": flag}
        )
        assert after["active"] is False
        assert app_user(admin, directory, user["id"])["active"] is False
        events = all_events(admin, directory.id)
        assert [e["type"] for e in events] == ["user.created", "user.deactivated"]
        assert events[1]["data"]["previous"]["active"] is True

    def test_enable_with_string_true(self, scim: httpx.Client) -> None:
        user = create(scim, "/Users", entra_user("enable", active=False))
        after = patched(
            scim, f"/Users/{user['id']}", {"op": "Replace", "path": "active", "value": "True"}
        )
        assert after["active"] is True

    def test_pathless_replace_with_string_boolean(self, scim: httpx.Client) -> None:
        user = create(scim, "/Users", entra_user("pathless-bool"))
        after = patched(
            scim, f"/Users/{user['id']}", {"op": "Replace", "value": {"active": "False"}}
        )
        assert after["active"] is False

    def test_string_boolean_that_is_not_a_boolean_is_400(self, scim: httpx.Client) -> None:
        user = create(scim, "/Users", entra_user("not-bool"))
        response = scim.patch(
            f"/Users/{user['id']}",
            json=patch_body({"op": "Replace", "path": "active", "value": "Nope"}),
        )
        assert_scim_error(response, 400)
        assert scim.get(f"/Users/{user['id']}").json()["active"] is True

    def test_pathless_replace_with_dotted_and_urn_keys(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory
    ) -> None:
        """Known issues page: path-less values whose keys are 'name.givenName' or URNs."""
        user = create(scim, "/Users", entra_user("dotted"))
        after = patched(
            scim,
            f"/Users/{user['id']}",
            {
                "op": "Replace",
                "value": {
                    "name.givenName": "Kim",
                    "name.familyName": "Akers",
                    f"{ENTERPRISE}:department": "Legal",
                    f"{ENTERPRISE}:employeeNumber": "E-7",
                },
            },
        )
        assert after["name"]["givenName"] == "Kim"
        assert after["name"]["familyName"] == "Akers"
        assert after[ENTERPRISE]["department"] == "Legal"
        assert after[ENTERPRISE]["employeeNumber"] == "E-7"
        assert "name.givenName" not in after
        assert f"{ENTERPRISE}:department" not in after
        got = app_user(admin, directory, user["id"])
        assert (got["first_name"], got["last_name"]) == ("Kim", "Akers")
        assert got["custom_attributes"]["department"] == "Legal"

    def test_pathless_add_with_dotted_keys(self, scim: httpx.Client) -> None:
        user = create(scim, "/Users", entra_user("dotted-add"))
        after = patched(
            scim,
            f"/Users/{user['id']}",
            {"op": "Add", "value": {"name.middleName": "Q", "title": "Analyst"}},
        )
        assert after["name"]["middleName"] == "Q"
        assert after["name"]["givenName"] == "Given"  # the rest of name is kept
        assert after["title"] == "Analyst"

    def test_replace_work_email_and_family_name(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory
    ) -> None:
        """The tutorial's "Update User [Multi-valued properties]" request."""
        user = create(scim, "/Users", entra_user("mv"))
        after = patched(
            scim,
            f"/Users/{user['id']}",
            {
                "op": "Replace",
                "path": 'emails[type eq "work"].value',
                "value": "updated.email@mail.contoso.test",
            },
            {"op": "Replace", "path": "name.familyName", "value": "UpdatedFamily"},
        )
        assert after["emails"] == [
            {"primary": True, "type": "work", "value": "updated.email@mail.contoso.test"}
        ]
        assert after["name"]["familyName"] == "UpdatedFamily"
        got = app_user(admin, directory, user["id"])
        assert got["emails"] == [
            {"value": "updated.email@mail.contoso.test", "type": "work", "primary": True}
        ]
        by_email = scim.get(
            "/Users", params={"filter": 'emails.value eq "updated.email@mail.contoso.test"'}
        ).json()
        assert [r["id"] for r in by_email["Resources"]] == [user["id"]]

    def test_add_work_email_value_replaces_existing_entry(self, scim: httpx.Client) -> None:
        user = create(scim, "/Users", entra_user("add-existing"))
        after = patched(
            scim,
            f"/Users/{user['id']}",
            {
                "op": "Add",
                "path": 'emails[type eq "work"].value',
                "value": "again@mail.contoso.test",
            },
        )
        assert [(e["type"], e["value"]) for e in after["emails"]] == [
            ("work", "again@mail.contoso.test")
        ]

    def test_add_work_email_value_when_none_exists(self, scim: httpx.Client) -> None:
        """Entra adds an e-mail through the filtered path even when no work e-mail exists."""
        user = create(scim, "/Users", entra_user("add-new", emails=[]))
        after = patched(
            scim,
            f"/Users/{user['id']}",
            {"op": "Add", "path": 'emails[type eq "work"].value', "value": "first@contoso.test"},
        )
        assert [(e["type"], e["value"]) for e in after["emails"]] == [
            ("work", "first@contoso.test")
        ]

    def test_replace_username(self, scim: httpx.Client) -> None:
        """The tutorial's "Update User [Single-valued properties]"."""
        user = create(scim, "/Users", entra_user("rename"))
        after = patched(
            scim,
            f"/Users/{user['id']}",
            {"op": "Replace", "path": "userName", "value": "renamed.user@contoso.test"},
        )
        assert after["userName"] == "renamed.user@contoso.test"
        page = scim.get("/Users", params={"filter": 'userName eq "renamed.user@contoso.test"'})
        assert [r["id"] for r in page.json()["Resources"]] == [user["id"]]

    def test_manager_added_as_bare_string(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory
    ) -> None:
        boss = create(scim, "/Users", entra_user("mgr-boss"))
        user = create(scim, "/Users", entra_user("mgr-report"))
        after = patched(
            scim,
            f"/Users/{user['id']}",
            {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": boss["id"]},
        )
        assert after[ENTERPRISE]["manager"]["value"] == boss["id"]
        assert (
            app_user(admin, directory, user["id"])["custom_attributes"]["manager_id"]
            == (boss["id"])
        )

    def test_manager_replaced_as_bare_string(self, scim: httpx.Client) -> None:
        first = create(scim, "/Users", entra_user("mgr-first"))
        second = create(scim, "/Users", entra_user("mgr-second"))
        user = create(
            scim,
            "/Users",
            entra_user("mgr-moved", **{ENTERPRISE: {"manager": {"value": first["id"]}}}),
        )
        after = patched(
            scim,
            f"/Users/{user['id']}",
            {"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": second["id"]},
        )
        assert after[ENTERPRISE]["manager"]["value"] == second["id"]

    def test_manager_removed(self, scim: httpx.Client) -> None:
        boss = create(scim, "/Users", entra_user("mgr-gone-boss"))
        user = create(
            scim,
            "/Users",
            entra_user(
                "mgr-gone",
                **{ENTERPRISE: {"department": "Ops", "manager": {"value": boss["id"]}}},
            ),
        )
        after = patched(
            scim, f"/Users/{user['id']}", {"op": "Remove", "path": f"{ENTERPRISE}:manager"}
        )
        assert "manager" not in after.get(ENTERPRISE, {})
        assert after[ENTERPRISE]["department"] == "Ops"

    def test_delete_user(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory
    ) -> None:
        user = create(scim, "/Users", entra_user("delete"))
        response = scim.delete(f"/Users/{user['id']}")
        assert response.status_code == 204, response.text
        assert response.content == b""
        assert_scim_error(scim.get(f"/Users/{user['id']}"), 404)
        page = scim.get("/Users", params={"filter": 'userName eq "Test_User_delete@contoso.test"'})
        assert page.json()["totalResults"] == 0
        assert (
            admin.get(f"/api/v1/directories/{directory.id}/users/{user['id']}").status_code == 404
        )
        assert all_events(admin, directory.id)[-1]["type"] == "user.deleted"


class TestGroups:
    def test_create_with_microsoft_schema_urn(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory
    ) -> None:
        response = scim.post("/Groups", json=entra_group("Contoso Sales", "8aa1a0c0-sales"))
        assert response.status_code == 201, response.text
        group = response.json()
        assert group["displayName"] == "Contoso Sales"
        assert group["externalId"] == "8aa1a0c0-sales"
        fetched = scim.get(f"/Groups/{group['id']}").json()
        assert fetched["displayName"] == "Contoso Sales"
        events = all_events(admin, directory.id)
        assert [e["type"] for e in events] == ["group.created"]
        assert events[0]["data"]["idp_id"] == "8aa1a0c0-sales"

    def test_query_by_display_name_excluding_members(self, scim: httpx.Client) -> None:
        user = create(scim, "/Users", entra_user("grp-query"))
        group = create(scim, "/Groups", entra_group("Query Me", "ext-query"))
        add_members(scim, group, user)
        response = scim.get(
            "/Groups",
            params={"excludedAttributes": "members", "filter": 'displayName eq "Query Me"'},
        )
        assert response.status_code == 200, response.text
        page = response.json()
        assert page["totalResults"] == 1
        assert page["Resources"][0]["id"] == group["id"]
        assert "members" not in page["Resources"][0]
        single = scim.get(f"/Groups/{group['id']}", params={"excludedAttributes": "members"})
        assert "members" not in single.json()
        assert member_ids(scim.get(f"/Groups/{group['id']}").json()) == {user["id"]}

    def test_query_by_external_id(self, scim: httpx.Client) -> None:
        group = create(scim, "/Groups", entra_group("By External", "ext-group-7"))
        page = scim.get("/Groups", params={"filter": 'externalId eq "ext-group-7"'}).json()
        assert [g["id"] for g in page["Resources"]] == [group["id"]]

    def test_add_members_capitalised_with_null_ref(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory
    ) -> None:
        """The tutorial's "Update Group [Add Members]" sends "$ref": null with each value."""
        alice = create(scim, "/Users", entra_user("grp-alice"))
        bob = create(scim, "/Users", entra_user("grp-bob"))
        group = create(scim, "/Groups", entra_group("Adders", "ext-adders"))
        after = patched(
            scim,
            f"/Groups/{group['id']}",
            {
                "op": "Add",
                "path": "members",
                "value": [{"$ref": None, "value": alice["id"]}, {"$ref": None, "value": bob["id"]}],
            },
        )
        assert member_ids(after) == {alice["id"], bob["id"]}
        assert [g["value"] for g in scim.get(f"/Users/{bob['id']}").json()["groups"]] == [
            group["id"]
        ]
        added = [e for e in all_events(admin, directory.id) if e["type"] == "group.user_added"]
        assert {e["data"]["user"]["id"] for e in added} == {alice["id"], bob["id"]}

    def test_remove_members_by_value_list(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory
    ) -> None:
        """The tutorial's "Update Group [Remove Members]": path "members" and a value list."""
        alice = create(scim, "/Users", entra_user("rm-alice"))
        bob = create(scim, "/Users", entra_user("rm-bob"))
        carol = create(scim, "/Users", entra_user("rm-carol"))
        group = create(scim, "/Groups", entra_group("Removers", "ext-removers"))
        add_members(scim, group, alice, bob, carol)
        after = patched(
            scim,
            f"/Groups/{group['id']}",
            {
                "op": "Remove",
                "path": "members",
                "value": [{"$ref": None, "value": alice["id"]}, {"value": bob["id"]}],
            },
        )
        assert member_ids(after) == {carol["id"]}
        assert scim.get(f"/Users/{alice['id']}").json()["groups"] == []
        removed = [e for e in all_events(admin, directory.id) if e["type"] == "group.user_removed"]
        assert {e["data"]["user"]["id"] for e in removed} == {alice["id"], bob["id"]}

    def test_remove_member_by_value_filter(self, scim: httpx.Client) -> None:
        alice = create(scim, "/Users", entra_user("flt-alice"))
        bob = create(scim, "/Users", entra_user("flt-bob"))
        group = create(scim, "/Groups", entra_group("Filtered", "ext-filtered"))
        add_members(scim, group, alice, bob)
        after = patched(
            scim,
            f"/Groups/{group['id']}",
            {"op": "Remove", "path": f'members[value eq "{bob["id"]}"]'},
        )
        assert member_ids(after) == {alice["id"]}

    def test_rename_with_capitalised_replace(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory
    ) -> None:
        group = create(scim, "/Groups", entra_group("Before", "ext-rename"))
        after = patched(
            scim,
            f"/Groups/{group['id']}",
            {"op": "Replace", "path": "displayName", "value": "After"},
        )
        assert after["displayName"] == "After"
        events = all_events(admin, directory.id)
        assert events[-1]["type"] == "group.updated"
        assert events[-1]["data"]["previous"]["name"] == "Before"

    def test_delete_group(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory
    ) -> None:
        user = create(scim, "/Users", entra_user("grp-del"))
        group = create(scim, "/Groups", entra_group("Deleted", "ext-deleted"))
        add_members(scim, group, user)
        assert scim.delete(f"/Groups/{group['id']}").status_code == 204
        assert_scim_error(scim.get(f"/Groups/{group['id']}"), 404)
        assert scim.get(f"/Users/{user['id']}").json()["groups"] == []
        assert all_events(admin, directory.id)[-1]["type"] == "group.deleted"


class TestEntraEdges:
    def test_pathless_value_with_filtered_email_key(self, scim: httpx.Client) -> None:
        user = create(scim, "/Users", entra_user("pl-email"))
        after = patched(
            scim,
            f"/Users/{user['id']}",
            {
                "op": "Replace",
                "value": {'emails[type eq "work"].value': "pl@contoso.test", "displayName": "PL"},
            },
        )
        assert [(e["type"], e["value"]) for e in after["emails"]] == [("work", "pl@contoso.test")]
        assert after["displayName"] == "PL"

    def test_add_mobile_phone_by_filtered_path(self, scim: httpx.Client) -> None:
        user = create(scim, "/Users", entra_user("phone"))
        after = patched(
            scim,
            f"/Users/{user['id']}",
            {"op": "Add", "path": 'phoneNumbers[type eq "mobile"].value', "value": "+1 555 0100"},
            {"op": "Add", "path": 'addresses[type eq "work"].locality', "value": "Redmond"},
        )
        assert [(p["type"], p["value"]) for p in after["phoneNumbers"]] == [
            ("mobile", "+1 555 0100")
        ]
        assert [(a["type"], a["locality"]) for a in after["addresses"]] == [("work", "Redmond")]

    def test_remove_non_member_is_harmless(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory
    ) -> None:
        alice = create(scim, "/Users", entra_user("nm-alice"))
        bob = create(scim, "/Users", entra_user("nm-bob"))
        group = create(scim, "/Groups", entra_group("NonMember", "ext-nm"))
        add_members(scim, group, alice)
        after = patched(
            scim,
            f"/Groups/{group['id']}",
            {"op": "Remove", "path": "members", "value": [{"value": bob["id"]}]},
        )
        assert member_ids(after) == {alice["id"]}
        assert not [e for e in all_events(admin, directory.id) if e["type"] == "group.user_removed"]

    def test_disable_twice_emits_once(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory
    ) -> None:
        user = create(scim, "/Users", entra_user("twice-off"))
        for _ in range(2):
            patched(
                scim, f"/Users/{user['id']}", {"op": "Replace", "path": "active", "value": "False"}
            )
        assert [e["type"] for e in all_events(admin, directory.id)] == [
            "user.created",
            "user.deactivated",
        ]

    def test_create_with_string_active(self, scim: httpx.Client) -> None:
        user = create(scim, "/Users", entra_user("str-active", active="False"))
        assert scim.get(f"/Users/{user['id']}").json()["active"] is False

    def test_manager_replace_with_object(self, scim: httpx.Client) -> None:
        boss = create(scim, "/Users", entra_user("obj-boss"))
        user = create(scim, "/Users", entra_user("obj-report"))
        after = patched(
            scim,
            f"/Users/{user['id']}",
            {"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": {"value": boss["id"]}},
        )
        assert after[ENTERPRISE]["manager"]["value"] == boss["id"]

    def test_manager_sub_attribute_path(self, scim: httpx.Client) -> None:
        boss = create(scim, "/Users", entra_user("sub-boss"))
        user = create(scim, "/Users", entra_user("sub-report"))
        after = patched(
            scim,
            f"/Users/{user['id']}",
            {"op": "Replace", "path": f"{ENTERPRISE}:manager.value", "value": boss["id"]},
        )
        assert after[ENTERPRISE]["manager"]["value"] == boss["id"]

    def test_manager_cleared_with_empty_string(self, scim: httpx.Client) -> None:
        boss = create(scim, "/Users", entra_user("clr-boss"))
        user = create(
            scim, "/Users", entra_user("clr", **{ENTERPRISE: {"manager": {"value": boss["id"]}}})
        )
        after = patched(
            scim,
            f"/Users/{user['id']}",
            {"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": ""},
        )
        assert "manager" not in after.get(ENTERPRISE, {})

    def test_filter_with_and_mixed_case_operators(self, scim: httpx.Client) -> None:
        user = create(scim, "/Users", entra_user("andop"))
        page = scim.get(
            "/Users",
            params={
                "filter": 'userName EQ "Test_User_andop@contoso.test"'
                ' AND externalId Eq "0a21f0f2-andop"'
            },
        ).json()
        assert [r["id"] for r in page["Resources"]] == [user["id"]]

    def test_delete_user_in_group_event_lists_groups(
        self, scim: httpx.Client, admin: httpx.Client, directory: Directory
    ) -> None:
        user = create(scim, "/Users", entra_user("del-in-group"))
        group = create(scim, "/Groups", entra_group("HasMember", "ext-hm"))
        add_members(scim, group, user)
        assert scim.delete(f"/Users/{user['id']}").status_code == 204
        last = all_events(admin, directory.id)[-1]
        assert last["type"] == "user.deleted"
        assert last["data"]["groups"] == [{"id": group["id"], "name": "HasMember"}]
        assert member_ids(scim.get(f"/Groups/{group['id']}").json()) == set()
