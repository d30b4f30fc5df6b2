"""``POST /.search`` at the service root (RFC 7644 §3.4.3): one search over every
resource type, built from the per-type listing of ``services.scim``."""

from __future__ import annotations

from typing import Any

from scimbridge.runtime import Runtime
from scimbridge.scim import listing
from scimbridge.scim.attributes import resolve
from scimbridge.scim.errors import ScimError, invalid_value
from scimbridge.scim.schemas import GROUP_RESOURCE, RESOURCE_TYPES, USER_RESOURCE
from scimbridge.services import scim
from scimbridge.store import unit_of_work


def search_all(
    runtime: Runtime, call: scim.ScimCall, params: listing.ListParams
) -> scim.ScimAnswer:
    """``POST /.search`` at the root (RFC 7644 §3.4.3): Users, then Groups, one page.

    A filter must make sense for both resource types; an attribute only one of them has
    matches nothing there rather than failing, as the RFC leaves the mixing to the server.
    A ``sortBy`` only one of them has leaves the other unsorted: none of its resources
    has the value (RFC 7644 §3.4.2.3).
    """
    params = scim.clamp_params(runtime, params)
    with unit_of_work.read(runtime.engine) as connection:
        scim.authenticate(connection, call)
    sort_path = listing.sort_path(params.sort_by) if params.sort_by else None
    if sort_path is not None and not any(resolve(t, sort_path) for t in RESOURCE_TYPES):
        raise invalid_value(f"sortBy names {params.sort_by!r}, an attribute of no resource type")
    remaining_offset = params.start_index - 1
    remaining = params.count
    resources: list[dict[str, Any]] = []
    total = 0
    for resource_type in (USER_RESOURCE, GROUP_RESOURCE):
        sorted_here = sort_path is not None and resolve(resource_type, sort_path) is not None
        try:
            answer = scim.list_resources(
                runtime,
                call,
                resource_type,
                scim.replace_params(
                    params,
                    start_index=remaining_offset + 1,
                    count=remaining,
                    sort_by=params.sort_by if sorted_here else None,
                ),
            )
        except ScimError as error:
            if error.scim_type != "invalidFilter" or not params.filter:
                raise
            continue
        found = int(answer.body["totalResults"])
        page = answer.body["Resources"]
        total += found
        resources.extend(page)
        remaining -= len(page)
        remaining_offset = max(0, remaining_offset - found)
    return scim.ScimAnswer(200, listing.list_response(resources, total, params.start_index))
