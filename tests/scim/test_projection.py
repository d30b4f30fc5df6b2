"""``attributes`` / ``excludedAttributes`` (RFC 7644 §3.9) and ``returned`` (RFC 7643 §2.2)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scimbridge.scim.projection import is_requested, parse_attribute_list, project
from scimbridge.scim.schemas import (
    ENTERPRISE_USER_SCHEMA,
    GROUP_RESOURCE,
    USER,
    USER_RESOURCE,
    Attribute,
    ResourceType,
    Schema,
)

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"

# The rendered User of RFC 7643 §8.2 (shortened), with the Enterprise extension, a
# password that must never leave, and an attribute from a custom extension.
USER_RESOURCE_BODY: dict[str, Any] = {
    "schemas": [CORE, ENTERPRISE_USER_SCHEMA],
    "id": "2819c223-7f76-453a-919d-413861904646",
    "externalId": "701984",
    "userName": "bjensen@example.com",
    "name": {"formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen", "givenName": "B"},
    "displayName": "Babs Jensen",
    "password": "t1meMa$heen",
    "emails": [
        {"value": "bjensen@example.com", "type": "work", "primary": True},
        {"value": "babs@jensen.org", "type": "home"},
    ],
    "groups": [{"value": "e9e30dba", "display": "Tour Guides", "type": "direct"}],
    ENTERPRISE_USER_SCHEMA: {
        "employeeNumber": "701984",
        "department": "Tour Operations",
        "manager": {"value": "26118915", "displayName": "John Smith"},
    },
    "urn:example:custom": {"badge": "7"},
    "meta": {
        "resourceType": "User",
        "created": "2010-01-23T04:56:22Z",
        "lastModified": "2011-05-13T04:42:34Z",
        "version": 'W/"3694e05e9dff591"',
        "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
    },
}
ALWAYS = {"schemas", "id", "meta"}


def user(attributes: list[str] | None = None, excluded: list[str] | None = None) -> dict[str, Any]:
    return project(USER_RESOURCE, USER_RESOURCE_BODY, attributes, excluded)


class TestParseAttributeList:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            (None, []),
            ("", []),
            ("userName", ["userName"]),
            (" userName , name.givenName ,,", ["userName", "name.givenName"]),
            (f"{ENTERPRISE_USER_SCHEMA}:department", [f"{ENTERPRISE_USER_SCHEMA}:department"]),
        ],
    )
    def test_splits_on_commas(self, raw: str | None, expected: list[str]) -> None:
        assert parse_attribute_list(raw) == expected


class TestDefault:
    def test_everything_but_never_returned(self) -> None:
        expected = {k: v for k, v in USER_RESOURCE_BODY.items() if k != "password"}
        assert user() == expected

    def test_input_is_not_modified_and_answer_is_a_copy(self) -> None:
        before = copy.deepcopy(USER_RESOURCE_BODY)
        result = user(excluded=["name.givenName", "emails.type", f"{ENTERPRISE_USER_SCHEMA}"])
        result["emails"][0]["value"] = "changed"
        result["urn:example:custom"]["badge"] = "changed"
        assert before == USER_RESOURCE_BODY


class TestExcludedAttributes:
    def test_top_level_and_sub_attributes(self) -> None:
        result = user(excluded=["emails", "name.familyName", "groups"])
        assert "emails" not in result
        assert "groups" not in result
        assert result["name"] == {"formatted": "Ms. Barbara J Jensen III", "givenName": "B"}

    def test_sub_attribute_of_multi_valued(self) -> None:
        assert user(excluded=["emails.type", "emails.primary"])["emails"] == [
            {"value": "bjensen@example.com"},
            {"value": "babs@jensen.org"},
        ]

    def test_any_case_and_urn_qualified(self) -> None:
        result = user(excluded=[f"{CORE.upper()}:USERNAME", "DisplayName"])
        assert "userName" not in result
        assert "displayName" not in result

    def test_returned_always_cannot_be_excluded(self) -> None:
        result = user(excluded=["id", "schemas"])
        assert result["id"] == USER_RESOURCE_BODY["id"]
        assert result["schemas"] == USER_RESOURCE_BODY["schemas"]

    def test_extension_attribute_and_whole_extension(self) -> None:
        result = user(excluded=[f"{ENTERPRISE_USER_SCHEMA}:manager.displayName"])
        assert result[ENTERPRISE_USER_SCHEMA]["manager"] == {"value": "26118915"}
        assert ENTERPRISE_USER_SCHEMA not in user(excluded=[ENTERPRISE_USER_SCHEMA])

    @pytest.mark.parametrize("name", ["nope", "name.nope", "urn:x:y:z", "emails[type", "a.b.c"])
    def test_unknown_or_malformed_names_are_ignored(self, name: str) -> None:
        assert user(excluded=[name]) == user()


class TestAttributes:
    def test_rfc_7644_section_3_9_example(self) -> None:
        """``GET /Users/{id}?attributes=userName`` (RFC 7644 §3.9), plus meta.resourceType."""
        assert user(["userName"]) == {
            "schemas": USER_RESOURCE_BODY["schemas"],
            "id": USER_RESOURCE_BODY["id"],
            "userName": "bjensen@example.com",
            "meta": {"resourceType": "User"},
        }

    def test_sub_attributes_and_extension_attributes(self) -> None:
        result = user(["name.givenName", f"{ENTERPRISE_USER_SCHEMA}:department"])
        assert result["name"] == {"givenName": "B"}
        assert result[ENTERPRISE_USER_SCHEMA] == {"department": "Tour Operations"}
        assert set(result) == ALWAYS | {"name", ENTERPRISE_USER_SCHEMA}

    def test_several_sub_attributes_of_one_multi_valued_attribute(self) -> None:
        assert user(["emails.value", "emails.type"])["emails"] == [
            {"value": "bjensen@example.com", "type": "work"},
            {"value": "babs@jensen.org", "type": "home"},
        ]

    def test_whole_attribute_wins_over_its_sub_attribute(self) -> None:
        assert user(["name.givenName", "name"])["name"] == USER_RESOURCE_BODY["name"]
        assert user(["name", "name.givenName"])["name"] == USER_RESOURCE_BODY["name"]

    def test_whole_extension_by_urn(self) -> None:
        result = user([ENTERPRISE_USER_SCHEMA])
        assert result[ENTERPRISE_USER_SCHEMA] == USER_RESOURCE_BODY[ENTERPRISE_USER_SCHEMA]

    def test_any_case_urn_qualified_core_attribute(self) -> None:
        assert user([f"{CORE}:userName", "DISPLAYNAME"]) == {
            **user(["userName"]),
            "displayName": "Babs Jensen",
        }

    def test_meta_whole_or_in_part(self) -> None:
        assert user(["meta"])["meta"] == USER_RESOURCE_BODY["meta"]
        assert user(["meta.created"])["meta"] == {
            "resourceType": "User",
            "created": "2010-01-23T04:56:22Z",
        }

    def test_never_returned_even_when_asked(self) -> None:
        assert "password" not in user(["password", "userName"])

    def test_empty_selections_are_left_out(self) -> None:
        """No ``emails: []`` or ``name: {}`` when the asked sub-attribute has no value."""
        result = user(["emails.display", "name.middleName"])
        assert set(result) == ALWAYS

    def test_unknown_names_are_ignored(self) -> None:
        assert user(["nope", "userName", "urn:example:custom"]) == user(["userName"])

    def test_attributes_win_over_excluded_attributes(self) -> None:
        assert user(["userName"], ["userName"]) == user(["userName"])

    def test_group_members_sub_attribute(self) -> None:
        group = {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "id": "e9e30dba",
            "displayName": "Tour Guides",
            "members": [{"value": "2819c223", "$ref": "https://x/Users/2819c223"}],
            "meta": {"resourceType": "Group"},
        }
        assert project(GROUP_RESOURCE, group, ["members.value"], None)["members"] == [
            {"value": "2819c223"}
        ]
        assert "members" not in project(GROUP_RESOURCE, group, None, ["members"])


# A resource type with a ``returned: request`` attribute, which the standard schemas lack.
SECRETIVE = ResourceType(
    id="Widget",
    name="Widget",
    endpoint="/Widgets",
    description="test",
    schema=Schema(
        "urn:example:Widget",
        "Widget",
        "test",
        (
            Attribute("label"),
            Attribute("history", returned="request"),
            Attribute(
                "parts",
                "complex",
                multi_valued=True,
                sub_attributes=(Attribute("value"), Attribute("cost", returned="request")),
            ),
        ),
    ),
)
WIDGET = {
    "schemas": ["urn:example:Widget"],
    "id": "w",
    "label": "L",
    "history": "H",
    "parts": [{"value": "p", "cost": "9"}],
}


class TestReturnedRequest:
    def test_left_out_by_default(self) -> None:
        assert project(SECRETIVE, WIDGET, None, None) == {
            "schemas": ["urn:example:Widget"],
            "id": "w",
            "label": "L",
            "parts": [{"value": "p"}],
        }

    def test_present_when_asked(self) -> None:
        assert project(SECRETIVE, WIDGET, ["history", "parts.cost"], None) == {
            "schemas": ["urn:example:Widget"],
            "id": "w",
            "history": "H",
            "parts": [{"cost": "9"}],
        }

    def test_is_requested(self) -> None:
        assert not is_requested(SECRETIVE, "history", None, None)
        assert is_requested(SECRETIVE, "history", ["history"], None)


class TestIsRequested:
    """Lets the service skip loading members/groups that the answer will not hold."""

    @pytest.mark.parametrize(
        ("attributes", "excluded", "expected"),
        [
            (None, None, True),
            (None, ["members"], False),
            (None, ["MEMBERS"], False),
            (None, ["members.display"], True),  # still needed for the other sub-attributes
            (["displayName"], None, False),
            (["members.value"], None, True),
            (["displayName"], ["displayName"], False),  # attributes wins
        ],
    )
    def test_group_members(
        self, attributes: list[str] | None, excluded: list[str] | None, expected: bool
    ) -> None:
        assert is_requested(GROUP_RESOURCE, "members", attributes, excluded) is expected

    def test_user_groups_and_always_and_never(self) -> None:
        assert not is_requested(USER_RESOURCE, "groups", None, ["groups"])
        assert is_requested(USER_RESOURCE, "id", ["userName"], None)
        assert not is_requested(USER_RESOURCE, "password", ["password"], None)
        assert not is_requested(USER_RESOURCE, "nope", None, None)


NAMES = [a.name for a in USER.attributes] + [
    "id",
    "meta",
    "name.givenName",
    "emails.value",
    f"{ENTERPRISE_USER_SCHEMA}:department",
    ENTERPRISE_USER_SCHEMA,
    "bogus",
]


@given(
    st.lists(st.sampled_from(NAMES), max_size=6),
    st.lists(st.sampled_from(NAMES), max_size=6),
)
def test_any_selection_keeps_always_drops_never_and_leaves_input_alone(
    attributes: list[str], excluded: list[str]
) -> None:
    before = copy.deepcopy(USER_RESOURCE_BODY)
    result = user(attributes or None, excluded or None)
    assert before == USER_RESOURCE_BODY
    assert "password" not in result
    assert result["id"] == before["id"]
    assert result["schemas"] == before["schemas"]
    assert set(result) <= set(before)
