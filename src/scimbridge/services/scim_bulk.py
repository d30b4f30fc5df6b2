"""``POST /Bulk`` (RFC 7644 §3.7): each operation in its own transaction, in dependency order.

Operations are independent by definition (one failing does not undo the others), so each
goes through the same single-request path as its standalone equivalent — same checks,
same events — with ``bulkId:`` references replaced by the ids created earlier in the
request.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from scimbridge.runtime import Runtime
from scimbridge.scim import bulk
from scimbridge.scim.discovery import ScimLimits
from scimbridge.scim.errors import ScimError
from scimbridge.scim.schemas import GROUP_RESOURCE, USER_RESOURCE
from scimbridge.services import scim


def limits(runtime: Runtime) -> ScimLimits:
    settings = runtime.settings
    return ScimLimits(
        max_operations=1000,
        max_payload_size=settings.max_body_bytes,
        max_results=settings.scim_max_count,
    )


def _run_one(
    runtime: Runtime, call: scim.ScimCall, operation: bulk.BulkOperation, created: dict[str, str]
) -> bulk.BulkResult:
    resource_type = USER_RESOURCE if operation.endpoint == "Users" else GROUP_RESOURCE
    resource_id = (
        bulk.resolve_bulk_ids(operation.resource_id, created) if operation.resource_id else None
    )
    data = bulk.resolve_bulk_ids(operation.data, created)
    op_call = dataclasses.replace(call, query={}, if_match=operation.version)
    if operation.method == "POST":
        answer = scim.create(runtime, op_call, resource_type, data)
    elif operation.method == "PUT":
        answer = scim.replace(runtime, op_call, resource_type, str(resource_id), data)
    elif operation.method == "PATCH":
        answer = scim.patch(runtime, op_call, resource_type, str(resource_id), data)
    else:
        answer = scim.delete(runtime, op_call, resource_type, str(resource_id))
    body: dict[str, Any] | None = answer.body
    if operation.method == "POST" and operation.bulk_id and body is not None:
        created[operation.bulk_id] = body["id"]
    location = answer.headers.get("Location") or (
        f"{runtime.scim_base_url(call.directory_id)}/{operation.endpoint}/{resource_id}"
        if resource_id
        else None
    )
    return bulk.BulkResult(operation, answer.status, location, answer.headers.get("ETag"))


def run_bulk(runtime: Runtime, call: scim.ScimCall, body: Any) -> scim.ScimAnswer:
    scim.authorize(runtime, call, write=True)
    request = bulk.parse_bulk_request(body, limits(runtime))
    created: dict[str, str] = {}
    results: list[bulk.BulkResult] = []
    errors = 0
    for operation in bulk.order_operations(request.operations):
        if request.fail_on_errors is not None and errors >= request.fail_on_errors:
            break
        try:
            results.append(_run_one(runtime, call, operation, created))
        except ScimError as error:
            errors += 1
            results.append(bulk.BulkResult(operation, error.status, response=error.to_body()))
    return scim.ScimAnswer(200, bulk.bulk_response(results))
