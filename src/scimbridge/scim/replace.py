"""PUT semantics (RFC 7644 §3.5.1): the new resource replaces the old one.

The incoming body has already been canonicalised, so read-only attributes (``id``,
``meta``, a User's ``groups``) are gone — "readOnly values provided SHALL be ignored".
An ``immutable`` attribute may be given once and never changed afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scimbridge.scim.errors import mutability
from scimbridge.scim.schemas import ResourceType


def replace_resource(
    resource_type: ResourceType, current: Mapping[str, Any], incoming: Mapping[str, Any]
) -> dict[str, Any]:
    for attribute in resource_type.schema.attributes:
        if attribute.mutability != "immutable":
            continue
        old, new = current.get(attribute.name), incoming.get(attribute.name)
        if old is not None and new is not None and old != new:
            raise mutability(f"{attribute.name} is immutable and cannot be changed")
    return dict(incoming)
