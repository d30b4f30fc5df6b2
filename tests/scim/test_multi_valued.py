"""At most one primary and no duplicate (type, value) elements (RFC 7643 §2.4)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scimbridge.scim.multi_valued import normalize_elements, single_primary_without_duplicates
from scimbridge.scim.schemas import ENTERPRISE_USER_SCHEMA, USER_RESOURCE, USER_SCHEMA

EMAILS = USER_RESOURCE.schema.attribute("emails")
assert EMAILS is not None


def emails(*elements: dict[str, Any]) -> list[Any]:
    return single_primary_without_duplicates(EMAILS, list(elements))


class TestPrimary:
    def test_the_last_primary_wins(self) -> None:
        """§2.4: "The primary attribute value "true" MUST appear no more than once"; the
        last one is kept, as RFC 7644 §3.5.2 has PATCH do."""
        assert emails(
            {"value": "a@x.org", "primary": True},
            {"value": "b@x.org"},
            {"value": "c@x.org", "primary": True},
        ) == [
            {"value": "a@x.org", "primary": False},
            {"value": "b@x.org"},
            {"value": "c@x.org", "primary": True},
        ]

    def test_one_primary_is_left_alone(self) -> None:
        elements = [{"value": "a@x.org"}, {"value": "b@x.org", "primary": True}]
        assert emails(*elements) == elements


class TestDuplicates:
    def test_same_type_and_value_in_any_case_is_kept_once(self) -> None:
        """§2.4: the same (type, value) SHOULD NOT appear twice; e-mail values are not
        caseExact (RFC 7643 §4.1.2), so case does not make a new address."""
        assert emails(
            {"value": "Pat@X.org", "type": "work", "display": "first"},
            {"value": "home@x.org", "type": "home"},
            {"value": "pat@x.org", "type": "WORK", "display": "second"},
        ) == [
            {"value": "Pat@X.org", "type": "work", "display": "first"},
            {"value": "home@x.org", "type": "home"},
        ]

    def test_a_dropped_duplicate_hands_its_primary_to_the_kept_one(self) -> None:
        assert emails(
            {"value": "pat@x.org", "type": "work"},
            {"value": "home@x.org", "type": "home", "primary": True},
            {"value": "PAT@x.org", "type": "work", "primary": True},
        ) == [
            {"value": "pat@x.org", "type": "work", "primary": True},
            {"value": "home@x.org", "type": "home", "primary": False},
        ]

    def test_other_types_and_valueless_elements_are_no_duplicates(self) -> None:
        elements = [
            {"value": "pat@x.org", "type": "work"},
            {"value": "pat@x.org", "type": "home"},
            {"value": "pat@x.org"},
            {"type": "work"},
            {"type": "work"},
        ]
        assert emails(*elements) == elements

    def test_case_exact_values_stay_apart(self) -> None:
        """x509Certificates values are base64 (binary, RFC 7643 §2.3.6, §4.1.2)."""
        certificates = USER_RESOURCE.schema.attribute("x509Certificates")
        assert certificates is not None
        elements = [{"value": "TUlJ"}, {"value": "tUlJ"}, {"value": "TUlJ"}]
        assert single_primary_without_duplicates(certificates, elements) == elements[:2]


class TestResource:
    def test_every_multi_valued_attribute_of_the_resource(self) -> None:
        resource: dict[str, Any] = {
            "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
            "userName": "pat",
            "emails": [{"value": "a@x.org", "primary": True}, {"value": "A@x.org"}],
            "phoneNumbers": [
                {"value": "1", "type": "work", "primary": True},
                {"value": "2", "type": "work", "primary": True},
            ],
            ENTERPRISE_USER_SCHEMA: {"department": "R&D"},
        }
        normalize_elements(USER_RESOURCE, resource)
        assert resource["emails"] == [{"value": "a@x.org", "primary": True}]
        assert [p["primary"] for p in resource["phoneNumbers"]] == [False, True]
        assert resource[ENTERPRISE_USER_SCHEMA] == {"department": "R&D"}


element = st.fixed_dictionaries(
    {},
    optional={
        "value": st.sampled_from(["a@x.org", "A@X.org", "b@x.org", ""]),
        "type": st.sampled_from(["work", "WORK", "home"]),
        "primary": st.booleans(),
    },
)


def identity(e: dict[str, Any]) -> tuple[str, str] | None:
    value = e.get("value")
    return (str(e.get("type", "")).casefold(), value.casefold()) if value else None


@given(st.lists(element, max_size=6))
def test_properties(elements: list[dict[str, Any]]) -> None:
    """At most one primary; no repeated identity; first occurrences kept in order;
    the primary one is the last primary's identity; applying twice changes nothing."""
    result = emails(*elements)
    primaries = [e for e in result if e.get("primary") is True]
    assert len(primaries) <= 1
    identities = [identity(e) for e in result if identity(e) is not None]
    assert len(identities) == len(set(identities))
    firsts: list[Any] = []
    for e in elements:
        if identity(e) is None or identity(e) not in [identity(f) for f in firsts]:
            firsts.append(e)
    assert [e.get("value") for e in result] == [e.get("value") for e in firsts]
    last = next((e for e in reversed(elements) if e.get("primary") is True), None)
    if last is None:
        assert primaries == []
    elif identity(last) is not None:
        assert identity(primaries[0]) == identity(last)
    assert emails(*result) == result


@pytest.mark.parametrize("garbage", [[1, "x", None], [{"value": ["a"]}, {"value": ["a"]}]])
def test_non_elements_pass_through(garbage: list[Any]) -> None:
    assert emails(*garbage) == garbage
