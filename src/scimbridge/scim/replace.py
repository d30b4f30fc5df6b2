"""PUT semantics (RFC 7644 §3.5.1): the new resource replaces the old one.

``incoming`` is a body that has been through ``quirks.normalize_resource`` and
``attributes.canonicalize``. What it says about readWrite attributes becomes the whole
truth: attributes it omits are cleared ("the service provider replaces all attribute
values"), including unknown extension data kept from earlier requests. The rest:

* readOnly values (``id``, ``meta``, a User's ``groups``) — "any values provided SHALL
  be ignored"; an ``id`` in the body is therefore ignored rather than compared, and the
  stored resource never holds them anyway.
* writeOnly ``password`` — accepted, never stored (RFC 7643 §4.1.1).
* ``immutable`` attributes — "if one or more values are already set for the attribute,
  the input value(s) MUST match", else 400 ``mutability``. Omitting one keeps the set
  value: it could not be cleared by any other means either.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scimbridge.scim.attributes import check_immutable
from scimbridge.scim.schemas import COMMON_ATTRIBUTES, Attribute, ResourceType, Schema


def _kept_out(attribute: Attribute) -> bool:
    return attribute.mutability == "readOnly" or attribute.returned == "never"


def _writable(schema: Schema, values: Mapping[str, Any], core: bool) -> dict[str, Any]:
    """``values`` without readOnly/never-returned attributes of ``schema``."""
    known = {a.name: a for a in schema.attributes}
    if core:
        known.update({a.name: a for a in COMMON_ATTRIBUTES})
    return {
        key: value
        for key, value in values.items()
        if not (key in known and _kept_out(known[key])) and value is not None
    }


def _carry_immutable(schema: Schema, current: Mapping[str, Any], result: dict[str, Any]) -> None:
    """An immutable attribute left out of the body keeps its value."""
    for attribute in schema.attributes:
        kept = current.get(attribute.name)
        if (
            attribute.mutability == "immutable"
            and attribute.name not in result
            and kept is not None
        ):
            result[attribute.name] = kept


def replace_resource(
    resource_type: ResourceType, current: Mapping[str, Any], incoming: Mapping[str, Any]
) -> dict[str, Any]:
    """The stored resource after a PUT of ``incoming`` over ``current``.

    Raises ``mutability`` when an immutable value would change.
    """
    result = _writable(resource_type.schema, incoming, True)
    _carry_immutable(resource_type.schema, current, result)
    for extension in resource_type.extensions:
        uri = extension.schema.id
        values = result.get(uri)
        old = current.get(uri)
        merged = _writable(extension.schema, values, False) if isinstance(values, Mapping) else {}
        _carry_immutable(extension.schema, old if isinstance(old, Mapping) else {}, merged)
        if merged:
            result[uri] = merged
        else:
            result.pop(uri, None)
    check_immutable(resource_type, current, result)
    return result
