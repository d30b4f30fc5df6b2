"""``attribute_map`` lookups that fill an event's ``custom_attributes``."""

from __future__ import annotations

from scimbridge.directory.normalize import (
    DEFAULT_ATTRIBUTE_MAP,
    custom_attributes,
    lookup_attribute,
)
from scimbridge.scim.schemas import ENTERPRISE_USER_SCHEMA as ENTERPRISE

USER = {
    "userName": "bjensen@example.com",
    "title": "Tour Guide",
    "emails": [
        {"value": "babs@jensen.org", "type": "home"},
        {"value": "bjensen@example.com", "type": "work"},
    ],
    ENTERPRISE: {"department": "Sales", "manager": {"value": "mgr-9"}},
}


def test_default_map_reads_core_and_enterprise_attributes() -> None:
    assert custom_attributes(USER, DEFAULT_ATTRIBUTE_MAP) == {
        "job_title": "Tour Guide",
        "department": "Sales",
        "employee_number": None,
        "cost_center": None,
        "division": None,
        "organization": None,
        "manager_id": "mgr-9",
    }


def test_a_user_without_the_extension_maps_to_nothing_there() -> None:
    plain = {"userName": "x", "title": "Pilot"}
    found = custom_attributes(plain, DEFAULT_ATTRIBUTE_MAP)
    assert found["job_title"] == "Pilot"
    assert {k: v for k, v in found.items() if k != "job_title"} == dict.fromkeys(
        set(DEFAULT_ATTRIBUTE_MAP) - {"job_title"}
    )


def test_names_and_urns_match_case_insensitively() -> None:
    shouting = {"TITLE": "Boss", ENTERPRISE.upper(): {"DEPARTMENT": "R&D"}}
    found = custom_attributes(shouting, DEFAULT_ATTRIBUTE_MAP)
    assert (found["job_title"], found["department"]) == ("Boss", "R&D")


def test_value_filters_and_unparsable_paths() -> None:
    assert lookup_attribute(USER, 'emails[type eq "work"].value') == "bjensen@example.com"
    assert lookup_attribute(USER, "emails[type eq") is None


def test_memoised_roots_belong_to_one_resource() -> None:
    """Each map lookup starts afresh: a second user never sees the first one's extension."""
    first = custom_attributes(USER, DEFAULT_ATTRIBUTE_MAP)
    second = custom_attributes({"userName": "y"}, DEFAULT_ATTRIBUTE_MAP)
    assert first["department"] == "Sales"
    assert second["department"] is None
