"""Bulk parsing, bulkId references, ordering and the response (RFC 7644 §3.7)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from scimbridge.scim.bulk import (
    BULK_REQUEST_SCHEMA,
    BULK_RESPONSE_SCHEMA,
    BulkOperation,
    BulkRequest,
    BulkResult,
    bulk_response,
    circular_operations,
    operation_references,
    order_operations,
    parse_bulk_request,
    references,
    resolve_bulk_ids,
)
from scimbridge.scim.discovery import ScimLimits
from scimbridge.scim.errors import ScimError

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
LIMITS = ScimLimits(max_operations=5, max_payload_size=4096, max_results=10)

# RFC 7644 §3.7.2: a user and a group whose member is that user, by bulkId.
RFC_3_7_2: dict[str, Any] = {
    "schemas": [BULK_REQUEST_SCHEMA],
    "Operations": [
        {
            "method": "POST",
            "path": "/Users",
            "bulkId": "qwerty",
            "data": {"schemas": [USER_SCHEMA], "userName": "Alice"},
        },
        {
            "method": "POST",
            "path": "/Groups",
            "bulkId": "ytrewq",
            "data": {
                "schemas": [GROUP_SCHEMA],
                "displayName": "Tour Guides",
                "members": [{"type": "User", "value": "bulkId:qwerty"}],
            },
        },
    ],
}

# RFC 7644 §3.7.1: two groups that are members of each other.
RFC_3_7_1_CIRCULAR: dict[str, Any] = {
    "schemas": [BULK_REQUEST_SCHEMA],
    "Operations": [
        {
            "method": "POST",
            "path": "/Groups",
            "bulkId": "qwerty",
            "data": {
                "schemas": [GROUP_SCHEMA],
                "displayName": "Group A",
                "members": [{"type": "Group", "value": "bulkId:ytrewq"}],
            },
        },
        {
            "method": "POST",
            "path": "/Groups",
            "bulkId": "ytrewq",
            "data": {
                "schemas": [GROUP_SCHEMA],
                "displayName": "Group B",
                "members": [{"type": "Group", "value": "bulkId:qwerty"}],
            },
        },
    ],
}

# RFC 7644 §3.7.3: create, replace, patch and delete, with failOnErrors.
RFC_3_7_3: dict[str, Any] = {
    "schemas": [BULK_REQUEST_SCHEMA],
    "failOnErrors": 1,
    "Operations": [
        {
            "method": "POST",
            "path": "/Users",
            "bulkId": "qwerty",
            "data": {"schemas": [USER_SCHEMA], "userName": "Alice"},
        },
        {
            "method": "PUT",
            "path": "/Users/b7c14771-226c-4d05-8860-134711653041",
            "version": 'W/"3694e05e9dff591"',
            "data": {
                "schemas": [USER_SCHEMA],
                "id": "b7c14771-226c-4d05-8860-134711653041",
                "userName": "Bob",
            },
        },
        {
            "method": "PATCH",
            "path": "/Users/5d8d29d3-342c-4b5f-8683-a3cb6763ffcc",
            "version": 'W/"edac3253e2c0ef2"',
            "data": {
                "schemas": [PATCH_SCHEMA],
                "Operations": [
                    {"op": "remove", "path": "nickName"},
                    {"op": "replace", "path": "userName", "value": "Dave"},
                ],
            },
        },
        {
            "method": "DELETE",
            "path": "/Users/e9025315-6bea-44e1-899c-1e07454e468b",
            "version": 'W/"0ee8add0a938e1a"',
        },
    ],
}


def parse(body: dict[str, Any], limits: ScimLimits = LIMITS) -> BulkRequest:
    return parse_bulk_request(body, limits)


def request(*operations: dict[str, Any]) -> BulkRequest:
    return parse({"schemas": [BULK_REQUEST_SCHEMA], "Operations": list(operations)})


def post(bulk_id: str, *refs: str, endpoint: str = "Groups") -> dict[str, Any]:
    members = [{"value": f"bulkId:{ref}"} for ref in refs]
    return {
        "method": "POST",
        "path": f"/{endpoint}",
        "bulkId": bulk_id,
        "data": {"displayName": bulk_id, "members": members},
    }


def bulk_ids(operations: list[BulkOperation]) -> list[str | None]:
    return [op.bulk_id for op in operations]


class TestParse:
    def test_rfc_section_3_7_3_request(self) -> None:
        parsed = parse(RFC_3_7_3)
        assert parsed.fail_on_errors == 1
        assert [(op.index, op.method, op.endpoint) for op in parsed.operations] == [
            (0, "POST", "Users"),
            (1, "PUT", "Users"),
            (2, "PATCH", "Users"),
            (3, "DELETE", "Users"),
        ]
        create, replace, patch, delete = parsed.operations
        assert (create.bulk_id, create.resource_id, create.path) == ("qwerty", None, "/Users")
        assert replace.resource_id == "b7c14771-226c-4d05-8860-134711653041"
        assert replace.version == 'W/"3694e05e9dff591"'
        assert patch.data["Operations"][1]["value"] == "Dave"
        assert (delete.data, delete.path) == (
            None,
            "/Users/e9025315-6bea-44e1-899c-1e07454e468b",
        )

    def test_lenient_about_case_missing_schemas_and_trailing_slash(self) -> None:
        parsed = parse(
            {
                "operations": [
                    {"METHOD": "post", "Path": "/users/", "BulkId": "a", "Data": {"userName": "a"}},
                    {"method": "delete", "path": "/GROUPS/g1"},
                ]
            }
        )
        assert [(op.method, op.path) for op in parsed.operations] == [
            ("POST", "/Users"),
            ("DELETE", "/Groups/g1"),
        ]

    def test_empty_request(self) -> None:
        assert parse({"schemas": [BULK_REQUEST_SCHEMA], "Operations": []}).operations == ()

    def test_too_many_operations_is_413(self) -> None:
        """RFC 7644 §3.7.4: beyond maxOperations the whole request fails with 413."""
        too_many = [{"method": "DELETE", "path": f"/Users/{i}"} for i in range(6)]
        with pytest.raises(ScimError) as caught:
            request(*too_many)
        assert caught.value.status == 413
        assert "maxOperations (5)" in caught.value.detail
        assert len(request(*too_many[:5]).operations) == 5

    def test_too_large_payload_is_413(self) -> None:
        with pytest.raises(ScimError) as caught:
            parse_bulk_request(RFC_3_7_2, LIMITS, payload_size=4097)
        assert caught.value.status == 413
        assert caught.value.detail == (
            "The size of the bulk operation exceeds the maxPayloadSize (4096)."
        )
        assert parse_bulk_request(RFC_3_7_2, LIMITS, payload_size=4096).operations

    @pytest.mark.parametrize(
        "body",
        [
            [],
            {"schemas": [BULK_REQUEST_SCHEMA]},
            {"schemas": [BULK_REQUEST_SCHEMA], "Operations": {"method": "POST"}},
            {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": []},
            {"schemas": BULK_REQUEST_SCHEMA, "Operations": []},
            {"schemas": [BULK_REQUEST_SCHEMA], "Operations": ["DELETE /Users/1"]},
        ],
    )
    def test_malformed_request_is_invalid_syntax(self, body: Any) -> None:
        with pytest.raises(ScimError) as caught:
            parse_bulk_request(body, LIMITS)
        assert (caught.value.status, caught.value.scim_type) == (400, "invalidSyntax")

    @pytest.mark.parametrize(
        "operation",
        [
            {"method": "GET", "path": "/Users/1"},
            {"method": 1, "path": "/Users/1"},
            {"path": "/Users/1"},
            {"method": "POST", "path": "/Users", "data": {}},  # POST without bulkId
            {"method": "POST", "path": "/Users/1", "bulkId": "a", "data": {}},
            {"method": "POST", "path": "/Users", "bulkId": "", "data": {}},
            {"method": "POST", "path": "/Users", "bulkId": 7, "data": {}},
            {"method": "POST", "path": "/Users", "bulkId": "a"},  # no data
            {"method": "PUT", "path": "/Users", "data": {}},
            {"method": "PATCH", "path": "/Users/1", "data": []},
            {"method": "DELETE", "path": "/Widgets/1"},
            {"method": "DELETE", "path": "Users/1"},
            {"method": "DELETE", "path": "/Users/1/x"},
            {"method": "DELETE", "path": "/Users//"},
            {"method": "DELETE", "path": None},
            {"method": "DELETE", "path": "/Users/1", "version": 3},
        ],
    )
    def test_bad_operation_is_invalid_value(self, operation: dict[str, Any]) -> None:
        with pytest.raises(ScimError) as caught:
            request(operation)
        assert (caught.value.status, caught.value.scim_type) == (400, "invalidValue")

    def test_duplicate_bulk_id_is_invalid_value(self) -> None:
        with pytest.raises(ScimError) as caught:
            request(post("a"), post("a"))
        assert caught.value.scim_type == "invalidValue"

    @pytest.mark.parametrize("fail_on_errors", [0, -1, "1", True, 1.5])
    def test_bad_fail_on_errors(self, fail_on_errors: Any) -> None:
        with pytest.raises(ScimError) as caught:
            parse({**RFC_3_7_2, "failOnErrors": fail_on_errors})
        assert caught.value.scim_type == "invalidValue"


class TestReferences:
    def test_rfc_section_3_7_2_member_reference(self) -> None:
        user, group = parse(RFC_3_7_2).operations
        assert operation_references(user) == set()
        assert operation_references(group) == {"qwerty"}
        resolved = resolve_bulk_ids(group.data, {"qwerty": "92b725cd"})
        assert resolved["members"] == [{"type": "User", "value": "92b725cd"}]

    def test_path_reference(self) -> None:
        (patch,) = request(
            {
                "method": "PATCH",
                "path": "/Groups/bulkId:ytrewq",
                "data": {
                    "schemas": [PATCH_SCHEMA],
                    "Operations": [
                        {"op": "add", "path": "members", "value": [{"value": "bulkId:qwerty"}]}
                    ],
                },
            }
        ).operations
        assert operation_references(patch) == {"ytrewq", "qwerty"}
        created = {"ytrewq": "g1", "qwerty": "u1"}
        assert resolve_bulk_ids(patch.resource_id, created) == "g1"
        assert resolve_bulk_ids(patch.data, created)["Operations"][0]["value"] == [{"value": "u1"}]

    def test_only_whole_values_and_never_keys(self) -> None:
        data = {"bulkId:x": "keep", "note": "see bulkId:x", "n": 3, "ok": True, "none": None}
        assert references(data) == set()
        assert resolve_bulk_ids(data, {}) == data

    def test_resolution_returns_a_new_value(self) -> None:
        data = {"members": [{"value": "bulkId:a"}]}
        before = copy.deepcopy(data)
        assert resolve_bulk_ids(data, {"a": "1"}) == {"members": [{"value": "1"}]}
        assert data == before

    def test_unresolvable_reference_is_409(self) -> None:
        """The referenced POST failed, is missing, or is on a cycle (RFC 7644 §3.7.1)."""
        with pytest.raises(ScimError) as caught:
            resolve_bulk_ids({"members": [{"value": "bulkId:missing"}]}, {"other": "1"})
        assert caught.value.status == 409
        assert "missing" in caught.value.detail


class TestOrder:
    def test_rfc_order_is_kept_when_it_works(self) -> None:
        operations = parse(RFC_3_7_2).operations
        assert bulk_ids(order_operations(operations)) == ["qwerty", "ytrewq"]
        assert circular_operations(operations) == frozenset()

    def test_creators_run_before_referrers(self) -> None:
        operations = request(post("g", "u"), post("u", endpoint="Users"), post("h")).operations
        assert bulk_ids(order_operations(operations)) == ["u", "g", "h"]

    def test_reference_in_path_orders_too(self) -> None:
        patch = {"method": "PATCH", "path": "/Groups/bulkId:g", "data": {"Operations": []}}
        operations = request(patch, post("g")).operations
        assert [op.method for op in order_operations(operations)] == ["POST", "PATCH"]

    def test_long_chains_do_not_recurse(self) -> None:
        """1 000 operations, each referencing the next: no RecursionError."""
        chain = [post(f"b{i}", f"b{i + 1}") for i in range(999)] + [post("b999")]
        body = {"schemas": [BULK_REQUEST_SCHEMA], "Operations": chain}
        operations = parse_bulk_request(body, ScimLimits()).operations
        assert bulk_ids(order_operations(operations)) == [f"b{i}" for i in range(999, -1, -1)]

    def test_rfc_section_3_7_1_circular_reference(self) -> None:
        operations = parse(RFC_3_7_1_CIRCULAR).operations
        assert circular_operations(operations) == frozenset({0, 1})
        assert bulk_ids(order_operations(operations)) == ["qwerty", "ytrewq"]

    def test_operations_behind_a_cycle_and_self_references(self) -> None:
        operations = request(
            post("a", "b"), post("b", "a"), post("c", "a"), post("d"), post("self", "self")
        ).operations
        assert circular_operations(operations) == frozenset({0, 1, 2, 4})
        assert bulk_ids(order_operations(operations)) == ["d", "a", "b", "c", "self"]

    def test_references_to_unknown_bulk_ids_do_not_block(self) -> None:
        operations = request(post("a", "nowhere"), post("b")).operations
        assert bulk_ids(order_operations(operations)) == ["a", "b"]
        assert circular_operations(operations) == frozenset()


class TestResponse:
    def test_rfc_section_3_7_3_response(self) -> None:
        create, replace, patch, delete = parse(RFC_3_7_3).operations
        base = "https://example.com/v2/Users"
        results = [
            BulkResult(delete, 204, f"{base}/e9025315-6bea-44e1-899c-1e07454e468b"),
            BulkResult(create, 201, f"{base}/92b725cd", 'W/"oY4m4wn58tkVjJxK"'),
            BulkResult(replace, 200, f"{base}/b7c14771", 'W/"huJj29dMNgu3WXPD"'),
            BulkResult(patch, 200, f"{base}/5d8d29d3", 'W/"huJj29dMNgu3WXPD"'),
        ]
        assert bulk_response(results) == {
            "schemas": [BULK_RESPONSE_SCHEMA],
            "Operations": [
                {
                    "method": "POST",
                    "bulkId": "qwerty",
                    "location": f"{base}/92b725cd",
                    "version": 'W/"oY4m4wn58tkVjJxK"',
                    "status": "201",
                },
                {
                    "method": "PUT",
                    "location": f"{base}/b7c14771",
                    "version": 'W/"huJj29dMNgu3WXPD"',
                    "status": "200",
                },
                {
                    "method": "PATCH",
                    "location": f"{base}/5d8d29d3",
                    "version": 'W/"huJj29dMNgu3WXPD"',
                    "status": "200",
                },
                {
                    "method": "DELETE",
                    "location": f"{base}/e9025315-6bea-44e1-899c-1e07454e468b",
                    "status": "204",
                },
            ],
        }

    def test_failed_operation_carries_the_error_body(self) -> None:
        """RFC 7644 §3.7.3: a failed POST has no location and a ``response``."""
        (create,) = request(post("qwerty")).operations
        error = ScimError(400, "Request is unparsable", "invalidSyntax")
        body = bulk_response([BulkResult(create, 400, response=error.to_body())])
        assert body["Operations"] == [
            {
                "method": "POST",
                "bulkId": "qwerty",
                "status": "400",
                "response": {
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                    "status": "400",
                    "detail": "Request is unparsable",
                    "scimType": "invalidSyntax",
                },
            }
        ]
