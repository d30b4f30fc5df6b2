"""IdP input normalisation, rule by rule and through the two entry points."""

from __future__ import annotations

from typing import Any

import pytest

from scimbridge.scim.paths import parse_path
from scimbridge.scim.quirks import (
    element_for_unmatched_filter,
    lower_op,
    manager_from_string,
    normalize_patch_operation,
    normalize_resource,
    normalize_value,
    single_object_to_list,
    string_boolean,
    string_number,
)
from scimbridge.scim.schemas import ENTERPRISE_USER, GROUP_RESOURCE, USER, USER_RESOURCE, Attribute
from tests.scim.builders import BADGE_RESOURCE, ENTERPRISE


def user_attribute(name: str) -> Attribute:
    found = USER.attribute(name)
    assert found is not None
    return found


MANAGER = ENTERPRISE_USER.attribute("manager")
assert MANAGER is not None


class TestRules:
    @pytest.mark.parametrize(
        ("sent", "expected"), [("Replace", "replace"), ("ADD", "add"), (" Remove ", "remove")]
    )
    def test_entra_capitalised_op_names(self, sent: str, expected: str) -> None:
        assert lower_op(sent) == expected

    def test_lower_op_leaves_non_strings(self) -> None:
        assert lower_op(None) is None
        assert lower_op(3) == 3

    @pytest.mark.parametrize(
        ("sent", "expected"),
        [("True", True), ("False", False), ("false", False), ("TRUE", True), (" true ", True)],
    )
    def test_entra_string_booleans(self, sent: str, expected: bool) -> None:
        assert string_boolean(sent) is expected

    @pytest.mark.parametrize("sent", ["yes", "", "1", 1, None, True])
    def test_string_boolean_leaves_everything_else(self, sent: Any) -> None:
        assert string_boolean(sent) == sent

    def test_numbers_as_strings(self) -> None:
        floor = BADGE_RESOURCE.schema.attribute("floor")
        height = BADGE_RESOURCE.schema.attribute("height")
        assert floor is not None
        assert height is not None
        assert string_number(floor, "42") == 42
        assert string_number(floor, " 7 ") == 7
        assert string_number(height, "1.75") == 1.75
        assert string_number(floor, "4.5") == "4.5"  # validation rejects it
        assert string_number(user_attribute("title"), "42") == "42"

    def test_single_object_becomes_a_list(self) -> None:
        """OneLogin: ``"emails": {"value": …}``."""
        emails = user_attribute("emails")
        assert single_object_to_list(emails, {"value": "a@x"}) == [{"value": "a@x"}]
        assert single_object_to_list(emails, [{"value": "a@x"}]) == [{"value": "a@x"}]
        assert single_object_to_list(user_attribute("name"), {"givenName": "A"}) == {
            "givenName": "A"
        }

    def test_entra_manager_as_a_bare_string(self) -> None:
        assert manager_from_string(MANAGER, "26118915-6090") == {"value": "26118915-6090"}
        assert manager_from_string(MANAGER, "") is None
        assert manager_from_string(MANAGER, {"value": "m"}) == {"value": "m"}
        assert manager_from_string(user_attribute("title"), "boss") == "boss"

    def test_primary_as_string_inside_elements(self) -> None:
        emails = user_attribute("emails")
        assert normalize_value(emails, {"value": "a@x", "Primary": "True"}) == [
            {"value": "a@x", "Primary": True}
        ]


class TestNormalizeResource:
    def test_post_body_as_onelogin_and_entra_send_it(self) -> None:
        result = normalize_resource(
            USER_RESOURCE,
            {
                "userName": "x",
                "Active": "False",
                "emails": {"value": "a@b.c", "primary": "true"},
                "phoneNumbers": [{"value": "+1", "primary": "FALSE"}],
                ENTERPRISE: {"Manager": "m1"},
                f"{ENTERPRISE}:manager": "m2",
                "urn:okta:custom": {"active": "False"},
                "favouriteColour": "True",
            },
        )
        assert result == {
            "userName": "x",
            "Active": False,
            "emails": [{"value": "a@b.c", "primary": True}],
            "phoneNumbers": [{"value": "+1", "primary": False}],
            ENTERPRISE: {"Manager": {"value": "m1"}},
            f"{ENTERPRISE}:manager": {"value": "m2"},
            "urn:okta:custom": {"active": "False"},  # unknown: kept exactly as sent
            "favouriteColour": "True",
        }

    def test_empty_manager_string_drops_it(self) -> None:
        assert normalize_resource(USER_RESOURCE, {ENTERPRISE: {"manager": ""}}) == {ENTERPRISE: {}}

    def test_unparseable_values_pass_through_for_validation(self) -> None:
        body = {"active": "maybe", "emails": "a@b", "name": ["x"]}
        assert normalize_resource(USER_RESOURCE, body) == body

    def test_group_members_single_object(self) -> None:
        assert normalize_resource(GROUP_RESOURCE, {"members": {"value": "u1"}}) == {
            "members": [{"value": "u1"}]
        }


class TestNormalizePatchOperation:
    def test_member_names_and_op_in_any_case(self) -> None:
        result = normalize_patch_operation(
            USER_RESOURCE, {"Op": "Replace", "Path": "active", "Value": "False"}
        )
        assert result == {"op": "replace", "path": "active", "value": False}

    def test_filtered_sub_attribute_path(self) -> None:
        result = normalize_patch_operation(
            USER_RESOURCE,
            {"op": "Replace", "path": 'emails[type eq "work"].primary', "value": "True"},
        )
        assert result["value"] is True

    def test_filtered_element_path_keeps_one_object(self) -> None:
        result = normalize_patch_operation(
            USER_RESOURCE,
            {"op": "add", "path": 'emails[type eq "work"]', "value": {"primary": "true"}},
        )
        assert result["value"] == {"primary": True}

    def test_multi_valued_path_with_one_object(self) -> None:
        result = normalize_patch_operation(
            USER_RESOURCE, {"op": "replace", "path": "emails", "value": {"value": "one@x.org"}}
        )
        assert result["value"] == [{"value": "one@x.org"}]

    def test_manager_by_path(self) -> None:
        result = normalize_patch_operation(
            USER_RESOURCE, {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": "boss"}
        )
        assert result["value"] == {"value": "boss"}

    def test_pathless_value_keys_are_paths(self) -> None:
        """Entra ID: path-less values keyed by dotted names and URN-qualified names."""
        result = normalize_patch_operation(
            USER_RESOURCE,
            {
                "op": "Replace",
                "value": {
                    "active": "False",
                    "name.givenName": "Babs",
                    f"{ENTERPRISE}:manager": "m1",
                    ENTERPRISE: {"manager": "m2"},
                    'emails[type eq "work"].primary': "true",
                    "not a [path": "True",
                },
            },
        )
        assert result["value"] == {
            "active": False,
            "name.givenName": "Babs",
            f"{ENTERPRISE}:manager": {"value": "m1"},
            ENTERPRISE: {"manager": {"value": "m2"}},
            'emails[type eq "work"].primary': True,
            "not a [path": "True",
        }

    def test_unparseable_path_and_missing_value_pass_through(self) -> None:
        bad = normalize_patch_operation(USER_RESOURCE, {"op": "add", "path": "x[", "value": "1"})
        assert bad == {"op": "add", "path": "x[", "value": "1"}
        assert normalize_patch_operation(USER_RESOURCE, {"op": "Remove", "path": "title"}) == {
            "op": "remove",
            "path": "title",
        }

    def test_okta_pathless_active_is_already_rfc_shaped(self) -> None:
        operation = {"op": "replace", "value": {"active": False}}
        assert normalize_patch_operation(USER_RESOURCE, operation) == operation


class TestElementForUnmatchedFilter:
    """Entra ID's ``attr[type eq "<type>"].<sub>`` creates its element (Microsoft Learn,
    "Tutorial: Develop and plan provisioning for a SCIM endpoint", "Update User
    [Multi-valued properties]"); every other unmatched filter is RFC 7644 §3.5.2.3's
    noTarget, which the caller raises when this answers None."""

    @staticmethod
    def element(path: str) -> dict[str, Any] | None:
        parsed = parse_path(path, USER_RESOURCE.schema_uris())
        assert parsed.attr is not None
        assert parsed.value_filter is not None
        attribute = USER.attribute(parsed.attr)
        assert attribute is not None
        sub = attribute.sub(parsed.sub_attr) if parsed.sub_attr else None
        return element_for_unmatched_filter(attribute, parsed.value_filter, sub)

    @pytest.mark.parametrize(
        ("path", "created"),
        [
            ('emails[type eq "work"].value', {"type": "work"}),
            ('emails[TYPE EQ "Home"].value', {"type": "home"}),
            ('phoneNumbers[type eq "mobile"].value', {"type": "mobile"}),
            ('addresses[type eq "work"].locality', {"type": "work"}),
        ],
    )
    def test_entra_shapes(self, path: str, created: dict[str, Any]) -> None:
        assert self.element(path) == created

    @pytest.mark.parametrize(
        "path",
        [
            'emails[type eq "work"]',
            'emails[type eq "work"].primary',
            'emails[type eq "work"].display',
            'emails[type eq "work"].type',
            'emails[type eq "custom"].value',
            'emails[type co "work"].value',
            'emails[value eq "a@b"].type',
            'emails[type eq "work" and primary eq true].value',
            'emails[not (type eq "work")].value',
            'ims[type eq "xmpp"].value',
            'x509Certificates[value eq "x"].display',
        ],
    )
    def test_other_shapes_create_nothing(self, path: str) -> None:
        assert self.element(path) is None
