"""Directory API ``User`` / ``Group`` JSON (shapes of the Admin SDK reference) → SCIM."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from scimbridge.connectors.google_mapping import (
    CORE_USER_SCHEMA,
    ENTERPRISE_SCHEMA,
    GOOGLE_GROUP_SCHEMA,
    GOOGLE_USER_SCHEMA,
    group_resource,
    map_emails,
    user_resource,
)

ENT = ENTERPRISE_SCHEMA
RAW = GOOGLE_USER_SCHEMA


def reference_user(**changes: Any) -> dict[str, Any]:
    """A user as ``users.list?projection=full`` returns one (Directory API reference)."""
    user: dict[str, Any] = {
        "kind": "admin#directory#user",
        "id": "114238329157392818313",
        "etag": '"abc"',
        "primaryEmail": "liz@example.com",
        "name": {"givenName": "Elizabeth", "familyName": "Smith", "fullName": "Elizabeth Smith"},
        "isAdmin": False,
        "suspended": False,
        "archived": False,
        "lastLoginTime": "2026-11-30T08:12:44.000Z",
        "emails": [
            {"address": "liz@example.com", "primary": True},
            {"address": "Liz@Example.com", "type": "work"},
            {"address": "liz@home.example", "type": "home"},
            {"address": "ls@example.org", "type": "custom", "customType": "alumni"},
        ],
        "externalIds": [
            {"value": "E-1042", "type": "organization"},
            {"value": "liz.smith", "type": "login_id"},
        ],
        "relations": [
            {"value": "boss@example.com", "type": "manager"},
            {"value": "pa@example.com", "type": "assistant"},
        ],
        "organizations": [
            {"name": "Side Gig", "title": "Adviser", "department": "Board"},
            {
                "name": "Example Ltd",
                "title": "Staff Engineer",
                "primary": True,
                "department": "Platform",
                "costCenter": "CC-7",
                "description": "Full time",
            },
        ],
        "orgUnitPath": "/Engineering",
        "customSchemas": {"Security": {"clearance": "high"}},
        "phones": [{"value": "+1 555 0100", "type": "work"}],
    }
    user.update(changes)
    return user


def test_identity_names_and_active() -> None:
    resource = user_resource(reference_user())
    assert resource["externalId"] == "114238329157392818313"
    assert resource["userName"] == "liz@example.com"
    assert resource["active"] is True
    assert resource["name"] == {
        "givenName": "Elizabeth",
        "familyName": "Smith",
        "formatted": "Elizabeth Smith",
    }
    assert resource["displayName"] == "Elizabeth Smith"
    assert resource["schemas"] == [CORE_USER_SCHEMA, ENT, RAW]


@pytest.mark.parametrize(("suspended", "archived"), [(True, False), (False, True), (True, True)])
def test_suspended_or_archived_is_inactive(suspended: bool, archived: bool) -> None:
    resource = user_resource(reference_user(suspended=suspended, archived=archived))
    assert resource["active"] is False


def test_emails_primary_first_deduplicated_and_typed() -> None:
    assert map_emails(reference_user()) == [
        {"value": "liz@example.com", "type": "work", "primary": True},
        {"value": "liz@home.example", "type": "home"},
        {"value": "ls@example.org", "type": "alumni"},
    ]


def test_enterprise_extension_from_primary_organization_ids_and_manager() -> None:
    resource = user_resource(reference_user())
    assert resource["title"] == "Staff Engineer"
    assert resource[ENT] == {
        "employeeNumber": "E-1042",
        "department": "Platform",
        "costCenter": "CC-7",
        "organization": "Example Ltd",
        "manager": {"value": "boss@example.com"},
    }


def test_everything_else_is_kept_raw_but_volatile_fields_are_not() -> None:
    raw = user_resource(reference_user())[RAW]
    assert raw["orgUnitPath"] == "/Engineering"
    assert raw["customSchemas"] == {"Security": {"clearance": "high"}}
    assert raw["externalIds"][1] == {"value": "liz.smith", "type": "login_id"}
    assert raw["relations"][1]["type"] == "assistant"
    assert raw["phones"] == [{"value": "+1 555 0100", "type": "work"}]
    for volatile in ("lastLoginTime", "etag", "kind"):
        assert volatile not in raw


def test_a_sign_in_changes_nothing() -> None:
    before = user_resource(reference_user())
    after = user_resource(reference_user(lastLoginTime="2026-12-01T07:00:00.000Z", etag='"x"'))
    assert before == after


def test_minimal_user_has_no_enterprise_block() -> None:
    resource = user_resource({"id": "1", "primaryEmail": "a@example.com"})
    assert resource == {
        "schemas": [CORE_USER_SCHEMA],
        "externalId": "1",
        "userName": "a@example.com",
        "active": True,
        "emails": [{"value": "a@example.com", "type": "work", "primary": True}],
    }


@pytest.mark.parametrize("broken", [{"primaryEmail": "a@example.com"}, {"id": "1"}])
def test_user_without_id_or_email_is_refused(broken: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="cannot be mapped"):
        user_resource(broken)


def test_group() -> None:
    group = {
        "kind": "admin#directory#group",
        "id": "0184mhaj2thv9r6",
        "etag": '"e"',
        "email": "eng@example.com",
        "name": "Engineering",
        "directMembersCount": "12",
        "description": "Everyone who ships",
        "adminCreated": True,
    }
    assert group_resource(group) == {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", GOOGLE_GROUP_SCHEMA],
        "externalId": "0184mhaj2thv9r6",
        "displayName": "Engineering",
        GOOGLE_GROUP_SCHEMA: {
            "email": "eng@example.com",
            "description": "Everyone who ships",
            "adminCreated": True,
        },
    }


def test_group_without_name_is_shown_by_email() -> None:
    resource = group_resource({"id": "g1", "email": "all@example.com", "name": ""})
    assert resource["displayName"] == "all@example.com"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
FIELDS = ("name", "emails", "externalIds", "relations", "organizations", "suspended", "archived")


@given(
    junk=st.dictionaries(
        st.sampled_from(FIELDS) | st.text(max_size=8),
        JSON
        | st.lists(
            st.dictionaries(
                st.sampled_from(["type", "value", "address", "primary", "customType", "title"]),
                JSON,
            ),
            max_size=3,
        ),
        max_size=6,
    )
)
@example(junk={"emails": [{"address": "x@example.com", "type": ["work"]}]})
@example(junk={"name": "Ada", "organizations": {"title": "x"}, "relations": [None, 3]})
def test_any_shape_of_the_other_fields_maps_without_crashing(junk: dict[str, Any]) -> None:
    """Whatever Google puts in the optional fields, a user with an id and a primaryEmail
    maps (malformed parts are ignored), and the result is a SCIM User with that identity."""
    resource = user_resource({**junk, "id": "7", "primaryEmail": "p@example.com"})
    assert resource["externalId"] == "7"
    assert resource["userName"] == "p@example.com"
    assert isinstance(resource["active"], bool)
    assert resource["emails"][0] == {"value": "p@example.com", "type": "work", "primary": True}
