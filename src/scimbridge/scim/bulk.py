"""Bulk requests (RFC 7644 §3.7): validation, ``bulkId`` references, order, response.

Operations run in the order that satisfies their ``bulkId`` references (§3.7.1 lets the
server reorder), a reference to an operation that failed or never ran fails the
referring one with 409 (§3.7.2), and ``failOnErrors`` stops the run after that many
errors (§3.7.3). Limits come from ``ServiceProviderConfig`` (§3.7.4).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scimbridge.scim.discovery import ScimLimits
from scimbridge.scim.errors import ScimError, invalid_syntax, invalid_value

BULK_REQUEST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
BULK_PREFIX = "bulkId:"
METHODS = ("POST", "PUT", "PATCH", "DELETE")
ENDPOINTS = ("Users", "Groups")


@dataclass(frozen=True)
class BulkOperation:
    index: int
    method: str
    endpoint: str
    resource_id: str | None  # may be "bulkId:x" until resolved
    bulk_id: str | None
    version: str | None
    data: Any


@dataclass(frozen=True)
class BulkRequest:
    operations: tuple[BulkOperation, ...]
    fail_on_errors: int | None


@dataclass(frozen=True)
class BulkResult:
    operation: BulkOperation
    status: int
    location: str | None = None
    version: str | None = None
    response: dict[str, Any] | None = None


def _path(raw: Any) -> tuple[str, str | None]:
    if not isinstance(raw, str) or not raw.startswith("/"):
        raise invalid_value(f"bulk path {raw!r} must look like /Users or /Users/{{id}}")
    parts = raw.strip("/").split("/")
    if parts[0] not in ENDPOINTS or len(parts) > 2:
        raise invalid_value(f"bulk path {raw!r} must look like /Users or /Users/{{id}}")
    return parts[0], parts[1] if len(parts) == 2 else None


def parse_bulk_request(body: Any, limits: ScimLimits) -> BulkRequest:
    if not isinstance(body, Mapping):
        raise invalid_syntax("a bulk request must be a JSON object")
    operations = body.get("Operations")
    if not isinstance(operations, list):
        raise invalid_syntax("a bulk request needs an Operations list")
    if len(operations) > limits.max_operations:
        raise ScimError(
            413, f"the bulk request has more than maxOperations ({limits.max_operations})"
        )
    fail_on_errors = body.get("failOnErrors")
    if fail_on_errors is not None and (
        not isinstance(fail_on_errors, int)
        or isinstance(fail_on_errors, bool)
        or fail_on_errors < 1
    ):
        raise invalid_value("failOnErrors must be a positive integer")
    parsed = []
    bulk_ids: set[str] = set()
    for index, raw in enumerate(operations):
        if not isinstance(raw, Mapping):
            raise invalid_syntax("each bulk operation must be an object")
        method = str(raw.get("method", "")).upper()
        if method not in METHODS:
            raise invalid_value(
                f"bulk operation {index}: method must be one of {', '.join(METHODS)}"
            )
        endpoint, resource_id = _path(raw.get("path"))
        bulk_id = raw.get("bulkId")
        if bulk_id is not None and (not isinstance(bulk_id, str) or not bulk_id):
            raise invalid_value(f"bulk operation {index}: bulkId must be a non-empty string")
        if method == "POST":
            if bulk_id is None:
                raise invalid_value(f"bulk operation {index}: POST requires a bulkId")
            if resource_id is not None:
                raise invalid_value(f"bulk operation {index}: POST goes to /{endpoint}")
        elif resource_id is None:
            raise invalid_value(f"bulk operation {index}: {method} needs /{endpoint}/{{id}}")
        if bulk_id is not None:
            if bulk_id in bulk_ids:
                raise invalid_value(f"bulkId {bulk_id!r} is used twice")
            bulk_ids.add(bulk_id)
        if method in ("POST", "PUT", "PATCH") and not isinstance(raw.get("data"), Mapping):
            raise invalid_value(f"bulk operation {index}: {method} needs a data object")
        version = raw.get("version")
        parsed.append(
            BulkOperation(
                index,
                method,
                endpoint,
                resource_id,
                bulk_id,
                version if isinstance(version, str) else None,
                raw.get("data"),
            )
        )
    return BulkRequest(tuple(parsed), fail_on_errors)


def references(value: Any) -> set[str]:
    """Every ``bulkId:x`` the value mentions."""
    found: set[str] = set()
    if isinstance(value, str) and value.startswith(BULK_PREFIX):
        found.add(value[len(BULK_PREFIX) :])
    elif isinstance(value, Mapping):
        for item in value.values():
            found |= references(item)
    elif isinstance(value, list):
        for item in value:
            found |= references(item)
    return found


def operation_references(operation: BulkOperation) -> set[str]:
    found = references(operation.data)
    if operation.resource_id and operation.resource_id.startswith(BULK_PREFIX):
        found.add(operation.resource_id[len(BULK_PREFIX) :])
    return found


def resolve_bulk_ids(value: Any, created: Mapping[str, str]) -> Any:
    """Replace ``bulkId:x`` with the id created for x; unknown references raise 409."""
    if isinstance(value, str) and value.startswith(BULK_PREFIX):
        key = value[len(BULK_PREFIX) :]
        if key not in created:
            raise ScimError(
                409,
                f"bulkId {key!r} does not name a resource created in this request",
                "invalidValue",
            )
        return created[key]
    if isinstance(value, Mapping):
        return {k: resolve_bulk_ids(v, created) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_bulk_ids(v, created) for v in value]
    return value


def order_operations(operations: Sequence[BulkOperation]) -> list[BulkOperation]:
    """A dependency order (creators before referrers); circular references keep request order.

    Operations caught in a cycle still run, and fail with 409 when their reference cannot
    be resolved, which is what RFC 7644 §3.7.1 asks of a server that cannot resolve them.
    """
    creators = {op.bulk_id: op for op in operations if op.bulk_id and op.method == "POST"}
    ordered: list[BulkOperation] = []
    state: dict[int, str] = {}

    def visit(op: BulkOperation) -> None:
        if state.get(op.index) == "done" or state.get(op.index) == "visiting":
            return
        state[op.index] = "visiting"
        for ref in sorted(operation_references(op)):
            creator = creators.get(ref)
            if creator is not None and creator.index != op.index:
                visit(creator)
        state[op.index] = "done"
        ordered.append(op)

    for op in operations:
        visit(op)
    return ordered


def bulk_response(results: Sequence[BulkResult]) -> dict[str, Any]:
    operations = []
    for result in sorted(results, key=lambda r: r.operation.index):
        entry: dict[str, Any] = {"method": result.operation.method, "status": str(result.status)}
        if result.operation.bulk_id:
            entry["bulkId"] = result.operation.bulk_id
        if result.location:
            entry["location"] = result.location
        if result.version:
            entry["version"] = result.version
        if result.response is not None:
            entry["response"] = result.response
        operations.append(entry)
    return {"schemas": [BULK_RESPONSE_SCHEMA], "Operations": operations}
