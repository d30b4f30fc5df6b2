"""PATCH (RFC 7644 §3.5.2): add, replace and remove, on every path form, atomically.

``apply_patch`` works on a deep copy and raises on the first bad operation, so a request
either applies completely or changes nothing. A Group's ``members`` are not part of the
stored resource (a group can have 100,000 of them): operations on ``members`` come back
as :class:`MemberOp` values that the write path applies to the membership table.

Choices where the RFC leaves room or IdPs disagree with it, each noted where handled:

* ``schemas`` may be missing from the body (several IdP templates omit it); when it is
  present it must list the PatchOp URN.
* Op names in any case, string booleans, dotted and URN-qualified keys in path-less
  values, a bare-string ``manager``: ``quirks.normalize_patch_operation``.
* ``add`` does not duplicate a value already present; re-adding one updates it in place.
* ``remove`` of something absent, or through a filter matching nothing, is a no-op, so
  retried requests stay harmless; ``remove`` without a path is ``noTarget`` (§3.5.2.2).
* ``add`` or ``replace`` through a filter matching nothing is ``noTarget`` (§3.5.2.3,
  §3.12 Table 9), except the Entra ID shape ``emails[type eq "work"].value`` which
  creates the element it describes (``quirks.element_for_unmatched_filter``).
* The result keeps at most one ``primary`` and no repeated ``(type, value)`` element
  (RFC 7643 §2.4, ``multi_valued``), as POST and PUT do.
* Values and elements are changed in ``patch_elements``; ``members`` in ``patch_members``.
* Read-only attributes named by a path are ``mutability``; inside a path-less value they
  are ignored (clients echo what they read), except an ``id`` that differs from the
  resource's own, which is ``mutability`` when the caller passes ``resource_id``.
* Member removal by a ``value`` list (Entra ID) next to the RFC's ``members[value eq …]``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scimbridge.scim import quirks
from scimbridge.scim.attributes import check_immutable, resolve
from scimbridge.scim.attributes import validate as validate_resource
from scimbridge.scim.errors import (
    ScimError,
    invalid_path,
    invalid_syntax,
    invalid_value,
    mutability,
    no_target,
    too_many,
)
from scimbridge.scim.filter.ast import AttrPath
from scimbridge.scim.multi_valued import normalize_elements
from scimbridge.scim.patch_elements import (
    Elements,
    OpName,
    check_value_filter,
    set_value,
    sub_value,
    whole_value,
)
from scimbridge.scim.patch_members import MemberOp, member_op
from scimbridge.scim.paths import PatchPath, parse_path
from scimbridge.scim.schemas import Attribute, ResourceType, Schema

MAX_OPERATIONS = 1000
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@dataclass(frozen=True, slots=True)
class PatchResult:
    """The new stored resource, membership changes in order, and whether the dict changed."""

    resource: dict[str, Any]
    member_ops: tuple[MemberOp, ...]
    changed: bool


@dataclass(frozen=True, slots=True)
class Operation:
    """One normalised PatchOp operation (RFC 7644 §3.5.2)."""

    op: OpName
    path: str | None
    value: Any


# --------------------------------------------------------------------------- the request


def _schemas_ok(schemas: Any) -> bool:
    return isinstance(schemas, list) and any(
        isinstance(s, str) and s.casefold() == PATCH_SCHEMA.casefold() for s in schemas
    )


def parse_operations(resource_type: ResourceType, body: Any) -> list[Operation]:
    """The operations of a PatchOp body, normalised, in order (RFC 7644 §3.5.2).

    ``schemas`` is not required: several IdP templates omit it, and the endpoint already
    says what the body is. At most :data:`MAX_OPERATIONS` operations (``tooMany``).
    """
    if not isinstance(body, Mapping):
        raise invalid_syntax("a PATCH body must be a JSON object with Operations")
    fields = {k.casefold(): v for k, v in body.items() if isinstance(k, str)}
    if "schemas" in fields and not _schemas_ok(fields["schemas"]):
        raise invalid_syntax(f"a PATCH body's schemas must list {PATCH_SCHEMA}")
    operations = fields.get("operations")
    if not isinstance(operations, list) or not operations:
        raise invalid_syntax("a PATCH body needs a non-empty Operations list")
    if len(operations) > MAX_OPERATIONS:
        raise too_many(f"a PATCH request may carry at most {MAX_OPERATIONS} operations")
    return [_operation(resource_type, raw) for raw in operations]


def _operation(resource_type: ResourceType, raw: Any) -> Operation:
    if not isinstance(raw, Mapping):
        raise invalid_syntax("each PATCH operation must be an object")
    fields = quirks.normalize_patch_operation(resource_type, raw)
    op = fields.get("op")
    if op not in ("add", "replace", "remove"):
        raise invalid_syntax(f"unknown PATCH op {raw.get('op')!r}; use add, replace or remove")
    path = fields.get("path")
    if path is not None and not isinstance(path, str):
        raise invalid_path("path must be a string")
    if op != "remove" and "value" not in fields:
        raise invalid_value(f"{op} needs a value")
    return Operation(op, path if path and path.strip() else None, fields.get("value"))


def apply_patch(
    resource_type: ResourceType,
    resource: Mapping[str, Any],
    body: Any,
    *,
    resource_id: str | None = None,
) -> PatchResult:
    """Apply a PatchOp request to a stored resource (RFC 7644 §3.5.2).

    ``resource`` is left untouched. Raises :class:`ScimError` (400) on the first
    operation that cannot apply; the patched result is validated like a PUT body.
    """
    operations = parse_operations(resource_type, body)
    patcher = _Patcher(resource_type, copy.deepcopy(dict(resource)), resource_id)
    for operation in operations:
        patcher.apply(operation)
    result = patcher.finish()
    check_immutable(resource_type, resource, result)
    validate_resource(resource_type, result)
    normalize_elements(resource_type, result)
    return PatchResult(result, tuple(patcher.member_ops), result != resource)


# --------------------------------------------------------------------------- applying


class _Patcher:
    """Applies operations to one deep-copied resource, collecting membership changes."""

    def __init__(
        self, resource_type: ResourceType, resource: dict[str, Any], resource_id: str | None
    ) -> None:
        self.resource_type = resource_type
        self.resource = resource
        self.resource_id = resource_id
        self.member_ops: list[MemberOp] = []

    def apply(self, operation: Operation) -> None:
        if operation.path is None:
            self._without_path(operation.op, operation.value)
            return
        if _looks_like_unknown_urn(self.resource_type, operation.path):
            self._unknown_extension(operation.op, operation.path, operation.value)
            return
        path = parse_path(operation.path, self.resource_type.schema_uris())
        self._at_path(operation.op, path, operation.value, pathless=False)

    def finish(self) -> dict[str, Any]:
        """Drop emptied extension objects and keep ``schemas`` naming those present."""
        for extension in self.resource_type.extensions:
            uri = extension.schema.id
            if self.resource.get(uri) in ({}, None):
                self.resource.pop(uri, None)
                _drop_schema_uri(self.resource, uri)
            else:
                _add_schema_uri(self.resource, self.resource_type, uri)
        return self.resource

    # ----------------------------------------------------------------- no path

    def _without_path(self, op: OpName, value: Any) -> None:
        """RFC 7644 §3.5.2.1/§3.5.2.3: each attribute of the value object, one by one.

        Okta deactivates with ``{"op": "replace", "value": {"active": false}}`` and Okta
        Group Push renames with ``{"op": "replace", "value": {"id": …, "displayName": …}}``.
        """
        if op == "remove":
            raise no_target("remove needs a path (RFC 7644 §3.5.2.2)")
        if not isinstance(value, Mapping):
            raise invalid_value(f"{op} without a path needs an object value")
        for key, item in value.items():
            if not isinstance(key, str) or not key.strip():
                raise invalid_value("attribute names must be non-empty strings")
            if key.casefold() == "schemas":
                continue  # kept truthful by finish()
            if _looks_like_unknown_urn(self.resource_type, key):
                self._unknown_extension(op, key, item)
                continue
            path = parse_path(key, self.resource_type.schema_uris())
            self._at_path(op, path, item, pathless=True)

    # ----------------------------------------------------------------- with path

    def _at_path(self, op: OpName, path: PatchPath, value: Any, *, pathless: bool) -> None:
        if path.attr is None:
            self._whole_extension(op, path.uri or "", value)
            return
        resolved = resolve(self.resource_type, AttrPath(path.uri, path.attr, None))
        if resolved is None:
            self._unknown_attribute(op, path, value)
            return
        attribute = resolved.attribute
        if self.resource_type.schema.id == resolved.schema.id and attribute.name == "members":
            member_change = member_op(op, path, value)
            if member_change is not None:
                self.member_ops.append(member_change)
            return
        if attribute.returned == "never":
            return  # password: accepted, never stored (RFC 7643 §4.1.1)
        if attribute.mutability == "readOnly":
            self._read_only(attribute, value, pathless)
            return
        sub = self._sub_attribute(attribute, path.sub_attr, pathless)
        if path.sub_attr is not None and sub is None:
            return  # a read-only sub-attribute inside a path-less value: ignored
        if path.value_filter is not None and not attribute.multi_valued:
            raise invalid_path(f"{attribute.name} is not multi-valued; it takes no value filter")
        if path.value_filter is not None:
            check_value_filter(attribute, path.value_filter)
        container = self._container(resolved.schema, create=op != "remove")
        if container is None:
            return  # removing from an extension the resource does not have
        if path.value_filter is not None:
            Elements(container, attribute).filtered(op, path.value_filter, sub, value)
        elif sub is not None:
            sub_value(op, container, attribute, sub, value)
        else:
            whole_value(op, container, attribute, value)

    def _read_only(self, attribute: Attribute, value: Any, pathless: bool) -> None:
        """readOnly attributes (RFC 7643 §2.2) may not be modified (RFC 7644 §3.5.2)."""
        if not pathless:
            raise mutability(f"{attribute.name} is read-only")
        if attribute.name == "id" and self.resource_id is not None and value != self.resource_id:
            raise mutability("id is read-only and differs from the resource's id")

    def _sub_attribute(
        self, attribute: Attribute, name: str | None, pathless: bool
    ) -> Attribute | None:
        if name is None:
            return None
        sub = attribute.sub(name)
        if sub is None:
            raise invalid_path(f"{attribute.name} has no sub-attribute {name!r}")
        if sub.mutability == "readOnly":
            if pathless:
                return None
            raise mutability(f"{attribute.name}.{sub.name} is read-only")
        return sub

    def _container(self, schema: Schema, *, create: bool) -> dict[str, Any] | None:
        """The dict holding ``schema``'s attributes: the resource or its extension object."""
        if not self.resource_type.is_extension(schema):
            return self.resource
        extension = self.resource.get(schema.id)
        if isinstance(extension, dict):
            return extension
        if not create:
            return None
        self.resource[schema.id] = extension = {}
        return extension

    def _whole_extension(self, op: OpName, uri: str, value: Any) -> None:
        """A path that is exactly an extension URN: its value is the extension object.

        ``remove`` drops the extension; ``add``/``replace`` merge the given attributes
        into it, as for any complex attribute (RFC 7644 §3.5.2.1, §3.5.2.3).
        """
        schema = self.resource_type.schema_by_uri(uri)
        if schema is None or not self.resource_type.is_extension(schema):
            raise invalid_path(f"{uri} is not an extension of {self.resource_type.name}")
        if op == "remove":
            self.resource.pop(schema.id, None)
            return
        if not isinstance(value, Mapping):
            raise invalid_value(f"{schema.id} needs an object of its attributes")
        for key, item in value.items():
            if not isinstance(key, str) or not key:
                raise invalid_value("attribute names must be non-empty strings")
            if key.casefold() == "schemas":
                continue  # scim2-models serialises extension objects with their schemas
            path = parse_path(f"{schema.id}:{key}", self.resource_type.schema_uris())
            self._at_path(op, path, item, pathless=True)

    def _unknown_attribute(self, op: OpName, path: PatchPath, value: Any) -> None:
        """Custom extensions the schemas do not define are stored as sent (under their URN)."""
        if path.uri is None or self.resource_type.schema_by_uri(path.uri) is not None:
            raise invalid_path(f"unknown attribute {path.attr!r}")
        if path.value_filter is not None or path.sub_attr is not None:
            raise invalid_path(f"cannot address inside the unknown attribute {path.attr!r}")
        extension = self.resource.get(path.uri)
        if extension is None and op == "remove":
            return
        if extension is None:
            self.resource[path.uri] = extension = {}
        if not isinstance(extension, dict):
            raise invalid_path(f"{path.uri} is not an object")
        set_value(extension, str(path.attr), None if op == "remove" else value)
        if not extension:
            self.resource.pop(path.uri)

    def _unknown_extension(self, op: OpName, uri: str, value: Any) -> None:
        """A whole unknown extension object, e.g. Okta's ``urn:okta:…`` custom schema."""
        current = self.resource.get(uri)
        if op == "remove":
            self.resource.pop(uri, None)
        elif isinstance(value, Mapping) and isinstance(current, dict):
            current.update(value)
        elif value is None:
            self.resource.pop(uri, None)
        else:
            self.resource[uri] = copy.deepcopy(value)


# --------------------------------------------------------------------------- small pieces


def _looks_like_unknown_urn(resource_type: ResourceType, text: str) -> bool:
    """``urn:okta:…`` naming no known schema: a custom extension object kept as sent."""
    folded = text.casefold()
    if not folded.startswith("urn:") or "[" in text:
        return False
    for uri in resource_type.schema_uris():
        if folded == uri.casefold() or folded.startswith(uri.casefold() + ":"):
            return False
    try:
        parse_path(text, resource_type.schema_uris())
    except ScimError:
        return True
    return False


def _add_schema_uri(resource: dict[str, Any], resource_type: ResourceType, uri: str) -> None:
    schemas = resource.setdefault("schemas", [resource_type.schema.id])
    if isinstance(schemas, list) and uri not in schemas:
        schemas.append(uri)


def _drop_schema_uri(resource: dict[str, Any], uri: str) -> None:
    schemas = resource.get("schemas")
    if isinstance(schemas, list) and uri in schemas:
        schemas.remove(uri)


__all__ = [
    "MAX_OPERATIONS",
    "PATCH_SCHEMA",
    "MemberOp",
    "Operation",
    "PatchResult",
    "ScimError",
    "apply_patch",
    "parse_operations",
]
