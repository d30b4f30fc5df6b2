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
* ``replace`` through a filter matching nothing is ``noTarget`` (§3.5.2.3), except the
  Entra ID shape ``emails[type eq "work"].value`` which creates the element it describes.
* Read-only attributes named by a path are ``mutability``; inside a path-less value they
  are ignored (clients echo what they read), except an ``id`` that differs from the
  resource's own, which is ``mutability`` when the caller passes ``resource_id``.
* Member removal by a ``value`` list (Entra ID) next to the RFC's ``members[value eq …]``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from scimbridge.scim import quirks
from scimbridge.scim.attributes import canonical_complex, check_immutable, resolve
from scimbridge.scim.attributes import validate as validate_resource
from scimbridge.scim.errors import (
    ScimError,
    invalid_filter,
    invalid_path,
    invalid_syntax,
    invalid_value,
    mutability,
    no_target,
    too_many,
)
from scimbridge.scim.filter.ast import And, AttrPath, Compare, Filter, Not, Or, ValuePath
from scimbridge.scim.filter.evaluate import matches_element
from scimbridge.scim.paths import PatchPath, parse_path
from scimbridge.scim.schemas import Attribute, ResourceType, Schema

MAX_OPERATIONS = 1000
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

OpName = Literal["add", "replace", "remove"]
MemberKind = Literal["add", "remove", "replace", "remove_all"]


@dataclass(frozen=True, slots=True)
class MemberOp:
    """A change to a Group's membership; ``values`` are member (user) ids."""

    kind: MemberKind
    values: tuple[str, ...] = ()


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
            self._members(op, path, value)
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
            _check_filter(attribute, path.value_filter)
        container = self._container(resolved.schema, create=op != "remove")
        if container is None:
            return  # removing from an extension the resource does not have
        if path.value_filter is not None:
            _Elements(container, attribute).filtered(op, path.value_filter, sub, value)
        elif sub is not None:
            _sub_value(op, container, attribute, sub, value)
        else:
            _whole_value(op, container, attribute, value)

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
        _set(extension, str(path.attr), None if op == "remove" else value)
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

    # ----------------------------------------------------------------- Group members

    def _members(self, op: OpName, path: PatchPath, value: Any) -> None:
        """``members`` become :class:`MemberOp` values (RFC 7644 §3.5.2 Group examples)."""
        if path.sub_attr is not None:
            raise invalid_path("members sub-attributes cannot be patched; add or remove members")
        if path.value_filter is not None:
            if op != "remove":
                raise invalid_path("members[…] paths are supported for remove only")
            self.member_ops.append(MemberOp("remove", _member_ids_from_filter(path.value_filter)))
        elif op == "remove" and value is None:
            self.member_ops.append(MemberOp("remove_all"))
        elif op == "remove":
            # Entra ID: {"op": "Remove", "path": "members", "value": [{"value": id}]}
            # (Microsoft Learn, "Develop and plan provisioning for a SCIM endpoint").
            self.member_ops.append(MemberOp("remove", _member_ids(value)))
        elif op == "replace":
            self.member_ops.append(MemberOp("replace", _member_ids(value)))
        elif value is not None:
            ids = _member_ids(value)
            if ids:
                self.member_ops.append(MemberOp("add", ids))


# --------------------------------------------------------------------------- single values


def _whole_value(op: OpName, container: dict[str, Any], attribute: Attribute, value: Any) -> None:
    """An attribute addressed without filter or sub-attribute."""
    if attribute.multi_valued:
        elements = _Elements(container, attribute)
        if op == "remove":
            elements.remove_values(value)
        elif op == "add":
            elements.add(_as_list(value))
        else:
            elements.replace_all(_as_list(value))
        return
    if op == "remove":
        container.pop(attribute.name, None)
        return
    value = _canonical(attribute, value)
    current = container.get(attribute.name)
    if attribute.type == "complex" and isinstance(value, Mapping) and isinstance(current, dict):
        # §3.5.2.1/§3.5.2.3: sub-attributes given replace theirs; the others stay.
        merged = {**current, **value}
        _set(container, attribute.name, {k: v for k, v in merged.items() if v is not None})
    else:
        _set(container, attribute.name, value)


def _sub_value(
    op: OpName, container: dict[str, Any], attribute: Attribute, sub: Attribute, value: Any
) -> None:
    """``name.givenName`` (single-valued) or ``emails.type`` (every element)."""
    new = None if op == "remove" else value
    current = container.get(attribute.name)
    if attribute.multi_valued:
        elements = [e for e in current if isinstance(e, dict)] if isinstance(current, list) else []
        if op != "remove" and not elements:
            raise no_target(f"{attribute.name} has no values to set {sub.name} on")
        for element in elements:
            _set(element, sub.name, new)
        return
    target = current if isinstance(current, dict) else {}
    _set(target, sub.name, new)
    _set(container, attribute.name, target or None)


# --------------------------------------------------------------------------- multi-valued


class _Elements:
    """The elements of one multi-valued attribute inside a container dict."""

    def __init__(self, container: dict[str, Any], attribute: Attribute) -> None:
        self.container = container
        self.attribute = attribute
        current = container.get(attribute.name)
        self.items: list[Any] = list(current) if isinstance(current, list) else []

    def _store(self) -> None:
        _set(self.container, self.attribute.name, self.items or None)

    def add(self, values: list[Any]) -> None:
        """RFC 7644 §3.5.2.1: new values are appended; one already present is refreshed."""
        added = []
        for value in (_canonical(self.attribute, v) for v in values):
            index = self._index_of(value)
            if index is None:
                self.items.append(value)
                added.append(value)
            elif isinstance(value, Mapping) and isinstance(self.items[index], dict):
                self.items[index] = _refreshed(self.items[index], value)
                added.append(self.items[index])
        self._store()
        self._one_primary(added)

    def replace_all(self, values: list[Any]) -> None:
        """RFC 7644 §3.5.2.3: no filter, so the attribute and all its values are replaced."""
        self.items = [_canonical(self.attribute, v) for v in values]
        self._store()
        self._one_primary(self.items)

    def remove_values(self, value: Any) -> None:
        """No value: the attribute goes (§3.5.2.2). With a list: those values go (Entra ID)."""
        if value is None:
            self.items = []
        else:
            doomed = [_canonical(self.attribute, v) for v in _as_list(value)]
            self.items = [e for e in self.items if not any(self._same(e, d) for d in doomed)]
        self._store()

    def filtered(self, op: OpName, node: Filter, sub: Attribute | None, value: Any) -> None:
        """``attr[filter]`` and ``attr[filter].sub`` (RFC 7644 §3.5.2.1-3)."""
        case_exact = _case_exact_for(self.attribute)
        hits = [
            i for i, e in enumerate(self.items) if matches_element(node, e, case_exact=case_exact)
        ]
        if op == "remove":
            self._remove_hits(hits, sub)
            return
        if not hits:
            hits = [self._create(op, node, sub)]
        changed = [self._set_hit(op, i, sub, value) for i in hits]
        self._store()
        self._one_primary(changed)

    def _remove_hits(self, hits: list[int], sub: Attribute | None) -> None:
        if sub is None:
            self.items = [e for i, e in enumerate(self.items) if i not in hits]
        else:
            for i in hits:
                if isinstance(self.items[i], dict):
                    self.items[i].pop(sub.name, None)
        self._store()

    def _create(self, op: OpName, node: Filter, sub: Attribute | None) -> int:
        """No element matches: ``noTarget`` (RFC 7644 §3.5.2.3), or create the one described.

        Entra ID sets a user's first work e-mail with ``Replace`` or ``Add`` of
        ``emails[type eq "work"].value`` (Microsoft Learn, "Develop and plan provisioning
        for a SCIM endpoint"; servers answering noTarget break its provisioning, e.g.
        Captain-P-Goldfish/scim-for-keycloak#73). A filter made only of ``eq`` joined by
        ``and`` describes exactly one element, so that element is created; ``add`` may
        also create it without a sub-attribute. Anything else is ``noTarget``.
        """
        described = _element_from_filter(node, self.attribute)
        if described is None or (op == "replace" and sub is None):
            raise no_target(f"no {self.attribute.name} value matches the filter")
        self.items.append(described)
        return len(self.items) - 1

    def _set_hit(self, op: OpName, index: int, sub: Attribute | None, value: Any) -> Any:
        element = self.items[index]
        if not isinstance(element, dict):
            raise invalid_path(f"{self.attribute.name} values have no sub-attributes")
        if sub is not None:
            _set(element, sub.name, value)
            return element
        if not isinstance(value, Mapping):
            raise invalid_value(f"{self.attribute.name}[…] needs an object value")
        given = _canonical(self.attribute, value)
        new = {**element, **given} if op == "add" else dict(given)
        self.items[index] = {k: v for k, v in new.items() if v is not None}
        return self.items[index]

    def _index_of(self, value: Any) -> int | None:
        return next((i for i, e in enumerate(self.items) if self._same(e, value)), None)

    def _same(self, a: Any, b: Any) -> bool:
        """Equal values, so ``add`` does not duplicate (RFC 7644 §3.5.2.1).

        Complex values compare on the sub-attributes both carry, leaving out ``primary``
        and ``display`` (a flag or a label does not make a new e-mail address); strings
        compare case-insensitively unless the sub-attribute is caseExact.
        """
        if not (isinstance(a, Mapping) and isinstance(b, Mapping)):
            exact = self.attribute.case_exact
            return bool(_comparable(a, exact) == _comparable(b, exact))
        shared = (set(a) & set(b)) - {"primary", "display"}
        if not shared:
            return False
        for key in shared:
            sub = self.attribute.sub(key) if isinstance(key, str) else None
            exact = sub.case_exact if sub is not None else True
            if _comparable(a[key], exact) != _comparable(b[key], exact):
                return False
        return True

    def _one_primary(self, changed: list[Any]) -> None:
        """At most one ``primary: true`` (RFC 7643 §2.4): the one set last wins."""
        winner = next(
            (c for c in reversed(changed) if isinstance(c, Mapping) and c.get("primary") is True),
            None,
        )
        if winner is None:
            return
        for element in self.items:
            if isinstance(element, dict) and element is not winner and element.get("primary"):
                element["primary"] = False


# --------------------------------------------------------------------------- small pieces


def _refreshed(existing: dict[str, Any], again: Mapping[str, Any]) -> dict[str, Any]:
    """An element re-added: stored values stay, its flags and missing parts are taken.

    Re-sending ``{"value": "a@x", "primary": true}`` makes that address primary without
    rewriting the stored spelling of the address.
    """
    taken = {k: v for k, v in again.items() if k in ("primary", "display") or k not in existing}
    return {**existing, **taken}


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


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _set(container: dict[str, Any], name: str, value: Any) -> None:
    """Set a value; ``None`` (JSON null) means unassigned (RFC 7644 §3.5.2.3)."""
    if value is None:
        container.pop(name, None)
    else:
        container[name] = value


def _canonical(attribute: Attribute, value: Any) -> Any:
    """One value with canonical sub-attribute names and no null sub-attributes."""
    if attribute.type != "complex" or not isinstance(value, Mapping):
        return value
    return {k: v for k, v in canonical_complex(attribute, value).items() if v is not None}


def _comparable(value: Any, case_exact: bool) -> Any:
    return value.casefold() if isinstance(value, str) and not case_exact else value


def _case_exact_for(attribute: Attribute) -> Callable[[AttrPath], bool]:
    def case_exact(path: AttrPath) -> bool:
        sub = attribute.sub(path.attr)
        return sub.case_exact if sub else False

    return case_exact


def _filter_paths(node: Filter) -> list[AttrPath]:
    if isinstance(node, And | Or):
        return _filter_paths(node.left) + _filter_paths(node.right)
    if isinstance(node, Not):
        return _filter_paths(node.operand)
    return [node.path]


def _check_filter(attribute: Attribute, node: Filter) -> None:
    """A value filter names sub-attributes of the element (RFC 7644 §3.5.2 ``valuePath``)."""
    for path in _filter_paths(node):
        if path.uri is not None or path.sub_attr is not None or attribute.sub(path.attr) is None:
            raise invalid_path(f"{attribute.name} has no sub-attribute {path.attr!r} to filter on")
    if any(isinstance(n, ValuePath) for n in _walk(node)):
        raise invalid_path("a value filter cannot nest another value filter")


def _walk(node: Filter) -> list[Filter]:
    if isinstance(node, And | Or):
        return [node, *_walk(node.left), *_walk(node.right)]
    if isinstance(node, Not):
        return [node, *_walk(node.operand)]
    return [node]


def _element_from_filter(node: Filter, attribute: Attribute) -> dict[str, Any] | None:
    """The element an ``eq``/``and`` filter describes, e.g. ``{"type": "work"}``; else None."""
    if isinstance(node, And):
        left = _element_from_filter(node.left, attribute)
        right = _element_from_filter(node.right, attribute)
        return None if left is None or right is None else {**left, **right}
    if isinstance(node, Compare) and node.op == "eq" and node.value is not None:
        sub = attribute.sub(node.path.attr)
        return {sub.name: node.value} if sub is not None else None
    return None


def _member_ids(value: Any) -> tuple[str, ...]:
    """Member ids from ``[{"value": id}, …]``, in order, without repeats."""
    ids: list[str] = []
    for item in _as_list(value):
        member = item.get("value") if isinstance(item, Mapping) else None
        if not isinstance(member, str) or not member.strip():
            raise invalid_value('each member needs a non-empty string "value" with its id')
        ids.append(member)
    return tuple(dict.fromkeys(ids))


def _member_ids_from_filter(node: Filter) -> tuple[str, ...]:
    """``members[value eq "a"]`` and ``members[value eq "a" or value eq "b"]``."""
    if isinstance(node, Or):
        return tuple(
            dict.fromkeys(_member_ids_from_filter(node.left) + _member_ids_from_filter(node.right))
        )
    if (
        isinstance(node, Compare)
        and node.op == "eq"
        and node.path.uri is None
        and node.path.sub_attr is None
        and node.path.attr.casefold() == "value"
        and isinstance(node.value, str)
    ):
        return (node.value,)
    raise invalid_filter(
        'members can be selected by value only: members[value eq "id"], joined by "or"'
    )


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
