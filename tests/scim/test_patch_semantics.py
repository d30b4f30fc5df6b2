"""PATCH (RFC 7644 §3.5.2) and the IdP variants of it, as pure functions."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scimbridge.scim.errors import ScimError
from scimbridge.scim.patch import MemberOp, apply_patch
from scimbridge.scim.schemas import ENTERPRISE_USER_SCHEMA as ENTERPRISE
from scimbridge.scim.schemas import GROUP_RESOURCE, USER_RESOURCE


def ops(*operations: dict[str, Any]) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": list(operations),
    }


def user(**extra: Any) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "bjensen@example.com",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "emails": [{"value": "bjensen@example.com", "type": "work", "primary": True}],
        "active": True,
        **extra,
    }


def patched(body: dict[str, Any], resource: dict[str, Any] | None = None) -> dict[str, Any]:
    return apply_patch(USER_RESOURCE, resource or user(), body).resource


def scim_type_of(body: dict[str, Any], resource: dict[str, Any] | None = None) -> str | None:
    with pytest.raises(ScimError) as caught:
        apply_patch(USER_RESOURCE, resource or user(), body)
    assert caught.value.status == 400
    return caught.value.scim_type


class TestRfcOperations:
    def test_add_emails_appends_without_duplicates(self) -> None:
        """RFC 7644 §3.5.2.1: add to a multi-valued attribute."""
        result = patched(
            ops(
                {
                    "op": "add",
                    "path": "emails",
                    "value": [
                        {"value": "babs@jensen.org", "type": "home"},
                        {"value": "BJENSEN@example.com", "type": "work"},
                    ],
                }
            )
        )
        assert [e["value"] for e in result["emails"]] == ["bjensen@example.com", "babs@jensen.org"]

    def test_one_primary(self) -> None:
        result = patched(
            ops({"op": "add", "path": "emails", "value": [{"value": "b@x.org", "primary": True}]})
        )
        assert [e.get("primary") for e in result["emails"]] == [False, True]

    def test_replace_sub_attribute(self) -> None:
        assert patched(ops({"op": "replace", "path": "name.familyName", "value": "Ng"}))[
            "name"
        ] == {
            "givenName": "Barbara",
            "familyName": "Ng",
        }

    def test_replace_complex_merges_sub_attributes(self) -> None:
        result = patched(ops({"op": "replace", "path": "name", "value": {"givenName": "Babs"}}))
        assert result["name"] == {"givenName": "Babs", "familyName": "Jensen"}

    def test_replace_filtered_element(self) -> None:
        result = patched(
            ops(
                {
                    "op": "replace",
                    "path": 'emails[type eq "work"]',
                    "value": {"value": "new@example.com", "type": "work"},
                }
            )
        )
        assert result["emails"] == [{"value": "new@example.com", "type": "work"}]

    def test_remove_filtered_element_and_attribute(self) -> None:
        assert "emails" not in patched(ops({"op": "remove", "path": 'emails[type eq "work"]'}))
        assert "name" not in patched(ops({"op": "remove", "path": "name"}))

    def test_remove_without_path_is_no_target(self) -> None:
        assert scim_type_of(ops({"op": "remove"})) == "noTarget"

    def test_replace_filter_with_no_match_and_no_describable_element_is_no_target(self) -> None:
        assert (
            scim_type_of(
                ops({"op": "replace", "path": 'emails[value co "zzz"]', "value": {"value": "x"}})
            )
            == "noTarget"
        )

    def test_read_only_is_mutability(self) -> None:
        assert scim_type_of(ops({"op": "replace", "path": "id", "value": "x"})) == "mutability"
        assert (
            scim_type_of(ops({"op": "add", "path": "groups", "value": [{"value": "g"}]}))
            == "mutability"
        )

    def test_unknown_attribute_is_invalid_path(self) -> None:
        assert (
            scim_type_of(ops({"op": "replace", "path": "favouriteColour", "value": "x"}))
            == "invalidPath"
        )
        assert (
            scim_type_of(ops({"op": "replace", "path": "name.nope", "value": "x"})) == "invalidPath"
        )

    def test_bad_ops(self) -> None:
        assert scim_type_of({"Operations": []}) == "invalidSyntax"
        assert scim_type_of(ops({"op": "move", "path": "title", "value": "x"})) == "invalidSyntax"
        assert scim_type_of(ops({"op": "add", "path": "title"})) == "invalidValue"

    def test_atomic_first_error_changes_nothing(self) -> None:
        resource = user()
        with pytest.raises(ScimError):
            apply_patch(
                USER_RESOURCE,
                resource,
                ops(
                    {"op": "replace", "path": "title", "value": "x"},
                    {"op": "replace", "path": "id", "value": "y"},
                ),
            )
        assert resource == user()

    def test_no_op_reports_unchanged(self) -> None:
        assert not apply_patch(
            USER_RESOURCE, user(), ops({"op": "replace", "path": "active", "value": True})
        ).changed


class TestIdpVariants:
    def test_entra_capitalised_ops_and_string_booleans(self) -> None:
        result = patched(ops({"op": "Replace", "path": "active", "value": "False"}))
        assert result["active"] is False

    def test_entra_pathless_dotted_and_urn_keys(self) -> None:
        result = patched(
            ops(
                {
                    "op": "Add",
                    "value": {
                        "name.givenName": "Babs",
                        f"{ENTERPRISE}:department": "Tour Operations",
                        f"{ENTERPRISE}:manager": "mgr-1",
                    },
                }
            )
        )
        assert result["name"]["givenName"] == "Babs"
        assert result[ENTERPRISE] == {
            "department": "Tour Operations",
            "manager": {"value": "mgr-1"},
        }
        assert ENTERPRISE in result["schemas"]

    def test_entra_email_value_path(self) -> None:
        result = patched(
            ops({"op": "Replace", "path": 'emails[type eq "work"].value', "value": "w@example.com"})
        )
        assert result["emails"][0]["value"] == "w@example.com"
        created = patched(
            ops({"op": "Add", "path": 'emails[type eq "work"].value', "value": "w@example.com"}),
            user(emails=[]),
        )
        assert created["emails"] == [{"type": "work", "value": "w@example.com"}]

    def test_entra_manager_by_path(self) -> None:
        result = patched(ops({"op": "Add", "path": f"{ENTERPRISE}:manager", "value": "boss"}))
        assert result[ENTERPRISE]["manager"] == {"value": "boss"}

    def test_okta_pathless_active(self) -> None:
        assert patched(ops({"op": "replace", "value": {"active": False}}))["active"] is False

    def test_onelogin_single_object_email(self) -> None:
        result = patched(
            ops(
                {
                    "op": "replace",
                    "path": "emails",
                    "value": {"value": "one@x.org", "primary": True},
                }
            )
        )
        assert result["emails"] == [{"value": "one@x.org", "primary": True}]

    def test_unknown_extension_is_kept(self) -> None:
        result = patched(ops({"op": "add", "path": "urn:okta:custom:1.0:costCode", "value": "42"}))
        assert result["urn:okta:custom:1.0"] == {"costCode": "42"}


class TestGroupMembers:
    GROUP: ClassVar[dict[str, Any]] = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Eng",
    }

    def member_ops(self, *operations: dict[str, Any]) -> tuple[MemberOp, ...]:
        return apply_patch(GROUP_RESOURCE, self.GROUP, ops(*operations)).member_ops

    def test_add_and_remove(self) -> None:
        assert self.member_ops(
            {"op": "add", "path": "members", "value": [{"value": "a"}, {"value": "b"}]}
        ) == (MemberOp("add", ("a", "b")),)
        assert self.member_ops({"op": "remove", "path": 'members[value eq "a"]'}) == (
            MemberOp("remove", ("a",)),
        )
        assert self.member_ops(
            {"op": "remove", "path": 'members[value eq "a" or value eq "b"]'}
        ) == (MemberOp("remove", ("a", "b")),)

    def test_entra_remove_by_value_list(self) -> None:
        assert self.member_ops({"op": "Remove", "path": "members", "value": [{"value": "a"}]}) == (
            MemberOp("remove", ("a",)),
        )

    def test_remove_all_and_replace(self) -> None:
        assert self.member_ops({"op": "remove", "path": "members"}) == (MemberOp("remove_all"),)
        assert self.member_ops({"op": "replace", "path": "members", "value": [{"value": "c"}]}) == (
            MemberOp("replace", ("c",)),
        )

    def test_okta_rename_with_id_in_value(self) -> None:
        result = apply_patch(
            GROUP_RESOURCE,
            self.GROUP,
            ops({"op": "replace", "value": {"id": "g1", "displayName": "Eng 2"}}),
        )
        assert result.resource["displayName"] == "Eng 2"
        assert result.member_ops == ()

    def test_member_filter_on_other_attribute_is_invalid_filter(self) -> None:
        with pytest.raises(ScimError) as caught:
            apply_patch(
                GROUP_RESOURCE, self.GROUP, ops({"op": "remove", "path": 'members[display eq "x"]'})
            )
        assert caught.value.scim_type == "invalidFilter"


operation = st.fixed_dictionaries(
    {
        "op": st.sampled_from(["add", "replace", "remove", "Add", "Replace", "nope"]),
    },
    optional={
        "path": st.one_of(
            st.sampled_from(
                [
                    "title",
                    "name.givenName",
                    "emails",
                    'emails[type eq "work"].value',
                    "active",
                    "id",
                    "x[",
                    "",
                ]
            ),
            st.text(max_size=20),
        ),
        "value": st.one_of(
            st.none(),
            st.booleans(),
            st.text(max_size=10),
            st.integers(),
            st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3),
            st.lists(
                st.dictionaries(
                    st.sampled_from(["value", "type", "primary"]), st.text(max_size=5), max_size=3
                ),
                max_size=3,
            ),
        ),
    },
)


@settings(max_examples=300, deadline=None)
@given(st.lists(operation, max_size=5))
def test_random_patches_only_ever_fail_with_4xx_scim_errors(
    operations: list[dict[str, Any]],
) -> None:
    failure: ScimError | None = None
    try:
        apply_patch(USER_RESOURCE, user(), {"Operations": operations})
    except ScimError as error:
        failure = error
    if failure is not None:
        assert 400 <= failure.status < 500
