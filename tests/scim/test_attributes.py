"""Resolution, canonical names, validation and immutability (RFC 7643 §2, §3.3)."""

from __future__ import annotations

from typing import Any

import pytest

from scimbridge.scim.attributes import (
    ResolvedAttribute,
    canonicalize,
    check_immutable,
    check_schema_uris,
    resolve,
    validate,
)
from scimbridge.scim.errors import ScimError
from scimbridge.scim.filter.ast import AttrPath
from scimbridge.scim.schemas import (
    ENTERPRISE_USER,
    ENTERPRISE_USER_SCHEMA,
    GROUP_RESOURCE,
    GROUP_SCHEMA,
    USER,
    USER_RESOURCE,
    USER_SCHEMA,
    ResourceType,
)
from tests.scim.builders import BADGE_RESOURCE, BADGE_URN, ENTERPRISE, error_of


def resolved(text: str, uri: str | None = None) -> ResolvedAttribute:
    attr, _, sub = text.partition(".")
    found = resolve(USER_RESOURCE, AttrPath(uri, attr, sub or None))
    assert found is not None, text
    return found


class TestResolve:
    def test_core_attribute_any_case(self) -> None:
        found = resolved("USERNAME")
        assert (found.schema, found.attribute.name, found.sub_attribute) == (USER, "userName", None)
        assert found.key_path == ("userName",)
        assert not found.is_case_exact()
        assert (found.type, found.multi_valued) == ("string", False)

    def test_sub_attribute(self) -> None:
        found = resolved("name.GIVENNAME")
        assert found.key_path == ("name", "givenName")
        assert found.target.name == "givenName"

    def test_multi_valued_without_sub_attribute_keeps_sub_none(self) -> None:
        found = resolved("emails")
        assert found.sub_attribute is None
        assert (found.type, found.multi_valued) == ("complex", True)

    def test_sub_attribute_of_multi_valued(self) -> None:
        found = resolved("emails.value")
        assert found.key_path == ("emails", "value")
        assert found.multi_valued
        assert found.type == "string"

    def test_extension_attribute(self) -> None:
        found = resolved("department", ENTERPRISE.upper())
        assert found.schema is ENTERPRISE_USER
        assert found.in_extension
        assert found.key_path == (ENTERPRISE, "department")
        assert resolved("manager.value", ENTERPRISE).key_path == (ENTERPRISE, "manager", "value")

    def test_common_attributes(self) -> None:
        """RFC 7643 §3.1 attributes resolve like core ones, qualified or not."""
        assert resolved("id").is_case_exact()
        assert resolved("externalId").is_case_exact()
        assert resolved("meta.lastModified").type == "dateTime"
        assert resolved("id", USER_SCHEMA).key_path == ("id",)

    def test_core_uri_qualified(self) -> None:
        assert resolved("name.familyName", USER_SCHEMA).key_path == ("name", "familyName")

    @pytest.mark.parametrize(
        "path",
        [
            AttrPath(None, "nope"),
            AttrPath(None, "name", "nope"),
            AttrPath(None, "department"),  # extension attributes need their URN
            AttrPath("urn:okta:custom", "department"),
            AttrPath(ENTERPRISE, "id"),  # common attributes are not extension attributes
        ],
    )
    def test_unknown_is_none(self, path: AttrPath) -> None:
        assert resolve(USER_RESOURCE, path) is None

    def test_group_members(self) -> None:
        found = resolve(GROUP_RESOURCE, AttrPath(None, "Members", "Value"))
        assert found is not None
        assert found.key_path == ("members", "value")
        assert resolve(GROUP_RESOURCE, AttrPath(None, "userName")) is None


class TestCanonicalize:
    def test_renames_known_keys_recursively_and_keeps_unknown(self) -> None:
        result = canonicalize(
            USER_RESOURCE,
            {
                "Schemas": [USER_SCHEMA],
                "USERNAME": "x",
                "name": {"GivenName": "A", "nickname": "kept as sent"},
                "Emails": [{"VALUE": "a@x", "Primary": True}, "odd"],
                "favouriteColour": "teal",
            },
        )
        assert result == {
            "schemas": [USER_SCHEMA],
            "userName": "x",
            "name": {"givenName": "A", "nickname": "kept as sent"},
            "emails": [{"value": "a@x", "primary": True}, "odd"],
            "favouriteColour": "teal",
        }

    def test_read_only_write_only_and_null_are_dropped(self) -> None:
        result = canonicalize(
            USER_RESOURCE,
            {
                "userName": "x",
                "id": "2819c223",
                "meta": {"resourceType": "User"},
                "groups": [{"value": "g"}],
                "password": "t1meMa$heen",
                "title": None,
            },
        )
        assert result == {"userName": "x"}

    def test_extension_object_and_urn_qualified_keys_merge(self) -> None:
        """RFC 7643 §3.3: extension attributes live under their URN."""
        result = canonicalize(
            USER_RESOURCE,
            {
                "userName": "x",
                ENTERPRISE.lower(): {"Department": "Tour Operations"},
                f"{ENTERPRISE}:costCenter": "4130",
                f"{ENTERPRISE}:manager": {"Value": "m1"},
            },
        )
        assert result[ENTERPRISE] == {
            "department": "Tour Operations",
            "costCenter": "4130",
            "manager": {"value": "m1"},
        }

    def test_core_urn_qualified_keys_lose_the_prefix(self) -> None:
        result = canonicalize(
            USER_RESOURCE,
            {f"{USER_SCHEMA}:userName": "x", USER_SCHEMA: {"Title": "Tour Guide"}},
        )
        assert result == {"userName": "x", "title": "Tour Guide"}

    def test_unknown_extensions_are_kept_as_sent(self) -> None:
        okta = "urn:okta:onelogin:custom:1.0:User"
        result = canonicalize(USER_RESOURCE, {"userName": "x", okta: {"CostCode": 7}})
        assert result[okta] == {"CostCode": 7}

    def test_empty_or_null_extension_is_dropped(self) -> None:
        assert canonicalize(USER_RESOURCE, {ENTERPRISE: {}}) == {}
        assert canonicalize(USER_RESOURCE, {ENTERPRISE: None}) == {}

    def test_extension_that_is_not_an_object(self) -> None:
        assert error_of(canonicalize, USER_RESOURCE, {ENTERPRISE: "x"}).scim_type == (
            "invalidValue"
        )

    def test_group_members_are_canonicalised_for_the_caller_to_take(self) -> None:
        result = canonicalize(GROUP_RESOURCE, {"DisplayName": "G", "Members": [{"Value": "u"}]})
        assert result == {"displayName": "G", "members": [{"value": "u"}]}


class TestValidate:
    def test_a_complete_user_passes(self) -> None:
        validate(
            USER_RESOURCE,
            {
                "schemas": [USER_SCHEMA, ENTERPRISE],
                "userName": "x",
                "active": False,
                "name": {"givenName": "A"},
                "emails": [{"value": "a@x", "primary": True}],
                "externalId": "e1",
                ENTERPRISE: {"manager": {"value": "m"}},
                "urn:okta:custom": {"anything": 1},
                "favouriteColour": 42,  # unknown attributes are not judged
            },
        )

    @pytest.mark.parametrize(
        ("resource", "mentions"),
        [
            ({}, "userName is required"),
            ({"userName": None}, "userName is required"),
            ({"userName": "  "}, "userName is required"),
            ({"userName": 1}, "userName must be a string"),
            ({"userName": "x", "active": "yes"}, "active must be a boolean"),
            ({"userName": "x", "emails": "a@b"}, "emails must be a list"),
            ({"userName": "x", "emails": ["a@b"]}, "emails must be an object"),
            ({"userName": "x", "emails": [{"primary": "yes"}]}, "emails.primary"),
            ({"userName": "x", "name": []}, "name must be a single value"),
            ({"userName": "x", "name": "Babs"}, "name must be an object"),
            ({"userName": "x", "name": {"givenName": 3}}, "name.givenName"),
            ({"userName": ["x"]}, "userName must be a single value"),
            ({"userName": "x", "externalId": 7}, "externalId"),
            ({"userName": "x", "schemas": "urn"}, "schemas"),
            ({"userName": "x", ENTERPRISE: []}, ENTERPRISE),
            ({"userName": "x", ENTERPRISE: {"department": 5}}, "department"),
            ({"userName": "x", ENTERPRISE: {"manager": "m"}}, "manager must be an object"),
        ],
    )
    def test_failures_are_invalid_value(self, resource: dict[str, Any], mentions: str) -> None:
        error = error_of(validate, USER_RESOURCE, resource)
        assert (error.status, error.scim_type) == (400, "invalidValue")
        assert mentions in error.detail

    def test_group_display_name_required(self) -> None:
        validate(GROUP_RESOURCE, {"displayName": "G"})
        assert "displayName" in error_of(validate, GROUP_RESOURCE, {}).detail

    def test_numbers_and_dates(self) -> None:
        validate(
            BADGE_RESOURCE,
            {"userName": "x", "floor": 3, "height": 1.8, "hired": "2011-08-01T18:29:49.793Z"},
        )
        for bad in ({"floor": 1.5}, {"floor": True}, {"height": "1.8"}, {"hired": "yesterday"}):
            with pytest.raises(ScimError):
                validate(BADGE_RESOURCE, {"userName": "x", **bad})


class TestCheckImmutable:
    def test_setting_once_is_allowed(self) -> None:
        check_immutable(BADGE_RESOURCE, {}, {"badge": "B1", "desk": {"number": "4"}})

    def test_same_value_is_allowed(self) -> None:
        check_immutable(BADGE_RESOURCE, {"badge": "B1"}, {"badge": "B1"})

    @pytest.mark.parametrize(
        ("before", "after"),
        [
            ({"badge": "B1"}, {"badge": "B2"}),
            ({"badge": "B1"}, {}),
            ({"desk": {"number": "4"}}, {"desk": {"number": "5"}}),
            ({BADGE_URN: {"serial": "s1"}}, {BADGE_URN: {"serial": "s2"}}),
        ],
    )
    def test_changing_is_mutability(self, before: dict[str, Any], after: dict[str, Any]) -> None:
        assert error_of(check_immutable, BADGE_RESOURCE, before, after).scim_type == "mutability"

    def test_mutable_neighbours_may_change(self) -> None:
        check_immutable(
            BADGE_RESOURCE,
            {"desk": {"number": "4", "label": "a"}},
            {"desk": {"number": "4", "label": "b"}},
        )


class TestSchemaUris:
    """RFC 7643 §3: ``schemas`` names the schemas of the body; another resource type's
    (or SCIM 1.1's) is ``invalidValue`` with the URN the endpoint expects."""

    @pytest.mark.parametrize(
        ("resource_type", "schemas", "expected"),
        [
            (USER_RESOURCE, [GROUP_SCHEMA], USER_SCHEMA),
            (USER_RESOURCE, [USER_SCHEMA, GROUP_SCHEMA.upper()], USER_SCHEMA),
            (USER_RESOURCE, ["urn:scim:schemas:core:1.0"], USER_SCHEMA),
            (USER_RESOURCE, ["urn:scim:schemas:extension:enterprise:1.0"], USER_SCHEMA),
            (GROUP_RESOURCE, [USER_SCHEMA], GROUP_SCHEMA),
            (GROUP_RESOURCE, [GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA], GROUP_SCHEMA),
            (GROUP_RESOURCE, ["URN:SCIM:SCHEMAS:CORE:1.0"], GROUP_SCHEMA),
        ],
    )
    def test_foreign_urns_are_invalid_value_naming_the_expected_one(
        self, resource_type: ResourceType, schemas: list[str], expected: str
    ) -> None:
        with pytest.raises(ScimError) as caught:
            check_schema_uris(resource_type, schemas)
        assert caught.value.scim_type == "invalidValue"
        assert expected in caught.value.detail

    def test_scim_1_1_is_named_as_such(self) -> None:
        with pytest.raises(ScimError) as caught:
            check_schema_uris(USER_RESOURCE, ["urn:scim:schemas:core:1.0"])
        assert "SCIM 1.1" in caught.value.detail

    @pytest.mark.parametrize(
        "schemas",
        [
            None,
            [],
            [USER_SCHEMA],
            [USER_SCHEMA.upper(), ENTERPRISE_USER_SCHEMA],
            [USER_SCHEMA, "urn:okta:custom:1.0:user"],
            "not a list",
        ],
    )
    def test_own_and_custom_urns_pass(self, schemas: object) -> None:
        check_schema_uris(USER_RESOURCE, schemas)
