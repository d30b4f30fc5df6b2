"""RFC 7643/7644 points the server once got wrong (issue 12 §2), over HTTP, both databases.

Each class names the RFC section it holds the server to; the pure rules behind them are
tested under ``tests/scim/``. Every test re-reads the state a request left behind.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.factories import GROUP_SCHEMA, USER_SCHEMA, group_resource, patch_body, user_resource
from tests.support.assertions import assert_scim_error
from tests.support.clients import create


def emails_of(scim: httpx.Client, user_id: str) -> list[tuple[str | None, str, bool]]:
    """(type, value, primary) of each stored e-mail, as a fresh GET shows them."""
    response = scim.get(f"/Users/{user_id}")
    assert response.status_code == 200, response.text
    return [
        (e.get("type"), e["value"], e.get("primary") is True)
        for e in response.json().get("emails", [])
    ]


class TestPatchFilterMatchingNothing:
    """RFC 7644 §3.5.2.3 ("no record match was made" → 400 noTarget) and §3.12 Table 9."""

    @pytest.mark.parametrize("op", ["add", "replace"])
    @pytest.mark.parametrize(
        ("path", "value"),
        [
            ('emails[value eq "new@example.com"].type', "work"),
            ('emails[type eq "custom"].value', "c@example.com"),
            ('emails[type eq "home"]', {"value": "h@example.com"}),
            ('emails[type eq "home"].primary', True),
        ],
    )
    def test_is_no_target_and_changes_nothing(
        self, scim: httpx.Client, op: str, path: str, value: Any
    ) -> None:
        user = create(scim, "/Users", user_resource())
        before = scim.get(f"/Users/{user['id']}").json()
        response = scim.patch(
            f"/Users/{user['id']}", json=patch_body({"op": op, "path": path, "value": value})
        )
        assert_scim_error(response, 400, "noTarget")
        assert scim.get(f"/Users/{user['id']}").json() == before

    def test_entra_typed_value_path_creates_the_element(self, scim: httpx.Client) -> None:
        """Entra ID's documented exception: ``emails[type eq "work"].value`` on a user with
        no work e-mail creates one, with the canonical type
        (``quirks.element_for_unmatched_filter``)."""
        user = create(
            scim, "/Users", user_resource(emails=[{"value": "h@example.com", "type": "home"}])
        )
        response = scim.patch(
            f"/Users/{user['id']}",
            json=patch_body(
                {"op": "Replace", "path": 'emails[type eq "Work"].value', "value": "w@example.com"}
            ),
        )
        assert response.status_code == 200, response.text
        assert emails_of(scim, user["id"]) == [
            ("home", "h@example.com", False),
            ("work", "w@example.com", False),
        ]
        found = scim.get("/Users", params={"filter": 'emails.value eq "w@example.com"'}).json()
        assert [r["id"] for r in found["Resources"]] == [user["id"]]


class TestSubAttributeAfterValueFilter:
    """``emails[type eq "work"].value eq "x"`` (Entra-style clients), which RFC 7644
    §3.4.2.2's filter grammar lacks, is ``emails[type eq "work" and value eq "x"]``."""

    def test_list_and_search_find_the_user_by_typed_value(self, scim: httpx.Client) -> None:
        work = create(
            scim,
            "/Users",
            user_resource(
                emails=[
                    {"value": "Pat.Work@example.com", "type": "work"},
                    {"value": "pat@home.example", "type": "home"},
                ]
            ),
        )
        create(scim, "/Users", user_resource(emails=[{"value": "pat.work@example.com"}]))
        text = 'emails[type eq "work"].value eq "pat.work@EXAMPLE.com"'
        listed = scim.get("/Users", params={"filter": text})
        assert listed.status_code == 200, listed.text
        assert [r["id"] for r in listed.json()["Resources"]] == [work["id"]]
        searched = scim.post("/Users/.search", json={"filter": text})
        assert [r["id"] for r in searched.json()["Resources"]] == [work["id"]]
        home = scim.get(
            "/Users", params={"filter": 'emails[type eq "home"].value eq "pat.work@example.com"'}
        )
        assert home.json()["totalResults"] == 0

    def test_a_dot_that_is_not_after_brackets_is_still_invalid(self, scim: httpx.Client) -> None:
        response = scim.get("/Users", params={"filter": 'emails[type eq "work"] .value eq "x"'})
        assert_scim_error(response, 400, "invalidFilter")


class TestSortingMissingValues:
    """RFC 7644 §3.4.2.3: resources without the sortBy value come "last if ascending and
    first if descending"; case-insensitive attributes sort case-insensitively."""

    @pytest.mark.parametrize("endpoint", ["GET", ".search"])
    def test_both_orders(self, scim: httpx.Client, endpoint: str) -> None:
        titles = {"a": "Beta", "b": None, "c": "alpha", "d": "Gamma"}
        ids = {
            tag: create(scim, "/Users", user_resource(**({"title": title} if title else {})))["id"]
            for tag, title in titles.items()
        }

        def order(sort_order: str) -> list[str]:
            params = {"sortBy": "title", "sortOrder": sort_order}
            response = (
                scim.get("/Users", params=params)
                if endpoint == "GET"
                else scim.post("/Users/.search", json=params)
            )
            assert response.status_code == 200, response.text
            by_id = {v: k for k, v in ids.items()}
            return [by_id[r["id"]] for r in response.json()["Resources"]]

        assert order("ascending") == ["c", "a", "d", "b"]
        assert order("descending") == ["b", "d", "a", "c"]


class TestUnknownSortBy:
    """RFC 7644 §3.4.2.3: a ``sortBy`` the server cannot sort on is a 400 that names
    ``sortBy`` (not "in filter", which sent clients looking at their filter)."""

    @pytest.mark.parametrize("sort_by", ["favouriteColour", "name", "a b"])
    def test_get_and_search(self, scim: httpx.Client, sort_by: str) -> None:
        for response in (
            scim.get("/Users", params={"sortBy": sort_by}),
            scim.post("/Users/.search", json={"sortBy": sort_by, "filter": "userName pr"}),
        ):
            assert_scim_error(response, 400, "invalidValue")
            detail = response.json()["detail"]
            assert "sortBy" in detail
            assert "filter" not in detail


class TestMe:
    """RFC 7644 §3.11: /Me is not supported, so every method answers 501 with a SCIM
    error body (it was 404 for GET and 405 for the others)."""

    @pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
    def test_every_method_is_501(self, scim: httpx.Client, method: str) -> None:
        body = None if method in ("GET", "DELETE") else user_resource()
        response = scim.request(method, "/Me", json=body)
        assert_scim_error(response, 501)
        assert "/Me" in response.json()["detail"]


class TestForeignSchemaUrns:
    """RFC 7643 §3: a body whose ``schemas`` names another resource type, or SCIM 1.1, is
    400 invalidValue saying which URN the endpoint expects; nothing is created."""

    @pytest.mark.parametrize(
        "schemas", [[GROUP_SCHEMA], ["urn:scim:schemas:core:1.0"], [USER_SCHEMA, GROUP_SCHEMA]]
    )
    def test_users(self, scim: httpx.Client, schemas: list[str]) -> None:
        response = scim.post("/Users", json=user_resource(schemas=schemas))
        assert_scim_error(response, 400, "invalidValue")
        assert USER_SCHEMA in response.json()["detail"]
        assert scim.get("/Users").json()["totalResults"] == 0

    def test_put_is_held_to_it_too(self, scim: httpx.Client) -> None:
        user = create(scim, "/Users", user_resource())
        response = scim.put(
            f"/Users/{user['id']}", json={**user, "schemas": ["urn:scim:schemas:core:1.0"]}
        )
        assert_scim_error(response, 400, "invalidValue")
        assert "SCIM 1.1" in response.json()["detail"]

    def test_groups(self, scim: httpx.Client) -> None:
        response = scim.post("/Groups", json=group_resource(schemas=[USER_SCHEMA]))
        assert_scim_error(response, 400, "invalidValue")
        assert GROUP_SCHEMA in response.json()["detail"]
        assert scim.get("/Groups").json()["totalResults"] == 0


TWO_PRIMARIES = [
    {"value": "first@example.com", "type": "work", "primary": True},
    {"value": "second@example.com", "type": "home", "primary": True},
]
DUPLICATES = [
    {"value": "Pat@Example.com", "type": "work"},
    {"value": "other@example.com", "type": "home"},
    {"value": "pat@example.COM", "type": "WORK", "primary": True},
]
# What either list is stored as: the last primary wins; the first of a duplicate pair is
# kept (its spelling), taking the primary flag of the duplicate it absorbed.
EXPECTED = {
    "two_primaries": [
        ("work", "first@example.com", False),
        ("home", "second@example.com", True),
    ],
    "duplicates": [("work", "Pat@Example.com", True), ("home", "other@example.com", False)],
}
LISTS = {"two_primaries": TWO_PRIMARIES, "duplicates": DUPLICATES}


class TestMultiValuedRules:
    """RFC 7643 §2.4: "primary" true at most once (MUST) — the last one is kept — and no
    repeated (type, value) (SHOULD NOT) — the first is kept; on POST, PUT, PATCH and Bulk."""

    @pytest.mark.parametrize("case", sorted(LISTS))
    def test_post(self, scim: httpx.Client, admin: httpx.Client, case: str) -> None:
        user = create(scim, "/Users", user_resource(emails=LISTS[case]))
        assert emails_of(scim, user["id"]) == EXPECTED[case]
        app = admin.get(f"/api/v1/directories/{user_directory(scim)}/users/{user['id']}")
        assert [(e["type"], e["value"], e["primary"]) for e in app.json()["emails"]] == (
            EXPECTED[case]
        )

    @pytest.mark.parametrize("case", sorted(LISTS))
    def test_put(self, scim: httpx.Client, case: str) -> None:
        user = create(scim, "/Users", user_resource())
        response = scim.put(f"/Users/{user['id']}", json={**user, "emails": LISTS[case]})
        assert response.status_code == 200, response.text
        assert emails_of(scim, user["id"]) == EXPECTED[case]

    @pytest.mark.parametrize("case", sorted(LISTS))
    def test_patch(self, scim: httpx.Client, case: str) -> None:
        user = create(scim, "/Users", user_resource())
        operation = {"op": "replace", "path": "emails", "value": LISTS[case]}
        response = scim.patch(f"/Users/{user['id']}", json=patch_body(operation))
        assert response.status_code == 200, response.text
        assert emails_of(scim, user["id"]) == EXPECTED[case]

    @pytest.mark.parametrize("case", sorted(LISTS))
    def test_bulk(self, scim: httpx.Client, case: str) -> None:
        response = scim.post(
            "/Bulk",
            json={
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                "Operations": [
                    {
                        "method": "POST",
                        "path": "/Users",
                        "bulkId": "u1",
                        "data": user_resource(emails=LISTS[case]),
                    }
                ],
            },
        )
        assert response.status_code == 200, response.text
        location = response.json()["Operations"][0]["location"]
        assert emails_of(scim, location.rsplit("/", 1)[1]) == EXPECTED[case]


def user_directory(scim: httpx.Client) -> str:
    """The directory id in a SCIM client's base URL (``…/scim/v2/{directory_id}``)."""
    return str(scim.base_url).rstrip("/").rsplit("/", 1)[1]


class TestRootSearchSort:
    """RFC 7644 §3.4.3 with §3.4.2.3: at the root, a ``sortBy`` that only Users have sorts
    the Users; Groups have no value for it, so they follow unsorted (was a 400)."""

    def test_users_sorted_then_groups(self, scim: httpx.Client) -> None:
        for name in ("carol@example.com", "alice@example.com", "bob@example.com"):
            create(scim, "/Users", user_resource(userName=name))
        group = create(scim, "/Groups", group_resource())
        response = scim.post("/.search", json={"sortBy": "userName", "sortOrder": "descending"})
        assert response.status_code == 200, response.text
        found = response.json()["Resources"]
        assert [r.get("userName") for r in found[:3]] == [
            "carol@example.com",
            "bob@example.com",
            "alice@example.com",
        ]
        assert [r["id"] for r in found[3:]] == [group["id"]]

    def test_an_attribute_of_neither_is_invalid_value(self, scim: httpx.Client) -> None:
        response = scim.post("/.search", json={"sortBy": "favouriteColour"})
        assert_scim_error(response, 400, "invalidValue")
        assert "sortBy" in response.json()["detail"]
