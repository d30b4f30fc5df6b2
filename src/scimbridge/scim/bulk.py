"""Bulk requests (RFC 7644 §3.7): validation, ``bulkId`` references, order, response.

The pure half of ``POST /Bulk``; ``services/scim_bulk.py`` runs the operations.

* Order (§3.7.1, §3.7.2): operations run in request order, except that one waits until
  every POST whose ``bulkId`` it references has run. The server may reorder; doing so
  lets a client send a group before the users it lists.
* Circular references (§3.7.1): the service provider "MUST try to resolve circular
  cross-references ... but MAY stop after a failed attempt and instead return HTTP status
  code 409 (Conflict)". Resolving them would mean creating resources without the
  references and patching them in afterwards; this server takes the 409 option. The
  operations on (or behind) a cycle still come last in the order, and their references
  fail to resolve.
* Unresolvable references: a ``bulkId:x`` whose POST failed, never ran or does not exist
  fails the referring operation with the same 409, since the RFC names no other status
  and the conflict is with the state of the bulk job, not the syntax of the operation.
* Limits (§3.7.4): more than ``maxOperations`` operations or more than
  ``maxPayloadSize`` bytes fail the whole request with 413.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from scimbridge.scim.discovery import ScimLimits
from scimbridge.scim.errors import ScimError, invalid_syntax, invalid_value

BULK_REQUEST_SCHEMA: Final = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE_SCHEMA: Final = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
BULK_PREFIX: Final = "bulkId:"
METHODS: Final = ("POST", "PUT", "PATCH", "DELETE")
ENDPOINTS: Final = ("Users", "Groups")


@dataclass(frozen=True)
class BulkOperation:
    """One entry of ``Operations`` (RFC 7644 §3.7), validated.

    ``index`` is the position in the request, which the response keeps. ``path`` is
    split into ``endpoint`` (canonical ``Users``/``Groups``) and ``resource_id``, which
    may still be a ``bulkId:x`` reference until :func:`resolve_bulk_ids` replaces it.
    """

    index: int
    method: str
    endpoint: str
    resource_id: str | None
    bulk_id: str | None
    version: str | None
    data: Any

    @property
    def path(self) -> str:
        """The operation's path as the client wrote it, e.g. ``/Groups/bulkId:qwerty``."""
        suffix = f"/{self.resource_id}" if self.resource_id is not None else ""
        return f"/{self.endpoint}{suffix}"


@dataclass(frozen=True)
class BulkRequest:
    operations: tuple[BulkOperation, ...]
    fail_on_errors: int | None


@dataclass(frozen=True)
class BulkResult:
    """The outcome of one operation; ``response`` is the error body of a failure."""

    operation: BulkOperation
    status: int
    location: str | None = None
    version: str | None = None
    response: dict[str, Any] | None = None


# --------------------------------------------------------------------------- parsing


def parse_bulk_request(
    body: Any, limits: ScimLimits, *, payload_size: int | None = None
) -> BulkRequest:
    """Validate a BulkRequest (RFC 7644 §3.7) before anything runs.

    ``payload_size`` is the size in bytes of the raw body when the caller knows it.
    Limits are checked first: a too-large request is refused with 413 and the
    §3.7.4 detail whatever else is wrong with it. A malformed request as a whole is a
    400 ``invalidSyntax``; a bad value in one operation a 400 ``invalidValue``.
    """
    if payload_size is not None and payload_size > limits.max_payload_size:
        raise ScimError(
            413,
            f"The size of the bulk operation exceeds the maxPayloadSize "
            f"({limits.max_payload_size}).",
        )
    if not isinstance(body, Mapping):
        raise invalid_syntax("a bulk request must be a JSON object")
    _check_schemas(body)
    operations = _get(body, "Operations")
    if not isinstance(operations, list):
        raise invalid_syntax("a bulk request needs an Operations list")
    if len(operations) > limits.max_operations:
        raise ScimError(
            413,
            f"The number of operations ({len(operations)}) exceeds the maxOperations "
            f"({limits.max_operations}).",
        )
    parsed = tuple(_operation(index, raw) for index, raw in enumerate(operations))
    _check_unique_bulk_ids(parsed)
    return BulkRequest(parsed, _fail_on_errors(_get(body, "failOnErrors")))


def _check_schemas(body: Mapping[str, Any]) -> None:
    """``schemas`` must name BulkRequest when present; its absence is tolerated."""
    schemas = _get(body, "schemas")
    if schemas is None:
        return
    folded = (
        {s.casefold() for s in schemas if isinstance(s, str)}
        if isinstance(schemas, list)
        else set()
    )
    if BULK_REQUEST_SCHEMA.casefold() not in folded:
        raise invalid_syntax(f"a bulk request's schemas must contain {BULK_REQUEST_SCHEMA}")


def _fail_on_errors(raw: Any) -> int | None:
    if raw is None:
        return None
    if not isinstance(raw, int) or isinstance(raw, bool) or raw < 1:
        raise invalid_value("failOnErrors must be a positive integer")
    return raw


def _operation(index: int, raw: Any) -> BulkOperation:
    if not isinstance(raw, Mapping):
        raise invalid_syntax(f"bulk operation {index} must be an object")
    method = _get(raw, "method")
    method = method.upper() if isinstance(method, str) else None
    if method not in METHODS:
        raise invalid_value(f"bulk operation {index}: method must be one of {', '.join(METHODS)}")
    endpoint, resource_id = _path(index, _get(raw, "path"))
    bulk_id = _optional_string(index, raw, "bulkId")
    version = _optional_string(index, raw, "version")
    data = _get(raw, "data")
    if method == "POST":
        if bulk_id is None:
            raise invalid_value(f"bulk operation {index}: POST requires a bulkId (§3.7)")
        if resource_id is not None:
            raise invalid_value(f"bulk operation {index}: POST goes to /{endpoint}")
    elif resource_id is None:
        raise invalid_value(f"bulk operation {index}: {method} needs /{endpoint}/{{id}}")
    if method != "DELETE" and not isinstance(data, Mapping):
        raise invalid_value(f"bulk operation {index}: {method} needs a data object")
    return BulkOperation(index, method, endpoint, resource_id, bulk_id, version, data)


def _path(index: int, raw: Any) -> tuple[str, str | None]:
    """``/Users``, ``/Groups``, ``/Users/{id}``, ``/Groups/{id}`` (``id`` may be ``bulkId:x``)."""
    problem = f"bulk operation {index}: path must look like /Users or /Groups/{{id}}"
    if not isinstance(raw, str) or not raw.startswith("/"):
        raise invalid_value(problem)
    parts = raw[1:].rstrip("/").split("/")
    endpoint = next((e for e in ENDPOINTS if e.casefold() == parts[0].casefold()), None)
    if endpoint is None or len(parts) > 2 or (len(parts) == 2 and not parts[1]):
        raise invalid_value(problem)
    return endpoint, parts[1] if len(parts) == 2 else None


def _optional_string(index: int, raw: Mapping[str, Any], name: str) -> str | None:
    value = _get(raw, name)
    if value is not None and (not isinstance(value, str) or not value):
        raise invalid_value(f"bulk operation {index}: {name} must be a non-empty string")
    return value


def _get(mapping: Mapping[str, Any], name: str) -> Any:
    """``mapping[name]`` with the name matched case-insensitively (RFC 7643 §2.1)."""
    if name in mapping:
        return mapping[name]
    folded = name.casefold()
    return next((v for k, v in mapping.items() if str(k).casefold() == folded), None)


def _check_unique_bulk_ids(operations: Sequence[BulkOperation]) -> None:
    """``bulkId`` is unique within a request (§3.7), or references would be ambiguous."""
    seen: set[str] = set()
    for operation in operations:
        if operation.bulk_id is None:
            continue
        if operation.bulk_id in seen:
            raise invalid_value(f"bulkId {operation.bulk_id!r} is used twice")
        seen.add(operation.bulk_id)


# --------------------------------------------------------------------------- references


def references(value: Any) -> set[str]:
    """Every ``x`` of a ``"bulkId:x"`` string anywhere in ``value`` (RFC 7644 §3.7.2)."""
    if isinstance(value, str):
        return {value[len(BULK_PREFIX) :]} if value.startswith(BULK_PREFIX) else set()
    if isinstance(value, Mapping):
        items: list[Any] = list(value.values())
    elif isinstance(value, list):
        items = value
    else:
        return set()
    found: set[str] = set()
    for item in items:
        found |= references(item)
    return found


def operation_references(operation: BulkOperation) -> set[str]:
    """The bulkIds an operation needs: in its data and in its path (``/Groups/bulkId:x``)."""
    found = references(operation.data)
    if operation.resource_id is not None:
        found |= references(operation.resource_id)
    return found


def resolve_bulk_ids(value: Any, created: Mapping[str, str]) -> Any:
    """``value`` with every ``"bulkId:x"`` string replaced by the id created for ``x``.

    Works on any JSON value (a resource, PATCH operations, a path segment) and returns a
    new value. A reference to a bulkId with no created resource raises 409 (see the
    module docstring for why 409).
    """
    if isinstance(value, str):
        return _resolve_one(value, created) if value.startswith(BULK_PREFIX) else value
    if isinstance(value, Mapping):
        return {key: resolve_bulk_ids(item, created) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve_bulk_ids(item, created) for item in value]
    return value


def _resolve_one(reference: str, created: Mapping[str, str]) -> str:
    key = reference[len(BULK_PREFIX) :]
    if key not in created:
        raise ScimError(
            409,
            f"bulkId {key!r} does not name a resource created in this request: its POST "
            "failed, is missing, or is part of a circular reference",
        )
    return created[key]


# --------------------------------------------------------------------------- order


def order_operations(operations: Sequence[BulkOperation]) -> list[BulkOperation]:
    """Request order, except that an operation waits for the POSTs it references.

    A topological sort that always takes the earliest ready operation (RFC 7644 §3.7.1
    lets the server reorder). It is iterative, so a chain of 1 000 references is fine.
    Operations on or behind a circular reference (see :func:`circular_operations`) follow
    in request order; their references then fail with 409.
    """
    ordered, stuck = _sort(operations)
    return [operations[i] for i in ordered] + [operations[i] for i in stuck]


def circular_operations(operations: Sequence[BulkOperation]) -> frozenset[int]:
    """``index`` of each operation that no order can satisfy (RFC 7644 §3.7.1).

    Those on a circular ``bulkId`` reference (including one that references its own
    bulkId) and those that depend on them. The runner may answer them 409 without trying.
    """
    return frozenset(operations[i].index for i in _sort(operations)[1])


def _sort(operations: Sequence[BulkOperation]) -> tuple[list[int], list[int]]:
    """Kahn's algorithm over positions; returns (sorted positions, unsortable positions)."""
    waiting = _dependencies(operations)
    dependents: dict[int, list[int]] = {}
    for position, needs in waiting.items():
        for creator in needs:
            dependents.setdefault(creator, []).append(position)
    ready = [position for position, needs in waiting.items() if not needs]
    heapq.heapify(ready)
    ordered: list[int] = []
    while ready:
        position = heapq.heappop(ready)
        ordered.append(position)
        for dependent in dependents.get(position, ()):
            waiting[dependent].discard(position)
            if not waiting[dependent]:
                heapq.heappush(ready, dependent)
    done = set(ordered)
    return ordered, [p for p in range(len(operations)) if p not in done]


def _dependencies(operations: Sequence[BulkOperation]) -> dict[int, set[int]]:
    """For each position, the positions of the POSTs whose bulkIds it references."""
    creators = {
        op.bulk_id: position
        for position, op in enumerate(operations)
        if op.method == "POST" and op.bulk_id is not None
    }
    return {
        position: {creators[ref] for ref in operation_references(op) if ref in creators}
        for position, op in enumerate(operations)
    }


# --------------------------------------------------------------------------- response


def bulk_response(results: Sequence[BulkResult]) -> dict[str, Any]:
    """A BulkResponse (RFC 7644 §3.7.3), results in request order.

    ``status`` is a string as in the RFC's examples; ``response`` carries the error body
    of a failed operation. Operations never run (``failOnErrors`` reached) are absent.
    """
    ordered = sorted(results, key=lambda result: result.operation.index)
    return {
        "schemas": [BULK_RESPONSE_SCHEMA],
        "Operations": [_result_entry(result) for result in ordered],
    }


def _result_entry(result: BulkResult) -> dict[str, Any]:
    entry: dict[str, Any] = {"method": result.operation.method}
    if result.operation.bulk_id is not None:
        entry["bulkId"] = result.operation.bulk_id
    if result.location is not None:
        entry["location"] = result.location
    if result.version is not None:
        entry["version"] = result.version
    entry["status"] = str(result.status)
    if result.response is not None:
        entry["response"] = result.response
    return entry
