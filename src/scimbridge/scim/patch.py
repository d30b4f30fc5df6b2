"""PATCH (RFC 7644 §3.5.2): add, replace and remove, on every path form, atomically.

``apply_patch`` works on a deep copy and raises on the first bad operation, so a request
either applies completely or changes nothing. A Group's ``members`` are not part of the
stored resource (a group can have 100,000 of them): operations on ``members`` come back
as :class:`MemberOp` values that the write path applies to the membership table.

IdP behaviour this accepts beyond the RFC, each noted where handled: capitalised op
names and string booleans (Entra ID), path-less values with dotted or URN-qualified keys
(Entra ID), member removal by a ``value`` list (Entra ID), ``id`` inside a path-less
replace value (Okta Group Push rename), and an ``add`` through a filter that matches
nothing creating the element (Entra ID ``emails[type eq "work"].value``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from scimbridge.scim import quirks
from scimbridge.scim.attributes import ResolvedAttribute, canonicalize, resolve
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
from scimbridge.scim.filter.ast import And, AttrPath, Compare, Filter, Or
from scimbridge.scim.filter.evaluate import matches_element
from scimbridge.scim.paths import PatchPath, parse_path
from scimbridge.scim.schemas import Attribute, ResourceType

MAX_OPERATIONS = 1000
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

MemberKind = Literal["add", "remove", "replace", "remove_all"]


@dataclass(frozen=True, slots=True)
class MemberOp:
    kind: MemberKind
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PatchResult:
    resource: dict[str, Any]
    member_ops: tuple[MemberOp, ...]
    changed: bool


def parse_operations(body: Any) -> list[tuple[str, str | None, Any]]:
    """``(op, path, value)`` triples from a PatchOp body (RFC 7644 §3.5.2).

    ``schemas`` is not required: several IdP templates omit it, and the endpoint already
    says what the body is.
    """
    if not isinstance(body, Mapping):
        raise invalid_syntax("a PATCH body must be a JSON object with Operations")
    operations = next((v for k, v in body.items() if k.casefold() == "operations"), None)
    if not isinstance(operations, list) or not operations:
        raise invalid_syntax("a PATCH body needs a non-empty Operations list")
    if len(operations) > MAX_OPERATIONS:
        raise too_many(f"a PATCH request may carry at most {MAX_OPERATIONS} operations")
    parsed = []
    for operation in operations:
        if not isinstance(operation, Mapping):
            raise invalid_syntax("each operation must be an object")
        fields = {k.casefold(): v for k, v in operation.items()}
        op = quirks.lower_op(fields.get("op"))
        if op not in ("add", "replace", "remove"):
            raise invalid_syntax(
                f"unknown PATCH op {fields.get('op')!r}; use add, replace or remove"
            )
        path = fields.get("path")
        if path is not None and not isinstance(path, str):
            raise invalid_path("path must be a string")
        if op != "remove" and "value" not in fields:
            raise invalid_value(f"{op} needs a value")
        parsed.append((op, path or None, fields.get("value")))
    return parsed


def apply_patch(resource_type: ResourceType, resource: Mapping[str, Any], body: Any) -> PatchResult:
    patcher = _Patcher(resource_type, copy.deepcopy(dict(resource)))
    for op, path, value in parse_operations(body):
        if path is None:
            patcher.without_path(op, value)
        else:
            patcher.at_path(op, parse_path(path, resource_type.schema_uris()), value)
    result = patcher.resource
    return PatchResult(result, tuple(patcher.member_ops), result != resource)


class _Patcher:
    def __init__(self, resource_type: ResourceType, resource: dict[str, Any]) -> None:
        self.resource_type = resource_type
        self.resource = resource
        self.member_ops: list[MemberOp] = []

    # ----------------------------------------------------------------- no path

    def without_path(self, op: str, value: Any) -> None:
        """RFC 7644 §3.5.2.1/§3.5.2.3: the value object's attributes, one by one."""
        if op == "remove":
            raise no_target("remove needs a path")
        if not isinstance(value, Mapping):
            raise invalid_value(f"{op} without a path needs an object value")
        for key, item in value.items():
            if not isinstance(key, str):
                raise invalid_value("attribute names must be strings")
            if key.casefold() in ("schemas", "id", "meta"):
                continue  # Okta's Group Push rename repeats the id; read-only, ignored
            self.at_path(op, parse_path(key, self.resource_type.schema_uris()), item, pathless=True)

    # ----------------------------------------------------------------- with path

    def at_path(self, op: str, path: PatchPath, value: Any, *, pathless: bool = False) -> None:
        if path.attr is None:
            self._whole_extension(op, path.uri or "", value)
            return
        resolved = resolve(self.resource_type, AttrPath(path.uri, path.attr, None))
        if resolved is None:
            self._unknown_attribute(op, path, value)
            return
        attribute = resolved.attribute
        if self.resource_type.name == "Group" and attribute.name == "members":
            self._members(op, path, value)
            return
        if attribute.returned == "never":
            return  # a password is accepted and never stored (RFC 7643 §4.1.1 "password")
        if attribute.mutability == "readOnly":
            if pathless:
                return
            raise mutability(f"{attribute.name} is read-only")
        if path.sub_attr is not None and attribute.sub(path.sub_attr) is None:
            raise invalid_path(f"{attribute.name} has no sub-attribute {path.sub_attr!r}")
        container = self._container(resolved, create=op != "remove")
        if container is None:
            if op == "remove" and path.value_filter is None:
                return
            raise no_target(f"{attribute.name} has no values")
        if path.value_filter is not None:
            self._filtered(op, container, attribute, path.value_filter, path.sub_attr, value)
        elif path.sub_attr is not None:
            self._sub_attribute(op, container, attribute, path.sub_attr, value)
        else:
            self._attribute(op, container, attribute, value)

    def _container(self, resolved: ResolvedAttribute, *, create: bool) -> dict[str, Any] | None:
        if not resolved.in_extension:
            return self.resource
        extension = self.resource.get(resolved.schema.id)
        if isinstance(extension, dict):
            return extension
        if not create:
            return None
        self.resource[resolved.schema.id] = extension = {}
        schemas = self.resource.setdefault("schemas", [self.resource_type.schema.id])
        if isinstance(schemas, list) and resolved.schema.id not in schemas:
            schemas.append(resolved.schema.id)
        return extension

    def _whole_extension(self, op: str, uri: str, value: Any) -> None:
        schema = self.resource_type.schema_by_uri(uri)
        canonical_uri = schema.id if schema else uri
        if op == "remove":
            self.resource.pop(canonical_uri, None)
            return
        if not isinstance(value, Mapping):
            raise invalid_value(f"{uri} needs an object value")
        incoming = canonicalize(self.resource_type, {canonical_uri: value}).get(canonical_uri, {})
        incoming = quirks.normalize_resource(self.resource_type, {canonical_uri: incoming}).get(
            canonical_uri, {}
        )
        current = self.resource.get(canonical_uri)
        merged = dict(current) if isinstance(current, dict) and op == "add" else dict(current or {})
        merged.update(incoming)
        self.resource[canonical_uri] = merged

    def _unknown_attribute(self, op: str, path: PatchPath, value: Any) -> None:
        """Custom extensions the schemas do not define are stored as sent (under their URN)."""
        if path.uri is None or self.resource_type.schema_by_uri(path.uri) is not None:
            raise invalid_path(f"unknown attribute {path.attr!r}")
        if path.value_filter is not None or path.sub_attr is not None:
            raise invalid_path(f"cannot address inside the unknown attribute {path.attr!r}")
        extension = self.resource.setdefault(path.uri, {})
        if not isinstance(extension, dict):
            raise invalid_path(f"{path.uri} is not an object")
        if op == "remove":
            extension.pop(path.attr, None)
        else:
            extension[path.attr] = value

    # ----------------------------------------------------------------- targets

    def _attribute(
        self, op: str, container: dict[str, Any], attribute: Attribute, value: Any
    ) -> None:
        name = attribute.name
        if op == "remove":
            if attribute.multi_valued and value is not None:
                # Entra ID removes multi-valued entries by listing them in `value`.
                doomed = [v for v in _as_list(value)]
                kept = [
                    e
                    for e in container.get(name) or []
                    if not any(_same(e, d, attribute) for d in doomed)
                ]
                _set(container, name, kept or None)
            else:
                container.pop(name, None)
            return
        value = self._clean(attribute, value)
        if attribute.multi_valued:
            new_items = _as_list(value)
            if op == "replace":
                _set(container, name, new_items or None)
            else:
                current = list(container.get(name) or [])
                for item in new_items:
                    if not any(_same(existing, item, attribute) for existing in current):
                        current.append(item)
                _set(container, name, current or None)
            _single_primary(container.get(name), new_items)
        elif (
            attribute.type == "complex"
            and isinstance(value, Mapping)
            and isinstance(container.get(name), dict)
        ):
            # §3.5.2.1/§3.5.2.3: sub-attributes given replace theirs; others stay.
            container[name] = {**container[name], **value}
        else:
            _set(container, name, value)

    def _sub_attribute(
        self, op: str, container: dict[str, Any], attribute: Attribute, sub_name: str, value: Any
    ) -> None:
        sub = attribute.sub(sub_name)
        assert sub is not None
        if sub.mutability == "readOnly":
            raise mutability(f"{attribute.name}.{sub.name} is read-only")
        current = container.get(attribute.name)
        if attribute.multi_valued:
            elements = current if isinstance(current, list) else []
            if op != "remove" and not elements:
                raise no_target(f"{attribute.name} has no values to set {sub.name} on")
            for element in elements:
                if isinstance(element, dict):
                    _set_or_pop(
                        element, sub.name, None if op == "remove" else self._clean(sub, value)
                    )
            return
        if op == "remove":
            if isinstance(current, dict):
                current.pop(sub.name, None)
                if not current:
                    container.pop(attribute.name)
            return
        target = current if isinstance(current, dict) else {}
        _set_or_pop(target, sub.name, self._clean(sub, value))
        _set(container, attribute.name, target or None)

    def _filtered(
        self,
        op: str,
        container: dict[str, Any],
        attribute: Attribute,
        value_filter: Filter,
        sub_name: str | None,
        value: Any,
    ) -> None:
        if not attribute.multi_valued:
            raise invalid_path(f"{attribute.name} is not multi-valued; it takes no value filter")
        elements = [e for e in container.get(attribute.name) or []]
        case_exact = _case_exact_for(attribute)
        matching = [
            i
            for i, e in enumerate(elements)
            if matches_element(value_filter, e, case_exact=case_exact)
        ]
        sub = attribute.sub(sub_name) if sub_name else None
        if op == "remove":
            if not matching:
                return
            if sub is None:
                elements = [e for i, e in enumerate(elements) if i not in matching]
            else:
                for i in matching:
                    if isinstance(elements[i], dict):
                        elements[i].pop(sub.name, None)
            _set(container, attribute.name, elements or None)
            return
        if not matching:
            created = _element_from_filter(value_filter, attribute)
            if created is None:
                raise no_target(f"no {attribute.name} value matches the filter")
            elements.append(created)
            matching = [len(elements) - 1]
        for i in matching:
            if sub is not None:
                if not isinstance(elements[i], dict):
                    raise invalid_path(f"{attribute.name} values have no sub-attributes")
                _set_or_pop(elements[i], sub.name, self._clean(sub, value))
            elif isinstance(value, Mapping) and isinstance(elements[i], dict):
                cleaned = self._clean(attribute, [value])[0]
                elements[i] = {**elements[i], **cleaned} if op == "add" else dict(cleaned)
            else:
                raise invalid_value(f"{attribute.name}[…] needs an object value")
        _set(container, attribute.name, elements)
        _single_primary(elements, [elements[i] for i in matching])

    def _clean(self, attribute: Attribute, value: Any) -> Any:
        """Canonical sub-attribute names and IdP value quirks for one value."""
        value = quirks.normalize_value(attribute, value)
        if attribute.type == "complex":
            value = _canonical_complex_value(attribute, value)
        return value

    # ----------------------------------------------------------------- Group members

    def _members(self, op: str, path: PatchPath, value: Any) -> None:
        if path.sub_attr is not None:
            raise invalid_path("members sub-attributes cannot be patched; add or remove members")
        if path.value_filter is not None:
            if op != "remove":
                raise invalid_path("members[…] paths are supported for remove only")
            self.member_ops.append(MemberOp("remove", _member_ids_from_filter(path.value_filter)))
            return
        ids = _member_ids(value) if value is not None else ()
        if op == "remove":
            self.member_ops.append(
                MemberOp("remove", ids) if value is not None else MemberOp("remove_all")
            )
        elif op == "replace":
            self.member_ops.append(MemberOp("replace", ids))
        else:
            self.member_ops.append(MemberOp("add", ids))


# --------------------------------------------------------------------------- helpers


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _set(container: dict[str, Any], name: str, value: Any) -> None:
    if value is None:
        container.pop(name, None)
    else:
        container[name] = value


_set_or_pop = _set


def _canonical_complex_value(attribute: Attribute, value: Any) -> Any:
    def rename(item: Any) -> Any:
        if not isinstance(item, Mapping):
            return item
        return {(attribute.sub(k).name if attribute.sub(k) else k): v for k, v in item.items()}  # type: ignore[union-attr]

    return [rename(v) for v in value] if isinstance(value, list) else rename(value)


def _comparable(value: Any, case_exact: bool) -> Any:
    if isinstance(value, str) and not case_exact:
        return value.casefold()
    if isinstance(value, Mapping):
        return {k: _comparable(v, case_exact) for k, v in value.items() if k != "primary"}
    return value


def _same(a: Any, b: Any, attribute: Attribute) -> bool:
    """Equal values for "add does not duplicate" (RFC 7644 §3.5.2.1).

    Complex values compare by ``value`` (and ``type`` when both have one); a different
    ``primary`` flag does not make a new address.
    """
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        value_sub = attribute.sub("value")
        exact = value_sub.case_exact if value_sub else False
        if "value" in a or "value" in b:
            same_value = _comparable(a.get("value"), exact) == _comparable(b.get("value"), exact)
            same_type = (
                a.get("type") is None
                or b.get("type") is None
                or _comparable(a.get("type"), False) == _comparable(b.get("type"), False)
            )
            return same_value and same_type
        return bool(_comparable(a, exact) == _comparable(b, exact))
    return bool(_comparable(a, attribute.case_exact) == _comparable(b, attribute.case_exact))


def _single_primary(elements: Any, changed: Sequence[Any]) -> None:
    """At most one element has ``primary: true`` (RFC 7643 §2.4): the newest wins."""
    if not isinstance(elements, list):
        return
    winner = next(
        (c for c in reversed(changed) if isinstance(c, Mapping) and c.get("primary") is True), None
    )
    if winner is None:
        return
    for element in elements:
        if isinstance(element, dict) and element is not winner and element.get("primary") is True:
            element["primary"] = False


def _case_exact_for(attribute: Attribute) -> Any:
    def case_exact(path: AttrPath) -> bool:
        sub = attribute.sub(path.attr)
        return sub.case_exact if sub else False

    return case_exact


def _element_from_filter(node: Filter, attribute: Attribute) -> dict[str, Any] | None:
    """``emails[type eq "work"]`` matching nothing: the element the filter describes.

    Entra ID adds a user's work e-mail with ``add emails[type eq "work"].value``; only
    filters made of ``eq`` comparisons joined by ``and`` describe one element.
    """
    fields: dict[str, Any] = {}

    def collect(n: Filter) -> bool:
        if isinstance(n, And):
            return collect(n.left) and collect(n.right)
        if isinstance(n, Compare) and n.op == "eq" and attribute.sub(n.path.attr) is not None:
            sub = attribute.sub(n.path.attr)
            assert sub is not None
            fields[sub.name] = n.value
            return True
        return False

    return fields if collect(node) else None


def _member_ids(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    ids: list[str] = []
    for item in items:
        member = item.get("value") if isinstance(item, Mapping) else None
        if not isinstance(member, str) or not member:
            raise invalid_value('each member needs a string "value" with the user\'s id')
        ids.append(member)
    return tuple(dict.fromkeys(ids))


def _member_ids_from_filter(node: Filter) -> tuple[str, ...]:
    """``members[value eq "a"]`` and ``members[value eq "a" or value eq "b"]``."""
    if isinstance(node, Or):
        return _member_ids_from_filter(node.left) + _member_ids_from_filter(node.right)
    if (
        isinstance(node, Compare)
        and node.op == "eq"
        and node.path.attr.casefold() == "value"
        and isinstance(node.value, str)
    ):
        return (node.value,)
    raise invalid_filter('members can be selected by value only: members[value eq "id"]')


__all__ = [
    "MAX_OPERATIONS",
    "MemberOp",
    "PatchResult",
    "ScimError",
    "apply_patch",
    "parse_operations",
]
