"""Values and elements of one attribute inside a PATCH (RFC 7644 §3.5.2.1-3).

``patch`` resolves an operation's path to an attribute and its container (the resource
or an extension object); this module changes the value there: a whole value, a
sub-attribute, or the elements of a multi-valued attribute that a value filter selects.
Kept apart from ``patch`` so path resolution and value changes can be read separately.

Value filters that select nothing: ``remove`` is a no-op (retries stay harmless), and
``add``/``replace`` are ``noTarget`` (RFC 7644 §3.5.2.3; §3.12 Table 9), except the one
shape Entra ID documents relying on, which ``quirks.element_for_unmatched_filter``
describes and cites.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

from scimbridge.scim import quirks
from scimbridge.scim.attributes import canonical_complex
from scimbridge.scim.errors import invalid_path, invalid_value, no_target
from scimbridge.scim.filter.ast import And, AttrPath, Filter, Not, Or, ValuePath
from scimbridge.scim.filter.evaluate import matches_element
from scimbridge.scim.schemas import Attribute

OpName = Literal["add", "replace", "remove"]


# --------------------------------------------------------------------------- single values


def whole_value(op: OpName, container: dict[str, Any], attribute: Attribute, value: Any) -> None:
    """An attribute addressed without filter or sub-attribute."""
    if attribute.multi_valued:
        elements = Elements(container, attribute)
        if op == "remove":
            elements.remove_values(value)
        elif op == "add":
            elements.add(as_list(value))
        else:
            elements.replace_all(as_list(value))
        return
    if op == "remove":
        container.pop(attribute.name, None)
        return
    value = canonical_value(attribute, value)
    current = container.get(attribute.name)
    if attribute.type == "complex" and isinstance(value, Mapping) and isinstance(current, dict):
        # §3.5.2.1/§3.5.2.3: sub-attributes given replace theirs; the others stay.
        merged = {**current, **value}
        set_value(container, attribute.name, {k: v for k, v in merged.items() if v is not None})
    else:
        set_value(container, attribute.name, value)


def sub_value(
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
            set_value(element, sub.name, new)
        return
    target = current if isinstance(current, dict) else {}
    set_value(target, sub.name, new)
    set_value(container, attribute.name, target or None)


# --------------------------------------------------------------------------- value filters


def _filter_paths(node: Filter) -> list[AttrPath]:
    if isinstance(node, And | Or):
        return _filter_paths(node.left) + _filter_paths(node.right)
    if isinstance(node, Not):
        return _filter_paths(node.operand)
    return [node.path]


def check_value_filter(attribute: Attribute, node: Filter) -> None:
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


# --------------------------------------------------------------------------- multi-valued


class Elements:
    """The elements of one multi-valued attribute inside a container dict."""

    def __init__(self, container: dict[str, Any], attribute: Attribute) -> None:
        self.container = container
        self.attribute = attribute
        current = container.get(attribute.name)
        self.items: list[Any] = list(current) if isinstance(current, list) else []

    def _store(self) -> None:
        set_value(self.container, self.attribute.name, self.items or None)

    def add(self, values: list[Any]) -> None:
        """RFC 7644 §3.5.2.1: new values are appended; one already present is refreshed."""
        added = []
        for value in (canonical_value(self.attribute, v) for v in values):
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
        self.items = [canonical_value(self.attribute, v) for v in values]
        self._store()
        self._one_primary(self.items)

    def remove_values(self, value: Any) -> None:
        """No value: the attribute goes (§3.5.2.2). With a list: those values go (Entra ID)."""
        if value is None:
            self.items = []
        else:
            doomed = [canonical_value(self.attribute, v) for v in as_list(value)]
            self.items = [e for e in self.items if not any(self._same(e, d) for d in doomed)]
        self._store()

    def filtered(self, op: OpName, node: Filter, sub: Attribute | None, value: Any) -> None:
        """``attr[filter]`` and ``attr[filter].sub`` (RFC 7644 §3.5.2.1-3)."""
        case_exact = case_exact_for(self.attribute)
        hits = [
            i for i, e in enumerate(self.items) if matches_element(node, e, case_exact=case_exact)
        ]
        if op == "remove":
            self._remove_hits(hits, sub)
            return
        if not hits:
            created = self._unmatched(node, sub, value)
            if created is None:
                return
            hits = [created]
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

    def _unmatched(self, node: Filter, sub: Attribute | None, value: Any) -> int | None:
        """``add``/``replace`` through a filter that selects no element.

        RFC 7644 §3.5.2.3: "the service provider SHALL indicate failure by returning HTTP
        status code 400 and a "scimType" error code of "noTarget"". §3.5.2.1 (``add``) has
        no rule for a value filter; RFC 7644 §3.12 Table 9 defines ``noTarget`` for every
        PATCH whose path "contains a filter that yields no match", and a filter does not
        name a location that could be created (``emails[value co "x"]`` describes no
        element), so ``add`` answers the same. The one exception is the Entra ID shape
        ``quirks.element_for_unmatched_filter`` accepts: that element is created, unless
        the value is empty (there is nothing to set, and nothing to clear). Returns the
        new element's index, or None when nothing is to be done.
        """
        described = quirks.element_for_unmatched_filter(self.attribute, node, sub)
        if described is None:
            raise no_target(f"no {self.attribute.name} value matches the filter")
        if value is None or value == "":
            return None
        self.items.append(described)
        return len(self.items) - 1

    def _set_hit(self, op: OpName, index: int, sub: Attribute | None, value: Any) -> Any:
        element = self.items[index]
        if not isinstance(element, dict):
            raise invalid_path(f"{self.attribute.name} values have no sub-attributes")
        if sub is not None:
            set_value(element, sub.name, value)
            return element
        if not isinstance(value, Mapping):
            raise invalid_value(f"{self.attribute.name}[…] needs an object value")
        given = canonical_value(self.attribute, value)
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


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def set_value(container: dict[str, Any], name: str, value: Any) -> None:
    """Set a value; ``None`` (JSON null) means unassigned (RFC 7644 §3.5.2.3)."""
    if value is None:
        container.pop(name, None)
    else:
        container[name] = value


def canonical_value(attribute: Attribute, value: Any) -> Any:
    """One value with canonical sub-attribute names and no null sub-attributes."""
    if attribute.type != "complex" or not isinstance(value, Mapping):
        return value
    return {k: v for k, v in canonical_complex(attribute, value).items() if v is not None}


def _comparable(value: Any, case_exact: bool) -> Any:
    return value.casefold() if isinstance(value, str) and not case_exact else value


def case_exact_for(attribute: Attribute) -> Callable[[AttrPath], bool]:
    def case_exact(path: AttrPath) -> bool:
        sub = attribute.sub(path.attr)
        return sub.case_exact if sub else False

    return case_exact
