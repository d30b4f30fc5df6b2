"""What real identity providers send where it bends RFC 7643/7644, normalised once.

Each rule is a small function that names its source. They run on resources whose names
are already canonical (``attributes.canonicalize``), before validation, so the rest of
the code only ever sees RFC-shaped data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scimbridge.scim.schemas import COMMON_ATTRIBUTES, Attribute, ResourceType, Schema


def lower_op(op: Any) -> Any:
    """``"Replace"``/``"Add"``/``"Remove"`` → lower case (RFC 7644 §3.5.2 uses lower case).

    Entra ID capitalises op names: Microsoft Learn, "Known issues and resolutions with
    SCIM 2.0 protocol compliance of the Microsoft Entra user provisioning service".
    """
    return op.lower() if isinstance(op, str) else op


def string_boolean(value: Any) -> Any:
    """``"True"``/``"False"`` (any case) → booleans, for boolean-typed attributes.

    Entra ID sends ``{"op": "Replace", "path": "active", "value": "False"}`` (same
    Microsoft Learn page: "Boolean values … sent as strings").
    """
    if isinstance(value, str) and value.strip().casefold() in ("true", "false"):
        return value.strip().casefold() == "true"
    return value


def single_object_to_list(attribute: Attribute, value: Any) -> Any:
    """A multi-valued attribute sent as one object becomes a one-element list.

    OneLogin's and some JumpCloud templates send ``"emails": {"value": …, "primary": true}``.
    """
    if attribute.multi_valued and isinstance(value, Mapping):
        return [value]
    return value


def manager_from_string(attribute: Attribute, value: Any) -> Any:
    """Enterprise ``manager`` sent as a bare id string → ``{"value": id}``.

    Entra ID maps ``manager`` to a string (Microsoft Learn, "Tutorial: Develop and plan
    provisioning for a SCIM endpoint", enterprise extension example).
    """
    if attribute.name == "manager" and isinstance(value, str):
        return {"value": value} if value else None
    return value


def _normalize_value(attribute: Attribute, value: Any) -> Any:
    value = single_object_to_list(attribute, manager_from_string(attribute, value))
    if attribute.type == "boolean":
        return string_boolean(value)
    if attribute.type == "complex" and attribute.sub_attributes:
        if isinstance(value, list):
            return [
                _normalize_complex(attribute, v) if isinstance(v, Mapping) else v for v in value
            ]
        if isinstance(value, Mapping):
            return _normalize_complex(attribute, value)
    return value


def _normalize_complex(attribute: Attribute, value: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, item in value.items():
        sub = attribute.sub(key)
        result[key] = _normalize_value(sub, item) if sub is not None else item
    return result


def _normalize_schema(schema: Schema, values: Mapping[str, Any], core: bool) -> dict[str, Any]:
    result: dict[str, Any] = {}
    known = {a.name: a for a in schema.attributes}
    if core:
        known.update({a.name: a for a in COMMON_ATTRIBUTES})
    for key, value in values.items():
        attribute = known.get(key)
        normalized = _normalize_value(attribute, value) if attribute is not None else value
        if normalized is not None:
            result[key] = normalized
    return result


def normalize_resource(resource_type: ResourceType, resource: Mapping[str, Any]) -> dict[str, Any]:
    """Apply every value rule to a canonicalised resource."""
    result = _normalize_schema(resource_type.schema, resource, True)
    for extension in resource_type.extensions:
        values = result.get(extension.schema.id)
        if isinstance(values, Mapping):
            result[extension.schema.id] = _normalize_schema(extension.schema, values, False)
    return result


def normalize_value(attribute: Attribute, value: Any) -> Any:
    """The same rules for one PATCH value aimed at ``attribute``."""
    return _normalize_value(attribute, value)
