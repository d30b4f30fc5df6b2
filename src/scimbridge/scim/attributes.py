"""Attribute resolution, canonical names and type validation (RFC 7643 §2).

Attribute names are case-insensitive (RFC 7643 §2.1), so everything an IdP sends is
renamed to the schema's spelling once, on the way in; after that, every other module can
use plain dictionary keys. Attributes the schemas do not define (custom extensions such
as Okta's ``urn:okta:…`` ones) are kept as sent: they reach the application through
``raw_attributes`` and ``attribute_map``.

The stored shape: core attributes at the top level, extension attributes in an object
under the extension URN (RFC 7643 §3.3), ``schemas`` kept; never ``id``, ``meta``, a
User's ``groups`` or ``password``. A Group's ``members`` are canonicalised like any
attribute; the write path takes them out first because they live in the membership table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scimbridge.scim.errors import invalid_value, mutability
from scimbridge.scim.filter.ast import AttrPath
from scimbridge.scim.schemas import (
    COMMON_ATTRIBUTES,
    RESOURCE_TYPES,
    Attribute,
    AttrType,
    ResourceType,
    Schema,
)


@dataclass(frozen=True, slots=True)
class ResolvedAttribute:
    """Where an attribute path lands: schema, attribute and optional sub-attribute.

    ``in_extension`` says whether the values sit under the schema URN in a stored
    resource (RFC 7643 §3.3); ``resolve`` sets it.
    """

    schema: Schema
    attribute: Attribute
    sub_attribute: Attribute | None
    in_extension: bool = False

    @property
    def key_path(self) -> tuple[str, ...]:
        """Keys into a stored resource, e.g. ``(ENTERPRISE_URN, "manager", "value")``."""
        keys: tuple[str, ...] = (self.schema.id,) if self.in_extension else ()
        keys += (self.attribute.name,)
        return keys + ((self.sub_attribute.name,) if self.sub_attribute else ())

    @property
    def target(self) -> Attribute:
        """The innermost definition: the sub-attribute when there is one."""
        return self.sub_attribute or self.attribute

    @property
    def type(self) -> AttrType:
        return self.target.type

    @property
    def multi_valued(self) -> bool:
        """Does the path cross a multi-valued attribute (``emails.value`` does)?

        Filters then match when any element matches (RFC 7644 §3.4.2.2).
        """
        return self.attribute.multi_valued

    def is_case_exact(self) -> bool:
        return self.target.case_exact


def _find(schema: Schema, name: str, core: bool) -> Attribute | None:
    """A schema attribute, or for the core schema also a common one (RFC 7643 §3.1)."""
    found = schema.attribute(name)
    if found is None and core:
        folded = name.casefold()
        found = next((a for a in COMMON_ATTRIBUTES if a.name.casefold() == folded), None)
    return found


def resolve(resource_type: ResourceType, path: AttrPath) -> ResolvedAttribute | None:
    """Resolve ``[uri:]attr[.sub]`` against a resource type, or None when unknown.

    Unqualified names belong to the core schema or the common attributes (RFC 7644
    §3.10); ``emails`` without a sub-attribute keeps ``sub_attribute`` None.
    """
    schema = resource_type.schema if path.uri is None else resource_type.schema_by_uri(path.uri)
    if schema is None:
        return None
    extension = resource_type.is_extension(schema)
    attribute = _find(schema, path.attr, not extension)
    if attribute is None:
        return None
    sub = None
    if path.sub_attr is not None:
        sub = attribute.sub(path.sub_attr)
        if sub is None:
            return None
    return ResolvedAttribute(schema, attribute, sub, extension)


# --------------------------------------------------------------------------- canonical names


def _canonical_value(attribute: Attribute, value: Any) -> Any:
    """Rename sub-attribute keys of a complex value (or of each element)."""
    if attribute.type != "complex" or not attribute.sub_attributes:
        return value
    if isinstance(value, list):
        return [canonical_complex(attribute, v) if isinstance(v, Mapping) else v for v in value]
    if isinstance(value, Mapping):
        return canonical_complex(attribute, value)
    return value


def canonical_complex(attribute: Attribute, value: Mapping[str, Any]) -> dict[str, Any]:
    """One complex value with its known sub-attribute keys spelled as the schema does."""
    result: dict[str, Any] = {}
    for key, item in value.items():
        sub = attribute.sub(key) if isinstance(key, str) else None
        result[sub.name if sub else key] = item
    return result


def _dropped(attribute: Attribute) -> bool:
    """Read-only values a client sends are ignored (RFC 7643 §2.2); passwords never kept."""
    return attribute.mutability == "readOnly" or attribute.returned == "never"


def _merge_schema_attributes(
    schema: Schema, values: Mapping[str, Any], target: dict[str, Any], core: bool
) -> None:
    for key, value in values.items():
        if not isinstance(key, str):
            raise invalid_value("attribute names must be strings")
        attribute = _find(schema, key, core)
        if attribute is None:
            target[key] = value
        elif not _dropped(attribute) and value is not None:
            target[attribute.name] = _canonical_value(attribute, value)


def canonicalize(resource_type: ResourceType, data: Mapping[str, Any]) -> dict[str, Any]:
    """The resource with schema spellings, extensions nested, read-only values dropped.

    URN-qualified top-level keys (``"urn:…:enterprise:2.0:User:department": "R&D"``, as
    Entra ID sends in PATCH values) move into their extension object (RFC 7643 §3.3), and
    core-URN-qualified ones lose the prefix. ``null`` means "no value" (RFC 7644 §3.5.1)
    and is dropped. Unknown keys, including unknown extension URNs, are kept as sent.
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
        if schema is None:
            uri, _, name = key.rpartition(":")
            qualified = resource_type.schema_by_uri(uri) if uri else None
            if qualified is None:
                _merge_schema_attributes(resource_type.schema, {key: value}, result, True)
            elif resource_type.is_extension(qualified):
                values = extensions.setdefault(qualified.id, {})
                _merge_schema_attributes(qualified, {name: value}, values, False)
            else:
                _merge_schema_attributes(qualified, {name: value}, result, True)
            continue
        if value is None:
            continue
        if not isinstance(value, Mapping):
            raise invalid_value(f"{schema.id} must be an object of its attributes")
        if resource_type.is_extension(schema):
            _merge_schema_attributes(schema, value, extensions.setdefault(schema.id, {}), False)
        else:
            _merge_schema_attributes(schema, value, result, True)
    for uri, attributes in extensions.items():
        if attributes:
            result[uri] = attributes
    return result


# --------------------------------------------------------------------------- validation


def _is_datetime(value: Any) -> bool:
    """An xsd:dateTime such as ``2008-01-23T04:56:22Z`` (RFC 7643 §2.3.5)."""
    if not isinstance(value, str) or "T" not in value.upper():
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return False
    return True


def _type_ok(kind: AttrType, value: Any) -> bool:
    """JSON type per RFC 7643 §2.3 data type."""
    if kind in ("string", "reference", "binary"):
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "decimal":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "dateTime":
        return _is_datetime(value)
    return isinstance(value, Mapping)


def _describe(kind: AttrType) -> str:
    return "an object" if kind == "complex" else f"a {kind}"


def _validate_attribute(attribute: Attribute, value: Any, where: str) -> None:
    """One known attribute's value: list-ness, then each value's type, then sub-attributes."""
    if value is None:
        return
    if attribute.multi_valued != isinstance(value, list):
        shape = "a list" if attribute.multi_valued else "a single value, not a list"
        raise invalid_value(f"{where} must be {shape}")
    for item in value if attribute.multi_valued else (value,):
        if item is None:
            continue
        if not _type_ok(attribute.type, item):
            raise invalid_value(f"{where} must be {_describe(attribute.type)}")
        if attribute.type == "complex":
            for key, sub_value in item.items():
                if not isinstance(key, str):
                    raise invalid_value(f"{where} has a sub-attribute name that is not a string")
                sub = attribute.sub(key)
                if sub is not None:
                    _validate_attribute(sub, sub_value, f"{where}.{sub.name}")


def _missing(value: Any) -> bool:
    """Absent, null or blank: a required attribute with no usable value (RFC 7643 §2.2)."""
    return value is None or (isinstance(value, str) and not value.strip())


def _validate_schema(
    attributes: tuple[Attribute, ...], values: Mapping[str, Any], prefix: str
) -> None:
    for attribute in attributes:
        value = values.get(attribute.name)
        if attribute.required and _missing(value):
            raise invalid_value(f"{prefix}{attribute.name} is required")
        _validate_attribute(attribute, value, prefix + attribute.name)


def validate(resource_type: ResourceType, resource: Mapping[str, Any]) -> None:
    """Types of known attributes and required attributes (RFC 7643 §2.2, §2.3).

    One pass over a canonicalised resource; unknown attributes are not judged. Every
    failure is ``invalidValue`` (RFC 7644 §3.12: "a required value was missing, or the
    value specified was not compatible with the operation or attribute type").
    """
    schemas = resource.get("schemas")
    if schemas is not None and (
        not isinstance(schemas, list) or not all(isinstance(s, str) for s in schemas)
    ):
        raise invalid_value("schemas must be a list of schema URIs")
    _validate_schema((*resource_type.schema.attributes, *COMMON_ATTRIBUTES), resource, "")
    for extension in resource_type.extensions:
        values = resource.get(extension.schema.id)
        if values is None and not extension.required:
            continue
        if not isinstance(values, Mapping):
            raise invalid_value(f"{extension.schema.id} must be an object of its attributes")
        _validate_schema(extension.schema.attributes, values, f"{extension.schema.id}:")


# --------------------------------------------------------------------------- schemas


SCIM1_URN_PREFIX = "urn:scim:schemas:"


def check_schema_uris(resource_type: ResourceType, schemas: Any) -> None:
    """A POST or PUT body's ``schemas`` may not name another resource type's schemas.

    RFC 7643 §3: ``schemas`` lists the URIs "used to indicate the namespaces of the SCIM
    schemas that define the attributes present in the current JSON structure"; a
    ``/Users`` body listing the Group schema (or a ``/Groups`` body the User one) says
    it is something else than what the endpoint creates, so it is ``invalidValue``
    rather than stored under the wrong resource type. SCIM 1.1's
    ``urn:scim:schemas:core:1.0`` (and every ``urn:scim:schemas:`` URN) means the IdP
    app is set up for SCIM 1.1: the error says which 2.0 URN is expected,
    so the administrator sees why. Absent ``schemas`` stays accepted (several IdP
    templates omit it), and so do custom extension URNs.
    """
    if not isinstance(schemas, list):
        return
    expected = resource_type.schema.id
    own = {uri.casefold() for uri in resource_type.schema_uris()}
    others = {
        uri.casefold(): other.name
        for other in RESOURCE_TYPES
        if other is not resource_type
        for uri in other.schema_uris()
        if uri.casefold() not in own
    }
    for uri in schemas:
        if not isinstance(uri, str):
            continue
        folded = uri.strip().casefold()
        if folded.startswith(SCIM1_URN_PREFIX):
            raise invalid_value(
                f"schemas lists {uri!r}, a SCIM 1.1 schema; this is a SCIM 2.0 service: "
                f"a {resource_type.name} lists {expected!r} (RFC 7643 §3)"
            )
        if folded in others:
            raise invalid_value(
                f"schemas lists {uri!r}, a {others[folded]} schema, on the "
                f"{resource_type.endpoint} endpoint: a {resource_type.name} lists "
                f"{expected!r} (RFC 7643 §3)"
            )


# --------------------------------------------------------------------------- immutability


def _immutable_pairs(
    resource_type: ResourceType, before: Mapping[str, Any], after: Mapping[str, Any]
) -> list[tuple[str, Any, Any]]:
    """``(name, old, new)`` for each immutable attribute or single-valued sub-attribute."""
    pairs: list[tuple[str, Any, Any]] = []
    for schema in (resource_type.schema, *(e.schema for e in resource_type.extensions)):
        old_root, new_root = before, after
        if resource_type.is_extension(schema):
            old_root = _mapping(before.get(schema.id))
            new_root = _mapping(after.get(schema.id))
        for attribute in schema.attributes:
            old, new = old_root.get(attribute.name), new_root.get(attribute.name)
            if attribute.mutability == "immutable":
                pairs.append((attribute.name, old, new))
            elif attribute.type == "complex" and not attribute.multi_valued:
                for sub in attribute.sub_attributes:
                    if sub.mutability == "immutable":
                        name = f"{attribute.name}.{sub.name}"
                        pairs.append(
                            (name, _mapping(old).get(sub.name), _mapping(new).get(sub.name))
                        )
    return pairs


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def check_immutable(
    resource_type: ResourceType, before: Mapping[str, Any], after: Mapping[str, Any]
) -> None:
    """An ``immutable`` value, once set, may not change (RFC 7643 §2.2; RFC 7644 §3.5.1).

    Setting it where there was none is allowed ("a client MAY add a value to an
    immutable attribute if the attribute had no previous value", RFC 7644 §3.5.2).
    """
    for name, old, new in _immutable_pairs(resource_type, before, after):
        if old is not None and old != new:
            raise mutability(f"{name} is immutable and cannot be changed once set")
