"""The length table and its check on resources as they will be stored (scim/lengths.py)."""

from __future__ import annotations

from typing import Any

import pytest

from scimbridge.scim.errors import ScimError
from scimbridge.scim.lengths import (
    EMAIL_TYPE_LENGTH,
    NAME_LENGTH,
    USER_FIELDS,
    check_lengths,
)
from scimbridge.scim.schemas import GROUP_RESOURCE, USER_RESOURCE, ResourceType

USER_PATHS: list[tuple[str, int, Any]] = [
    ("userName", NAME_LENGTH, lambda v: {"userName": v}),
    ("externalId", NAME_LENGTH, lambda v: {"externalId": v}),
    ("displayName", NAME_LENGTH, lambda v: {"displayName": v}),
    ("name.givenName", NAME_LENGTH, lambda v: {"name": {"givenName": v}}),
    ("name.familyName", NAME_LENGTH, lambda v: {"name": {"familyName": v}}),
    ("emails.value", NAME_LENGTH, lambda v: {"emails": [{"value": "a@x"}, {"value": v}]}),
    ("emails.type", EMAIL_TYPE_LENGTH, lambda v: {"emails": [{"value": "a@x", "type": v}]}),
]
GROUP_PATHS: list[tuple[str, int, Any]] = [
    ("displayName", NAME_LENGTH, lambda v: {"displayName": v}),
    ("externalId", NAME_LENGTH, lambda v: {"externalId": v}),
]
CASES = [(USER_RESOURCE, *case) for case in USER_PATHS] + [
    (GROUP_RESOURCE, *case) for case in GROUP_PATHS
]


def test_every_user_field_of_the_table_is_tested() -> None:
    assert {field.name for field in USER_FIELDS} == {name for name, _, _ in USER_PATHS}


@pytest.mark.parametrize(("resource_type", "name", "limit", "build"), CASES)
def test_at_the_limit_is_accepted(
    resource_type: ResourceType, name: str, limit: int, build: Any
) -> None:
    check_lengths(resource_type, build("x" * limit))


@pytest.mark.parametrize(("resource_type", "name", "limit", "build"), CASES)
def test_one_past_is_invalid_value_naming_field_and_limit(
    resource_type: ResourceType, name: str, limit: int, build: Any
) -> None:
    with pytest.raises(ScimError) as caught:
        check_lengths(resource_type, build("x" * (limit + 1)))
    assert (caught.value.status, caught.value.scim_type) == (400, "invalidValue")
    assert caught.value.detail.startswith(f"{name} is {limit + 1} characters long")
    assert f"at most {limit}" in caught.value.detail


def test_characters_not_bytes_are_counted() -> None:
    check_lengths(USER_RESOURCE, {"userName": "é" * NAME_LENGTH, "displayName": "😀" * 512})


@pytest.mark.parametrize(
    ("resource_type", "resource"),
    [
        (USER_RESOURCE, {"userName": "ß" * 300}),
        (USER_RESOURCE, {"userName": "u", "emails": [{"value": "ß" * 300}]}),
        (GROUP_RESOURCE, {"displayName": "ß" * 300}),
    ],
)
def test_case_folded_keys_must_fit_too(resource_type: ResourceType, resource: Any) -> None:
    """``str.casefold`` turns ß into ss: the folded key column is as long as the value's."""
    with pytest.raises(ScimError) as caught:
        check_lengths(resource_type, resource)
    assert "600 characters long once case-folded" in caught.value.detail


def test_fields_stored_as_they_are_are_not_folded() -> None:
    check_lengths(USER_RESOURCE, {"userName": "u", "displayName": "ß" * 300})


def test_values_that_are_not_strings_are_left_to_validation() -> None:
    check_lengths(USER_RESOURCE, {"userName": "u", "name": "x" * 600, "emails": {"value": 1}})
    check_lengths(USER_RESOURCE, {"userName": "u", "emails": [None, "x" * 600, {"value": 5}]})
