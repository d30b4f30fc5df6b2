"""Projection, listing parameters, ETags, discovery and Bulk parsing (pure)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scimbridge.scim import bulk, discovery, etags, listing, projection
from scimbridge.scim.attributes import canonicalize, validate
from scimbridge.scim.errors import ScimError
from scimbridge.scim.quirks import normalize_resource
from scimbridge.scim.schemas import ENTERPRISE_USER_SCHEMA as ENTERPRISE
from scimbridge.scim.schemas import GROUP_RESOURCE, USER, USER_RESOURCE

RENDERED: dict[str, Any] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": "u1",
    "userName": "b@example.com",
    "name": {"givenName": "B", "familyName": "J"},
    "emails": [{"value": "b@example.com", "type": "work"}],
    "password": "secret",
    ENTERPRISE: {"department": "Sales", "costCenter": "42"},
    "meta": {"resourceType": "User", "version": 'W/"1"'},
}


class TestProjection:
    def test_default_drops_never_returned(self) -> None:
        assert "password" not in projection.project(USER_RESOURCE, RENDERED, None, None)

    def test_attributes_keeps_always_and_asked(self) -> None:
        result = projection.project(
            USER_RESOURCE,
            RENDERED,
            ["userName", "name.givenName", f"{ENTERPRISE}:department"],
            None,
        )
        assert result == {
            "schemas": RENDERED["schemas"],
            "id": "u1",
            "userName": "b@example.com",
            "name": {"givenName": "B"},
            ENTERPRISE: {"department": "Sales"},
            "meta": {"resourceType": "User"},
        }

    def test_sub_attribute_of_multi_valued(self) -> None:
        assert projection.project(USER_RESOURCE, RENDERED, ["emails.value"], None)["emails"] == [
            {"value": "b@example.com"}
        ]

    def test_excluded(self) -> None:
        result = projection.project(
            USER_RESOURCE, RENDERED, None, ["emails", "ID", "name.familyName"]
        )
        assert "emails" not in result
        assert result["id"] == "u1"  # returned: always
        assert result["name"] == {"givenName": "B"}

    def test_is_requested(self) -> None:
        assert not projection.is_requested(GROUP_RESOURCE, "members", None, ["members"])
        assert projection.is_requested(GROUP_RESOURCE, "members", None, None)
        assert not projection.is_requested(GROUP_RESOURCE, "members", ["displayName"], None)


class TestListing:
    def test_defaults_and_clamping(self) -> None:
        params = listing.parse_list_params(
            {"startIndex": "0", "count": "5000"}, default_count=100, max_count=1000
        )
        assert (params.start_index, params.count) == (1, 1000)
        assert (
            listing.parse_list_params({"count": "-3"}, default_count=100, max_count=1000).count == 0
        )

    def test_names_are_case_insensitive(self) -> None:
        params = listing.parse_list_params(
            {"STARTINDEX": "3", "sortorder": "Descending"}, default_count=10, max_count=10
        )
        assert (params.start_index, params.sort_order) == (3, "descending")

    @pytest.mark.parametrize(
        "query", [{"count": "x"}, {"startIndex": "1.5"}, {"sortOrder": "sideways"}]
    )
    def test_bad_values(self, query: dict[str, str]) -> None:
        with pytest.raises(ScimError) as caught:
            listing.parse_list_params(query, default_count=10, max_count=10)
        assert caught.value.scim_type == "invalidValue"

    def test_search_body(self) -> None:
        params = listing.parse_search_body(
            {"filter": 'userName sw "a"', "attributes": ["userName"], "count": 2}
        )
        assert (params.filter, params.attributes, params.count) == (
            'userName sw "a"',
            ["userName"],
            2,
        )
        with pytest.raises(ScimError):
            listing.parse_search_body([])


class TestEtags:
    def test_if_match(self) -> None:
        etags.check_if_match(None, 'W/"2"')
        etags.check_if_match('W/"2"', 'W/"2"')
        etags.check_if_match('"2"', 'W/"2"')
        etags.check_if_match('W/"1", W/"2"', 'W/"2"')
        etags.check_if_match("*", 'W/"2"')
        with pytest.raises(ScimError) as caught:
            etags.check_if_match('W/"1"', 'W/"2"')
        assert caught.value.status == 412

    def test_if_none_match(self) -> None:
        assert etags.if_none_match_satisfied('W/"2"', 'W/"2"')
        assert not etags.if_none_match_satisfied('W/"1"', 'W/"2"')


class TestDiscovery:
    def test_schemas_document_every_attribute(self) -> None:
        documents = discovery.schemas_documents("http://x/scim/v2/d")
        user = next(d for d in documents if d["id"] == USER.id)
        names = {a["name"] for a in user["attributes"]}
        assert {a.name for a in USER.attributes} <= names
        assert {"id", "externalId", "meta"} <= names
        json.dumps(documents)

    def test_unknown_is_404(self) -> None:
        with pytest.raises(ScimError) as caught:
            discovery.schema_document("http://x", "urn:nope")
        assert caught.value.status == 404

    def test_service_provider_config_tells_the_limits(self) -> None:
        config = discovery.service_provider_config("http://x", discovery.ScimLimits(10, 2048, 50))
        assert config["bulk"] == {"supported": True, "maxOperations": 10, "maxPayloadSize": 2048}
        assert config["filter"] == {"supported": True, "maxResults": 50}


class TestResourceRules:
    def test_canonical_names_extensions_and_read_only(self) -> None:
        resource = canonicalize(
            USER_RESOURCE,
            {
                "USERNAME": "x",
                "Name": {"GivenName": "A"},
                "id": "ignored",
                "groups": [{"value": "g"}],
                "password": "p",
                f"{ENTERPRISE}:department": "R&D",
                "urn:okta:custom": {"k": "v"},
            },
        )
        assert resource == {
            "userName": "x",
            "name": {"givenName": "A"},
            ENTERPRISE: {"department": "R&D"},
            "urn:okta:custom": {"k": "v"},
        }

    def test_quirks(self) -> None:
        resource = normalize_resource(
            USER_RESOURCE,
            {
                "userName": "x",
                "active": "False",
                "emails": {"value": "a@b.c", "primary": "true"},
                ENTERPRISE: {"manager": "m"},
            },
        )
        assert resource["active"] is False
        assert resource["emails"] == [{"value": "a@b.c", "primary": True}]
        assert resource[ENTERPRISE]["manager"] == {"value": "m"}

    @pytest.mark.parametrize(
        "resource",
        [
            {},
            {"userName": 1},
            {"userName": "x", "active": "yes"},
            {"userName": "x", "emails": "a@b"},
            {"userName": "x", "name": []},
        ],
    )
    def test_validation(self, resource: dict[str, Any]) -> None:
        with pytest.raises(ScimError) as caught:
            validate(USER_RESOURCE, resource)
        assert caught.value.scim_type == "invalidValue"


class TestBulk:
    LIMITS = discovery.ScimLimits(max_operations=3)

    def request(self, *operations: dict[str, Any], **extra: Any) -> bulk.BulkRequest:
        body = {"schemas": [bulk.BULK_REQUEST_SCHEMA], "Operations": list(operations), **extra}
        return bulk.parse_bulk_request(body, self.LIMITS)

    def test_orders_creators_before_referrers(self) -> None:
        """RFC 7644 §3.7.2: a group referencing a user created later in the request."""
        parsed = self.request(
            {
                "method": "POST",
                "path": "/Groups",
                "bulkId": "g",
                "data": {"displayName": "G", "members": [{"value": "bulkId:u"}]},
            },
            {"method": "POST", "path": "/Users", "bulkId": "u", "data": {"userName": "u"}},
        )
        assert [op.bulk_id for op in bulk.order_operations(parsed.operations)] == ["u", "g"]
        assert bulk.resolve_bulk_ids(parsed.operations[0].data, {"u": "user_1"})["members"] == [
            {"value": "user_1"}
        ]

    def test_unresolvable_reference_is_409(self) -> None:
        with pytest.raises(ScimError) as caught:
            bulk.resolve_bulk_ids({"value": "bulkId:missing"}, {})
        assert caught.value.status == 409

    def test_limits_and_validation(self) -> None:
        with pytest.raises(ScimError) as caught:
            self.request(*[{"method": "DELETE", "path": f"/Users/{i}"} for i in range(4)])
        assert caught.value.status == 413
        for bad in (
            {"method": "POST", "path": "/Users", "data": {}},
            {"method": "GET", "path": "/Users/1"},
            {"method": "PUT", "path": "/Users", "data": {}},
            {"method": "DELETE", "path": "/Widgets/1"},
        ):
            with pytest.raises(ScimError):
                self.request(bad)
