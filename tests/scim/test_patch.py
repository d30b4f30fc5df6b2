"""PATCH (RFC 7644 §3.5.2) with the RFC's own examples, IdP variants and error cases."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scimbridge.scim.attributes import validate
from scimbridge.scim.errors import ScimError
from scimbridge.scim.patch import MAX_OPERATIONS, MemberOp, apply_patch, parse_operations
from scimbridge.scim.schemas import GROUP_RESOURCE, USER_RESOURCE, USER_SCHEMA
from tests.scim.builders import (
    BADGE_RESOURCE,
    ENTERPRISE,
    error_of,
    patch_body,
    patch_user,
    stored_group,
    stored_user,
)

BJENSEN_ID = "2819c223-7f76-453a-919d-413861904646"
JSMITH_ID = "902c246b-6245-4190-8e05-00816be7344a"


def patched(*operations: dict[str, Any], resource: dict[str, Any] | None = None) -> dict[str, Any]:
    return patch_user(resource, *operations).resource


def scim_type(*operations: dict[str, Any], resource: dict[str, Any] | None = None) -> str | None:
    error = error_of(patch_user, resource, *operations)
    assert error.status == 400
    return error.scim_type


def group_ops(*operations: dict[str, Any]) -> tuple[MemberOp, ...]:
    return apply_patch(GROUP_RESOURCE, stored_group(), patch_body(*operations)).member_ops


def two_emails() -> dict[str, Any]:
    return stored_user(
        emails=[
            {"value": "bjensen@example.com", "type": "work", "primary": True},
            {"value": "babs@jensen.org", "type": "home"},
        ]
    )


class TestAdd:
    def test_rfc_add_member(self) -> None:
        """RFC 7644 §3.5.2.1, first example."""
        assert group_ops(
            {
                "op": "add",
                "path": "members",
                "value": [
                    {
                        "display": "Babs Jensen",
                        "$ref": f"https://example.com/v2/Users/{BJENSEN_ID}",
                        "value": BJENSEN_ID,
                    }
                ],
            }
        ) == (MemberOp("add", (BJENSEN_ID,)),)

    def test_rfc_pathless_add_of_emails_and_nickname(self) -> None:
        """RFC 7644 §3.5.2.1, second example: names are canonicalised on the way in."""
        result = patched(
            {
                "op": "add",
                "value": {
                    "emails": [{"value": "babs@jensen.org", "type": "home"}],
                    "nickname": "Babs",
                },
            }
        )
        assert result["nickName"] == "Babs"
        assert [e["value"] for e in result["emails"]] == ["bjensen@example.com", "babs@jensen.org"]

    def test_add_does_not_duplicate_equal_values(self) -> None:
        result = patched(
            {"op": "add", "path": "emails", "value": [{"value": "BJENSEN@example.com"}]}
        )
        assert result["emails"] == stored_user()["emails"]

    def test_re_adding_a_value_as_primary_makes_it_primary(self) -> None:
        result = patched(
            {
                "op": "add",
                "path": "emails",
                "value": [{"value": "babs@jensen.org", "primary": True}],
            },
            resource=two_emails(),
        )
        assert [(e["value"], e.get("primary")) for e in result["emails"]] == [
            ("bjensen@example.com", False),
            ("babs@jensen.org", True),
        ]

    def test_different_type_is_a_different_value(self) -> None:
        result = patched(
            {
                "op": "add",
                "path": "emails",
                "value": {"value": "bjensen@example.com", "type": "home"},
            }
        )
        assert len(result["emails"]) == 2

    def test_a_new_primary_clears_the_old_one(self) -> None:
        result = patched(
            {"op": "add", "path": "emails", "value": [{"value": "b@x.org", "primary": True}]}
        )
        assert [e.get("primary") for e in result["emails"]] == [False, True]

    def test_add_to_single_valued_replaces(self) -> None:
        assert (
            patched({"op": "add", "path": "title", "value": "Tour Guide"})["title"] == "Tour Guide"
        )
        assert patched({"op": "add", "path": "userName", "value": "b"})["userName"] == "b"

    def test_add_complex_merges_sub_attributes(self) -> None:
        result = patched({"op": "add", "path": "name", "value": {"middleName": "Q"}})
        assert result["name"] == {"givenName": "Barbara", "familyName": "Jensen", "middleName": "Q"}

    def test_add_sub_attribute_creates_the_complex_value(self) -> None:
        resource = stored_user()
        del resource["name"]
        assert patched({"op": "add", "path": "name.givenName", "value": "B"}, resource=resource)[
            "name"
        ] == {"givenName": "B"}

    def test_add_through_filter_merges_into_matching_element(self) -> None:
        result = patched(
            {"op": "add", "path": 'emails[type eq "work"]', "value": {"display": "Work"}}
        )
        assert result["emails"] == [
            {"value": "bjensen@example.com", "type": "work", "primary": True, "display": "Work"}
        ]

    def test_add_through_filter_matching_nothing_is_no_target(self) -> None:
        """RFC 7644 §3.12 Table 9: noTarget when "the specified path value contains a
        filter that yields no match"; §3.5.2.1 gives ``add`` no other rule for filters."""
        assert (
            scim_type({"op": "add", "path": 'emails[type eq "home"]', "value": {"value": "h@x"}})
            == "noTarget"
        )


class TestReplace:
    def test_rfc_replace_members(self) -> None:
        """RFC 7644 §3.5.2.3, first example: the membership is set exactly."""
        assert group_ops(
            {
                "op": "replace",
                "path": "members",
                "value": [{"display": "Babs Jensen", "value": BJENSEN_ID}, {"value": JSMITH_ID}],
            }
        ) == (MemberOp("replace", (BJENSEN_ID, JSMITH_ID)),)

    def test_rfc_replace_work_address(self) -> None:
        """RFC 7644 §3.5.2.3: ``addresses[type eq "work"]`` replaced wholesale."""
        resource = stored_user(
            addresses=[
                {"type": "work", "streetAddress": "100 Universal City Plaza", "primary": True},
                {"type": "home", "streetAddress": "456 Hollywood Blvd"},
            ]
        )
        new = {
            "type": "work",
            "streetAddress": "911 Universal City Plaza",
            "locality": "Hollywood",
            "region": "CA",
            "postalCode": "91608",
            "country": "US",
            "formatted": "911 Universal City Plaza\nHollywood, CA 91608 US",
            "primary": True,
        }
        result = patched(
            {"op": "replace", "path": 'addresses[type eq "work"]', "value": new}, resource=resource
        )
        assert result["addresses"] == [new, {"type": "home", "streetAddress": "456 Hollywood Blvd"}]

    def test_rfc_replace_sub_attribute_through_filter(self) -> None:
        resource = stored_user(addresses=[{"type": "work", "streetAddress": "100 Universal"}])
        result = patched(
            {
                "op": "replace",
                "path": 'addresses[type eq "work"].streetAddress',
                "value": "1234 Some Street",
            },
            resource=resource,
        )
        assert result["addresses"] == [{"type": "work", "streetAddress": "1234 Some Street"}]

    def test_rfc_pathless_replace_replaces_all_emails(self) -> None:
        result = patched(
            {
                "op": "replace",
                "value": {
                    "emails": [{"value": "bjensen@example.com", "type": "home"}],
                    "nickname": "Babs",
                },
            },
            resource=two_emails(),
        )
        assert result["emails"] == [{"value": "bjensen@example.com", "type": "home"}]
        assert result["nickName"] == "Babs"

    def test_replace_complex_merges(self) -> None:
        """§3.5.2.3: sub-attributes not given are left unchanged."""
        result = patched({"op": "replace", "path": "name", "value": {"givenName": "Babs"}})
        assert result["name"] == {"givenName": "Babs", "familyName": "Jensen"}

    def test_replace_with_null_unassigns(self) -> None:
        assert "title" not in patched(
            {"op": "replace", "path": "title", "value": None}, resource=stored_user(title="x")
        )

    def test_replace_sub_attribute_on_every_element(self) -> None:
        result = patched(
            {"op": "replace", "path": "emails.type", "value": "other"}, resource=two_emails()
        )
        assert [e["type"] for e in result["emails"]] == ["other", "other"]

    def test_replace_primary_through_filter_keeps_one_primary(self) -> None:
        result = patched(
            {"op": "replace", "path": 'emails[type eq "home"].primary', "value": True},
            resource=two_emails(),
        )
        assert [e.get("primary") for e in result["emails"]] == [False, True]

    def test_replace_list_with_two_primaries_keeps_the_last(self) -> None:
        result = patched(
            {
                "op": "replace",
                "path": "emails",
                "value": [{"value": "a@x", "primary": True}, {"value": "b@x", "primary": True}],
            }
        )
        assert [e["primary"] for e in result["emails"]] == [False, True]

    def test_replace_with_empty_list_unassigns(self) -> None:
        assert "emails" not in patched({"op": "replace", "path": "emails", "value": []})

    def test_filter_strings_are_case_insensitive_unless_case_exact(self) -> None:
        result = patched({"op": "replace", "path": 'emails[type eq "WORK"].display', "value": "W"})
        assert result["emails"][0]["display"] == "W"


class TestRemove:
    def test_rfc_remove_one_member(self) -> None:
        assert group_ops({"op": "remove", "path": f'members[value eq "{BJENSEN_ID}"]'}) == (
            MemberOp("remove", (BJENSEN_ID,)),
        )

    def test_rfc_remove_all_members(self) -> None:
        assert group_ops({"op": "remove", "path": "members"}) == (MemberOp("remove_all"),)

    def test_rfc_remove_all_then_add(self) -> None:
        """RFC 7644 §3.5.2.2 last example: remove all members, then add two, in order."""
        assert group_ops(
            {"op": "remove", "path": "members"},
            {
                "op": "add",
                "path": "members",
                "value": [{"value": BJENSEN_ID}, {"value": JSMITH_ID}],
            },
        ) == (MemberOp("remove_all"), MemberOp("add", (BJENSEN_ID, JSMITH_ID)))

    def test_remove_members_joined_by_or(self) -> None:
        assert group_ops({"op": "remove", "path": 'members[value eq "a" or value eq "b"]'}) == (
            MemberOp("remove", ("a", "b")),
        )

    def test_rfc_remove_emails_by_complex_filter(self) -> None:
        result = patched(
            {"op": "remove", "path": 'emails[type eq "work" and value ew "example.com"]'},
            resource=two_emails(),
        )
        assert result["emails"] == [{"value": "babs@jensen.org", "type": "home"}]

    def test_remove_last_value_unassigns_the_attribute(self) -> None:
        assert "emails" not in patched({"op": "remove", "path": 'emails[type eq "work"]'})

    def test_remove_sub_attribute_of_matching_elements(self) -> None:
        result = patched({"op": "remove", "path": 'emails[type eq "work"].primary'})
        assert result["emails"] == [{"value": "bjensen@example.com", "type": "work"}]

    def test_remove_attribute_and_sub_attribute(self) -> None:
        assert "name" not in patched({"op": "remove", "path": "name"})
        assert patched({"op": "remove", "path": "name.givenName"})["name"] == {
            "familyName": "Jensen"
        }

    def test_removing_what_is_absent_changes_nothing(self) -> None:
        for path in ("title", 'emails[type eq "home"]', f"{ENTERPRISE}:department", "nickName"):
            assert not patch_user(None, {"op": "remove", "path": path}).changed

    def test_remove_emails_listed_in_value(self) -> None:
        """Entra-style removal by value list applies to any multi-valued attribute."""
        result = patched(
            {"op": "remove", "path": "emails", "value": [{"value": "BABS@jensen.org"}]},
            resource=two_emails(),
        )
        assert [e["value"] for e in result["emails"]] == ["bjensen@example.com"]


class TestExtensions:
    def test_urn_qualified_path_adds_extension_and_schema(self) -> None:
        result = patched({"op": "add", "path": f"{ENTERPRISE}:department", "value": "Tours"})
        assert result[ENTERPRISE] == {"department": "Tours"}
        assert result["schemas"] == [USER_SCHEMA, ENTERPRISE]

    def test_whole_extension_object_merges(self) -> None:
        resource = stored_user(**{ENTERPRISE: {"department": "Tours", "costCenter": "1"}})
        result = patched(
            {"op": "replace", "path": ENTERPRISE, "value": {"Department": "Sales", "manager": "m"}},
            resource=resource,
        )
        assert result[ENTERPRISE] == {
            "department": "Sales",
            "costCenter": "1",
            "manager": {"value": "m"},
        }

    def test_extension_object_carrying_its_own_schemas(self) -> None:
        """scim2-models serialises an extension object with a ``schemas`` member."""
        result = patched(
            {"op": "add", "path": ENTERPRISE, "value": {"schemas": [ENTERPRISE], "division": "D"}}
        )
        assert result[ENTERPRISE] == {"division": "D"}

    def test_removing_the_extension_or_its_last_attribute_drops_it(self) -> None:
        resource = stored_user(
            schemas=[USER_SCHEMA, ENTERPRISE], **{ENTERPRISE: {"department": "Tours"}}
        )
        for path in (ENTERPRISE, f"{ENTERPRISE}:department"):
            result = patched({"op": "remove", "path": path}, resource=resource)
            assert ENTERPRISE not in result
            assert result["schemas"] == [USER_SCHEMA]

    def test_manager_sub_attribute_path(self) -> None:
        result = patched({"op": "replace", "path": f"{ENTERPRISE}:manager.value", "value": "m"})
        assert result[ENTERPRISE] == {"manager": {"value": "m"}}

    def test_unknown_extensions_are_kept(self) -> None:
        custom = "urn:okta:custom:1.0"
        result = patched({"op": "add", "path": f"{custom}:costCode", "value": "42"})
        assert result[custom] == {"costCode": "42"}
        merged = patched({"op": "replace", "value": {custom: {"team": "Blue"}}}, resource=result)
        assert merged[custom] == {"costCode": "42", "team": "Blue"}
        assert custom not in patched(
            {"op": "remove", "path": f"{custom}:costCode"}, resource=result
        )


class TestElementRules:
    """RFC 7643 §2.4 on the PATCH path too (``scim/multi_valued.py``)."""

    def test_replace_with_duplicate_emails_keeps_the_first(self) -> None:
        result = patched(
            {
                "op": "replace",
                "path": "emails",
                "value": [
                    {"value": "Pat@X.org", "type": "work"},
                    {"value": "pat@x.org", "type": "work", "primary": True},
                ],
            }
        )
        assert result["emails"] == [{"value": "Pat@X.org", "type": "work", "primary": True}]

    def test_add_of_a_duplicate_pair_keeps_one(self) -> None:
        result = patched(
            {
                "op": "add",
                "path": "phoneNumbers",
                "value": [{"value": "555", "type": "work"}, {"value": "555", "type": "Work"}],
            }
        )
        assert result["phoneNumbers"] == [{"value": "555", "type": "work"}]


class TestEntra:
    """Microsoft Learn, "Develop and plan provisioning for a SCIM endpoint" and the
    "Known issues and resolutions with SCIM 2.0 protocol compliance" page."""

    def test_replace_work_email_value(self) -> None:
        result = patched(
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "x@contoso.com"}
        )
        assert result["emails"] == [{"value": "x@contoso.com", "type": "work", "primary": True}]

    @pytest.mark.parametrize("op", ["Add", "Replace"])
    def test_first_work_email_is_created(self, op: str) -> None:
        result = patched(
            {"op": op, "path": 'emails[type eq "work"].value', "value": "x@contoso.com"},
            resource=stored_user(emails=[]),
        )
        assert result["emails"] == [{"type": "work", "value": "x@contoso.com"}]

    @pytest.mark.parametrize("op", ["Add", "Replace"])
    def test_created_element_takes_the_canonical_type(self, op: str) -> None:
        """RFC 7643 §4.1.2 canonical ``type`` values; a filter compares them in any case."""
        result = patched(
            {"op": op, "path": 'emails[type eq "WORK"].value', "value": "x@contoso.com"},
            resource=stored_user(emails=[{"value": "h@x.org", "type": "home"}]),
        )
        assert result["emails"] == [
            {"value": "h@x.org", "type": "home"},
            {"type": "work", "value": "x@contoso.com"},
        ]

    def test_phone_and_address_types_are_created_too(self) -> None:
        """The Entra tutorial's default mappings: mobile phone and work address parts."""
        result = patched(
            {"op": "Add", "path": 'phoneNumbers[type eq "mobile"].value', "value": "+1 555"},
            {"op": "Add", "path": 'addresses[type eq "work"].locality', "value": "Redmond"},
            {"op": "Add", "path": 'addresses[type eq "work"].postalCode', "value": "98052"},
        )
        assert result["phoneNumbers"] == [{"type": "mobile", "value": "+1 555"}]
        assert result["addresses"] == [
            {"type": "work", "locality": "Redmond", "postalCode": "98052"}
        ]

    @pytest.mark.parametrize("empty", ["", None])
    def test_empty_value_for_a_missing_type_changes_nothing(self, empty: Any) -> None:
        """Nothing to set and nothing to clear: no value-less work e-mail is invented."""
        resource = stored_user(emails=[{"value": "h@x.org", "type": "home"}])
        result = patch_user(
            resource, {"op": "Replace", "path": 'emails[type eq "work"].value', "value": empty}
        )
        assert not result.changed
        assert result.resource == resource

    def test_validator_sequence_on_emails(self) -> None:
        """The request Entra's SCIM validator sends (sourcegraph PR #49119)."""
        result = patched(
            {"op": "replace", "path": 'emails[type eq "work"].value', "value": "w@x.com"},
            {"op": "add", "path": 'emails[type eq "home"].value', "value": "h@x.com"},
            {"op": "replace", "path": 'emails[type eq "home"].display', "value": "Home"},
            {"op": "add", "path": 'emails[type eq "work"].primary', "value": False},
            {"op": "replace", "path": 'emails[type eq "home"].primary', "value": True},
            resource=stored_user(emails=[]),
        )
        assert result["emails"] == [
            {"type": "work", "value": "w@x.com", "primary": False},
            {"type": "home", "value": "h@x.com", "display": "Home", "primary": True},
        ]

    def test_pathless_add_with_dotted_key(self) -> None:
        result = patched({"op": "Add", "value": {"name.givenName": "X"}})
        assert result["name"] == {"givenName": "X", "familyName": "Jensen"}
        assert "name.givenName" not in result

    def test_pathless_replace_with_string_boolean(self) -> None:
        assert patched({"op": "Replace", "value": {"active": "False"}})["active"] is False

    def test_capitalised_replace_with_string_boolean(self) -> None:
        assert patched({"op": "Replace", "path": "active", "value": "False"})["active"] is False

    def test_pathless_urn_keys_and_manager_string(self) -> None:
        result = patched(
            {
                "op": "Add",
                "value": {
                    f"{ENTERPRISE}:department": "Tour Operations",
                    f"{ENTERPRISE}:manager": "26118915-6090",
                },
            }
        )
        assert result[ENTERPRISE] == {
            "department": "Tour Operations",
            "manager": {"value": "26118915-6090"},
        }
        assert ENTERPRISE in result["schemas"]

    def test_manager_as_string_by_path_and_empty_string_clears(self) -> None:
        with_manager = patched({"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": "boss"})
        assert with_manager[ENTERPRISE] == {"manager": {"value": "boss"}}
        cleared = patched(
            {"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": ""}, resource=with_manager
        )
        assert ENTERPRISE not in cleared

    def test_remove_members_by_value_list(self) -> None:
        assert group_ops({"op": "Remove", "path": "members", "value": [{"value": "a"}]}) == (
            MemberOp("remove", ("a",)),
        )

    def test_pathless_members_add(self) -> None:
        assert group_ops({"op": "Add", "value": {"members": [{"value": "a"}, {"value": "a"}]}}) == (
            MemberOp("add", ("a",)),
        )


class TestOktaAndOthers:
    def test_okta_pathless_deactivate(self) -> None:
        result = patch_user(None, {"op": "replace", "value": {"active": False}})
        assert result.resource["active"] is False
        assert result.changed

    def test_okta_group_push_rename_with_id(self) -> None:
        result = apply_patch(
            GROUP_RESOURCE,
            stored_group(),
            patch_body({"op": "replace", "value": {"id": "g1", "displayName": "Tour Leads"}}),
            resource_id="g1",
        )
        assert result.resource == stored_group(displayName="Tour Leads")
        assert result.member_ops == ()

    def test_okta_password_push_is_accepted_and_not_stored(self) -> None:
        result = patch_user(None, {"op": "replace", "value": {"password": "t1meMa$heen"}})
        assert "password" not in result.resource
        assert not result.changed

    def test_onelogin_single_object_for_multi_valued(self) -> None:
        result = patched({"op": "replace", "path": "emails", "value": {"value": "one@x.org"}})
        assert result["emails"] == [{"value": "one@x.org"}]

    def test_schemas_may_be_omitted(self) -> None:
        body = {"Operations": [{"op": "replace", "path": "title", "value": "x"}]}
        assert apply_patch(USER_RESOURCE, stored_user(), body).resource["title"] == "x"

    def test_read_only_echoes_in_pathless_values_are_ignored(self) -> None:
        result = patch_user(
            None,
            {
                "op": "replace",
                "value": {
                    "schemas": [USER_SCHEMA],
                    "id": "u1",
                    "meta": {"resourceType": "User"},
                    "groups": [{"value": "g"}],
                    "title": "x",
                },
            },
        )
        assert result.resource == stored_user(title="x")


class TestErrors:
    def test_remove_without_path_is_no_target(self) -> None:
        assert scim_type({"op": "remove"}) == "noTarget"

    @pytest.mark.parametrize(
        "path",
        [
            'emails[type eq "home"]',
            'emails[value co "zzz"].value',
            'emails[not (type eq "work")].value',
        ],
    )
    def test_replace_through_filter_matching_nothing_is_no_target(self, path: str) -> None:
        resource = stored_user(
            emails=[{"value": "zz", "type": "home"}, {"value": "a", "type": "work"}]
        )
        resource["emails"] = [{"value": "a", "type": "work"}]
        assert scim_type(
            {"op": "replace", "path": path, "value": {"value": "x"}}, resource=resource
        ) == ("noTarget")

    @pytest.mark.parametrize("op", ["add", "replace"])
    @pytest.mark.parametrize(
        ("path", "value"),
        [
            ('emails[value eq "new@x.org"].type', "work"),
            ('emails[type eq "custom"].value', "c@x.org"),
            ('emails[type eq "home" and primary eq true].value', "h@x.org"),
            ('emails[type ne "work"].value', "w@x.org"),
            ('emails[type eq "home"].primary', True),
            ('emails[type eq "home"].display', "Home"),
            ('emails[type eq "home"].type', "home"),
            ('ims[type eq "Xmpp"].value', "me@jabber.org"),
            ('entitlements[type eq "licence"].value', "e3"),
        ],
    )
    def test_filter_matching_nothing_creates_nothing(self, op: str, path: str, value: Any) -> None:
        """RFC 7644 §3.5.2.3: "no record match was made" → 400 noTarget. Only Entra ID's
        documented ``attr[type eq "<canonical type>"].<data>`` shape creates an element
        (``quirks.element_for_unmatched_filter``); these are all other shapes."""
        resource = stored_user(ims=[{"value": "aim-me", "type": "aim"}])
        assert scim_type({"op": op, "path": path, "value": value}, resource=resource) == (
            "noTarget"
        )

    def test_sub_attribute_of_absent_multi_valued_is_no_target(self) -> None:
        assert (
            scim_type(
                {"op": "replace", "path": "emails.type", "value": "x"},
                resource=stored_user(emails=[]),
            )
            == "noTarget"
        )

    @pytest.mark.parametrize(
        "path", ["id", "meta", "meta.created", "groups", f"{ENTERPRISE}:manager.displayName"]
    )
    def test_read_only_paths_are_mutability(self, path: str) -> None:
        assert scim_type({"op": "replace", "path": path, "value": "x"}) == "mutability"

    def test_pathless_id_that_differs_is_mutability(self) -> None:
        error = error_of(
            apply_patch,
            GROUP_RESOURCE,
            stored_group(),
            patch_body({"op": "replace", "value": {"id": "other", "displayName": "x"}}),
            resource_id="g1",
        )
        assert error.scim_type == "mutability"

    @pytest.mark.parametrize(
        "path",
        [
            "favouriteColour",
            "name.nope",
            f"{ENTERPRISE}:nope",
            "department",
            "schemas",
            'title[value eq "x"]',
            'emails[nope eq "x"]',
            'emails[type eq "work"].nope',
            "emails[",
            "x.y.z",
            "members",
        ],
    )
    def test_bad_paths_are_invalid_path(self, path: str) -> None:
        assert scim_type({"op": "replace", "path": path, "value": "x"}) == "invalidPath"

    @pytest.mark.parametrize(
        ("operation", "expected"),
        [
            ({"op": "replace", "path": "active", "value": "yes"}, "invalidValue"),
            ({"op": "replace", "path": "name.givenName", "value": 3}, "invalidValue"),
            ({"op": "replace", "path": "emails", "value": ["a@x"]}, "invalidValue"),
            ({"op": "remove", "path": "userName"}, "invalidValue"),
            ({"op": "add", "path": "title"}, "invalidValue"),
            ({"op": "add", "value": "x"}, "invalidValue"),
            ({"op": "add", "value": {"": 1}}, "invalidValue"),
            ({"op": "add", "path": 'emails[type eq "work"]', "value": "x"}, "invalidValue"),
            ({"op": "move", "path": "title", "value": "x"}, "invalidSyntax"),
            ({"path": "title", "value": "x"}, "invalidSyntax"),
            ({"op": "add", "path": 3, "value": "x"}, "invalidPath"),
        ],
    )
    def test_bad_operations(self, operation: dict[str, Any], expected: str) -> None:
        assert scim_type(operation) == expected

    @pytest.mark.parametrize(
        "body",
        [
            [],
            {},
            {"Operations": []},
            {"Operations": {"op": "add"}},
            {"Operations": ["add"]},
            {"schemas": [USER_SCHEMA], "Operations": [{"op": "remove", "path": "title"}]},
        ],
    )
    def test_bad_bodies_are_invalid_syntax(self, body: Any) -> None:
        error = error_of(apply_patch, USER_RESOURCE, stored_user(), body)
        assert error.scim_type == "invalidSyntax"

    def test_too_many_operations(self) -> None:
        body = patch_body(*[{"op": "remove", "path": "title"}] * (MAX_OPERATIONS + 1))
        assert error_of(apply_patch, USER_RESOURCE, stored_user(), body).scim_type == "tooMany"
        assert (
            len(
                parse_operations(
                    USER_RESOURCE, patch_body(*[{"op": "remove", "path": "title"}] * MAX_OPERATIONS)
                )
            )
            == MAX_OPERATIONS
        )

    def test_immutable_change_is_mutability(self) -> None:
        current = {"userName": "u", "badge": "B"}
        body = patch_body({"op": "replace", "path": "badge", "value": "C"})
        assert error_of(apply_patch, BADGE_RESOURCE, current, body).scim_type == "mutability"
        set_once = apply_patch(BADGE_RESOURCE, {"userName": "u"}, body)
        assert set_once.resource["badge"] == "C"

    @pytest.mark.parametrize(
        ("operation", "expected"),
        [
            (
                {"op": "add", "path": 'members[value eq "a"]', "value": [{"value": "a"}]},
                "invalidPath",
            ),
            ({"op": "replace", "path": "members.value", "value": "a"}, "invalidPath"),
            ({"op": "remove", "path": 'members[display eq "Babs"]'}, "invalidFilter"),
            ({"op": "remove", "path": 'members[value eq "a" and type eq "User"]'}, "invalidFilter"),
            ({"op": "add", "path": "members", "value": [{"display": "no id"}]}, "invalidValue"),
            ({"op": "add", "path": "members", "value": ["a"]}, "invalidValue"),
        ],
    )
    def test_member_errors(self, operation: dict[str, Any], expected: str) -> None:
        error = error_of(apply_patch, GROUP_RESOURCE, stored_group(), patch_body(operation))
        assert error.scim_type == expected


class TestAtomicityAndChange:
    def test_first_error_leaves_everything_untouched(self) -> None:
        resource = stored_user()
        with pytest.raises(ScimError):
            patch_user(
                resource,
                {"op": "replace", "path": "title", "value": "x"},
                {"op": "replace", "path": "id", "value": "y"},
            )
        assert resource == stored_user()

    def test_success_does_not_modify_the_input(self) -> None:
        resource = two_emails()
        patch_user(
            resource, {"op": "replace", "path": 'emails[type eq "home"].primary', "value": True}
        )
        assert resource == two_emails()

    def test_no_op_patch_reports_unchanged(self) -> None:
        assert not patch_user(None, {"op": "replace", "path": "active", "value": True}).changed
        assert not patch_user(
            None, {"op": "add", "path": "emails", "value": [{"value": "bjensen@example.com"}]}
        ).changed

    def test_membership_only_patch_leaves_the_group_unchanged(self) -> None:
        result = apply_patch(
            GROUP_RESOURCE,
            stored_group(),
            patch_body({"op": "add", "path": "members", "value": [{"value": "a"}]}),
        )
        assert not result.changed
        assert "members" not in result.resource

    def test_operations_apply_in_order(self) -> None:
        result = patched(
            {"op": "add", "path": "title", "value": "a"},
            {"op": "replace", "path": "title", "value": "b"},
            {"op": "remove", "path": "nickName"},
        )
        assert result["title"] == "b"


# --------------------------------------------------------------------------- property

PATHS = [
    "title",
    "TITLE",
    "name",
    "name.givenName",
    "emails",
    "emails.type",
    'emails[type eq "work"]',
    'emails[type eq "work"].value',
    'emails[value co "x" or not (primary eq true)].primary',
    'addresses[type eq "home"].locality',
    "active",
    "id",
    "meta.created",
    "groups",
    "password",
    f"{ENTERPRISE}:manager",
    f"{ENTERPRISE}:manager.value",
    ENTERPRISE,
    "urn:okta:custom:1.0:k",
    "urn:okta:custom:1.0",
    "members",
    'members[value eq "a"]',
    "x[",
    "",
    "emails[type gt 3]",
    "emails[primary co true]",
]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=8), st.floats(allow_nan=False)
)
element = st.dictionaries(
    st.sampled_from(["value", "type", "primary", "display", "Value", "locality", 3]),
    scalars,
    max_size=4,
)
values = st.one_of(
    scalars,
    element,
    st.lists(st.one_of(element, scalars), max_size=3),
    st.dictionaries(
        st.sampled_from([*PATHS, "nickName", "schemas"]), st.one_of(scalars, element), max_size=3
    ),
)
operation = st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "replace", "remove", "Add", "Replace", "Remove", "nope", 1])},
    optional={
        "path": st.one_of(st.sampled_from(PATHS), st.text(max_size=12), st.integers()),
        "value": values,
    },
)
bodies = st.one_of(
    st.fixed_dictionaries(
        {"Operations": st.lists(operation, min_size=0, max_size=5)},
        optional={
            "schemas": st.sampled_from([["urn:ietf:params:scim:api:messages:2.0:PatchOp"], [], "x"])
        },
    ),
    st.lists(operation, max_size=2),
    scalars,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies, group=st.booleans())
def test_random_patches_only_ever_fail_with_4xx_scim_errors(body: Any, group: bool) -> None:
    resource_type = GROUP_RESOURCE if group else USER_RESOURCE
    resource = stored_group() if group else two_emails()
    before = copy.deepcopy(resource)
    failure: ScimError | None = None
    try:
        result = apply_patch(resource_type, resource, body, resource_id="u1")
    except ScimError as error:
        failure = error
    if failure is not None:
        assert 400 <= failure.status < 500
        assert failure.scim_type is not None
    else:
        assert "id" not in result.resource
        assert "members" not in result.resource
        assert "password" not in result.resource
        assert result.changed == (result.resource != before)
    assert resource == before


well_formed_operation = st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "replace", "remove", "Add", "Replace", "Remove"])},
    optional={"path": st.sampled_from(PATHS[:-3]), "value": values},
)


@settings(max_examples=400, deadline=None)
@given(operations=st.lists(well_formed_operation, min_size=1, max_size=4))
def test_well_formed_patches_keep_the_stored_shape(operations: list[dict[str, Any]]) -> None:
    """Whatever applies leaves a valid resource: canonical keys, one primary, no read-only."""
    failure: ScimError | None = None
    try:
        result = apply_patch(USER_RESOURCE, two_emails(), patch_body(*operations))
    except ScimError as error:
        failure = error
    if failure is not None:
        assert 400 <= failure.status < 500
        return
    validate(USER_RESOURCE, result.resource)
    plain_keys = [k for k in result.resource if not k.startswith("urn:")]
    assert not any("." in key or "[" in key for key in plain_keys)
    assert not {"id", "meta", "groups", "password"} & set(result.resource)
    primaries = [e for e in result.resource.get("emails", []) if e.get("primary") is True]
    assert len(primaries) <= 1
