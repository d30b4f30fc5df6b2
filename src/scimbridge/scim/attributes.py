"""Attribute resolution, canonical names and type validation (RFC 7643 §2).

Attribute names are case-insensitive (RFC 7643 §2.1), so everything an IdP sends is
renamed to the schema's spelling once, on the way in; after that, every other module can
use plain dictionary keys. Attributes the schemas do not define (custom extensions such
as Okta's ``urn:okta:…`` ones) are kept as sent: they reach the application through
``raw_attributes`` and ``attribute_map``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scimbridge.scim.errors import invalid_value
from scimbridge.scim.filter.ast import AttrPath
from scimbridge.scim.schemas import COMMON_ATTRIBUTES, Attribute, ResourceType, Schema


@dataclass(frozen=True, slots=True)
class ResolvedAttribute:
    """Where an attribute path lands: schema, attribute and optional sub-attribute."""

    schema: Schema
    attribute: Attribute
    sub_attribute: Attribute | None
    in_extension: bool

    @property
    def key_path(self) -> tuple[str, ...]:
        """Keys into a stored resource, e.g. ``(ENTERPRISE_URN, "manager", "value")``."""
        keys: tuple[str, ...] = (self.schema.id,) if self.in_extension else ()
        keys += (self.attribute.name,)
        return keys + ((self.sub_attribute.name,) if self.sub_attribute else ())

    @property
    def target(self) -> Attribute:
        return self.sub_attribute or self.attribute

    def is_case_exact(self) -> bool:
        return self.target.case_exact


def _find(schema: Schema, name: str, core: bool) -> Attribute | None:
    found = schema.attribute(name)
    if found is None and core:
        folded = name.casefold()
        found = next((a for a in COMMON_ATTRIBUTES if a.name.casefold() == folded), None)
    return found


def resolve(resource_type: ResourceType, path: AttrPath) -> ResolvedAttribute | None:
    """Resolve ``[uri:]attr[.sub]`` against a resource type, or None when unknown."""
    schema = resource_type.schema if path.uri is None else resource_type.schema_by_uri(path.uri)
    if schema is None:
        return None
    core = schema is resource_type.schema
    attribute = _find(schema, path.attr, core)
    if attribute is None:
        return None
    sub = None
    if path.sub_attr is not None:
        sub = attribute.sub(path.sub_attr)
        if sub is None:
            return None
    return ResolvedAttribute(schema, attribute, sub, not core)


# --------------------------------------------------------------------------- canonical names


def _canonical_value(attribute: Attribute, value: Any) -> Any:
    """Rename sub-attribute keys of a complex value (or of each element)."""
    if attribute.type != "complex" or not attribute.sub_attributes:
        return value
    if isinstance(value, list):
        return [_canonical_complex(attribute, v) if isinstance(v, Mapping) else v for v in value]
    if isinstance(value, Mapping):
        return _canonical_complex(attribute, value)
    return value


def _canonical_complex(attribute: Attribute, value: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, item in value.items():
        sub = attribute.sub(key)
        result[sub.name if sub else key] = item
    return result


def _dropped(attribute: Attribute) -> bool:
    """Read-only values a client sends are ignored (RFC 7643 §2.2); passwords never kept."""
    return attribute.mutability == "readOnly" or attribute.returned == "never"


def _merge_schema_attributes(
    schema: Schema, values: Mapping[str, Any], target: dict[str, Any], core: bool
) -> None:
    for key, value in values.items():
        attribute = _find(schema, key, core)
        if attribute is None:
            target[key] = value
        elif not _dropped(attribute) and value is not None:
            target[attribute.name] = _canonical_value(attribute, value)


def canonicalize(resource_type: ResourceType, data: Mapping[str, Any]) -> dict[str, Any]:
    """The resource with schema spellings, extensions nested, read-only values dropped.

    URN-qualified top-level keys (``"urn:…:enterprise:2.0:User:department": "R&D"``, as
    Entra ID sends in PATCH values) move into their extension object (RFC 7643 §3.3).
    ``null`` means "no value" (RFC 7644 §3.5.1) and is dropped.
    """
    result: dict[str, Any] = {}
    extensions: dict[str, dict[str, Any]] = {}
    for key, value in data.items():
        if not isinstance(key, str):
            raise invalid_value("attribute names must be strings")
        if key.casefold() == "schemas":
            result["schemas"] = value
            continue
        schema = resource_type.schema_by_uri(key)
        if schema is not None and schema is not resource_type.schema:
            if value is None:
                continue
            if not isinstance(value, Mapping):
                raise invalid_value(f"{schema.id} must be an object of extension attributes")
            _merge_schema_attributes(schema, value, extensions.setdefault(schema.id, {}), False)
            continue
        uri, _, name = key.rpartition(":")
        qualified = resource_type.schema_by_uri(uri) if uri else None
        if qualified is not None and qualified is not resource_type.schema:
            _merge_schema_attributes(
                qualified, {name: value}, extensions.setdefault(qualified.id, {}), False
            )
            continue
        if qualified is resource_type.schema:
            key = name
        _merge_schema_attributes(resource_type.schema, {key: value}, result, True)
    for uri, attributes in extensions.items():
        if attributes:
            result[uri] = attributes
    return result


# --------------------------------------------------------------------------- validation


def _type_ok(attribute: Attribute, value: Any) -> bool:
    kind = attribute.type
    if kind in ("string", "reference", "binary"):
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "decimal":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "dateTime":
        if not isinstance(value, str):
            return False
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return False
        return True
    return isinstance(value, Mapping)


def _validate_attribute(attribute: Attribute, value: Any, where: str) -> None:
    if value is None:
        return
    if attribute.multi_valued:
        if not isinstance(value, list):
            raise invalid_value(f"{where} must be a list")
        for item in value:
            _validate_single(attribute, item, where)
        return
    _validate_single(attribute, value, where)


def _validate_single(attribute: Attribute, value: Any, where: str) -> None:
    if value is None:
        return
    if not _type_ok(attribute, value):
        expected = "an object" if attribute.type == "complex" else f"a {attribute.type}"
        raise invalid_value(f"{where} must be {expected}")
    if attribute.type == "complex":
        for key, item in value.items():
            sub = attribute.sub(key)
            if sub is not None:
                _validate_attribute(sub, item, f"{where}.{sub.name}")


def validate(resource_type: ResourceType, resource: Mapping[str, Any]) -> None:
    """Types of known attributes and required attributes (RFC 7643 §2.2, §2.3)."""
    schemas = resource.get("schemas")
    if schemas is not None and (
        not isinstance(schemas, list) or not all(isinstance(s, str) for s in schemas)
    ):
        raise invalid_value("schemas must be a list of schema URIs")
    for attribute in (*resource_type.schema.attributes, *COMMON_ATTRIBUTES):
        if attribute.name in resource:
            _validate_attribute(attribute, resource[attribute.name], attribute.name)
        elif attribute.required:
            raise invalid_value(f"{attribute.name} is required")
    for extension in resource_type.extensions:
        values = resource.get(extension.schema.id)
        if values is None:
            continue
        if not isinstance(values, Mapping):
            raise invalid_value(f"{extension.schema.id} must be an object")
        for attribute in extension.schema.attributes:
            if attribute.name in values:
                _validate_attribute(attribute, values[attribute.name], attribute.name)
