"""PUT (RFC 7644 §3.5.1): the body replaces every writable attribute."""

from __future__ import annotations

from scimbridge.scim.attributes import canonicalize
from scimbridge.scim.quirks import normalize_resource
from scimbridge.scim.replace import replace_resource
from scimbridge.scim.schemas import GROUP_RESOURCE, USER_RESOURCE, USER_SCHEMA
from tests.scim.builders import (
    BADGE_RESOURCE,
    BADGE_URN,
    ENTERPRISE,
    error_of,
    stored_group,
    stored_user,
)


def put(current: dict[str, object], body: dict[str, object]) -> dict[str, object]:
    """The write path's order: quirks, canonical names, then PUT semantics."""
    incoming = canonicalize(USER_RESOURCE, normalize_resource(USER_RESOURCE, body))
    return replace_resource(USER_RESOURCE, current, incoming)


class TestReplaceResource:
    def test_omitted_attributes_are_cleared(self) -> None:
        current = stored_user(title="Tour Guide", **{ENTERPRISE: {"department": "Tours"}})
        result = put(current, {"schemas": [USER_SCHEMA], "userName": "bjensen@example.com"})
        assert result == {"schemas": [USER_SCHEMA], "userName": "bjensen@example.com"}

    def test_okta_full_put_with_read_only_and_password(self) -> None:
        """Okta AIW apps PUT back what they read, with id, meta, groups and a password."""
        result = put(
            stored_user(),
            {
                "schemas": [USER_SCHEMA],
                "id": "someone-else",
                "meta": {"resourceType": "User", "version": 'W/"3"'},
                "groups": [{"value": "g1"}],
                "password": "t1meMa$heen",
                "userName": "bjensen@example.com",
                "active": "False",
            },
        )
        assert result == {
            "schemas": [USER_SCHEMA],
            "userName": "bjensen@example.com",
            "active": False,
        }

    def test_extensions_are_replaced_too(self) -> None:
        current = stored_user(**{ENTERPRISE: {"department": "Tours", "costCenter": "1"}})
        result = put(current, {"userName": "b", f"{ENTERPRISE}:department": "Sales"})
        assert result[ENTERPRISE] == {"department": "Sales"}

    def test_unknown_extension_data_follows_the_body(self) -> None:
        current = stored_user(**{"urn:okta:custom": {"k": "old"}})
        assert "urn:okta:custom" not in put(current, {"userName": "b"})
        assert put(current, {"userName": "b", "urn:okta:custom": {"k": "new"}})[
            "urn:okta:custom"
        ] == {"k": "new"}

    def test_defensive_against_uncanonicalised_input(self) -> None:
        """Read-only and null values never reach the stored dict, whoever calls."""
        result = replace_resource(
            USER_RESOURCE,
            stored_user(),
            {"userName": "b", "id": "x", "meta": {}, "groups": [], "title": None},
        )
        assert result == {"userName": "b"}

    def test_input_is_not_modified(self) -> None:
        current, incoming = stored_user(), {"userName": "b", "title": "x"}
        replace_resource(USER_RESOURCE, current, incoming)
        assert (current, incoming) == (stored_user(), {"userName": "b", "title": "x"})

    def test_group_rename(self) -> None:
        result = replace_resource(GROUP_RESOURCE, stored_group(), {"displayName": "Renamed"})
        assert result == {"displayName": "Renamed"}


class TestImmutable:
    def test_immutable_may_be_set_once_then_must_match(self) -> None:
        first = replace_resource(BADGE_RESOURCE, {"userName": "u"}, {"userName": "u", "badge": "B"})
        assert first["badge"] == "B"
        assert replace_resource(BADGE_RESOURCE, first, {"userName": "v", "badge": "B"}) == {
            "userName": "v",
            "badge": "B",
        }

    def test_changing_an_immutable_value_is_mutability(self) -> None:
        error = error_of(
            replace_resource, BADGE_RESOURCE, {"badge": "B"}, {"userName": "u", "badge": "C"}
        )
        assert (error.status, error.scim_type) == (400, "mutability")

    def test_omitted_immutable_value_is_kept(self) -> None:
        current = {"userName": "u", "badge": "B", BADGE_URN: {"serial": "s1"}}
        assert replace_resource(BADGE_RESOURCE, current, {"userName": "u"}) == current

    def test_immutable_sub_attribute(self) -> None:
        current = {"userName": "u", "desk": {"number": "4", "label": "window"}}
        assert replace_resource(
            BADGE_RESOURCE, current, {"userName": "u", "desk": {"number": "4"}}
        ) == {"userName": "u", "desk": {"number": "4"}}
        error = error_of(
            replace_resource, BADGE_RESOURCE, current, {"userName": "u", "desk": {"number": "5"}}
        )
        assert error.scim_type == "mutability"

    def test_immutable_extension_attribute(self) -> None:
        error = error_of(
            replace_resource,
            BADGE_RESOURCE,
            {BADGE_URN: {"serial": "s1"}},
            {"userName": "u", BADGE_URN: {"serial": "s2"}},
        )
        assert error.scim_type == "mutability"
