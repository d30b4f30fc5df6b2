"""Which user or group a logged SCIM request concerned, if it still exists.

The request log keeps only ``resource_id`` (the id in the path, or the id a POST created)
and the path; it holds no foreign key, because a log row must outlive a deleted user. So
the console's request page asks here, at read time, whether the resource is still there
before it links to it.
"""

from __future__ import annotations

import re
from typing import Any

from scimbridge.runtime import Runtime
from scimbridge.store import unit_of_work
from scimbridge.store.resources import SqlDirectoryStore

# RFC 7644 §3.2: the resource endpoints are /Users and /Groups under the base URL.
_ENDPOINT = re.compile(r"/(Users|Groups)(?:/|$)")


def resource_kind(path: str) -> str | None:
    """``"user"`` or ``"group"`` from a SCIM path, None for /Bulk, /Schemas and the like."""
    found = _ENDPOINT.search(path)
    if found is None:
        return None
    return "user" if found.group(1) == "Users" else "group"


def request_subject(
    runtime: Runtime, directory_id: str, path: str, resource_id: str | None
) -> dict[str, Any] | None:
    """``{kind, id, label, exists}`` for a request on one user or group, else None."""
    kind = resource_kind(path)
    if kind is None or not resource_id:
        return None
    with unit_of_work.read(runtime.engine) as connection:
        store = SqlDirectoryStore(connection, runtime.clock.now())
        label: str | None = None
        if kind == "user":
            user = store.get_user(directory_id, resource_id)
            label = user.user_name if user else None
        else:
            group = store.get_group(directory_id, resource_id)
            label = group.display_name if group else None
    return {"kind": kind, "id": resource_id, "label": label, "exists": label is not None}
