"""``attributes`` and ``excludedAttributes`` (RFC 7644 §3.9) with ``returned`` (RFC 7643 §2.2).

RFC 7643 §2.2 gives every attribute a ``returned`` characteristic:

* ``always`` (``id``, and ``schemas`` which every resource carries) survives both lists;
* ``never`` (``password``) is dropped whatever the client asks;
* ``request`` appears only when named in ``attributes``;
* ``default`` appears unless ``attributes`` leaves it out or ``excludedAttributes`` names it.

Choices where the RFC leaves room:

* When both parameters come, ``attributes`` wins and ``excludedAttributes`` is ignored:
  §3.9 defines each as overriding the default set, and a list of wanted names is the more
  precise request.
* Names the schemas do not know, or that are not attribute paths at all, are ignored, as
  §3.9 allows ("... MAY ignore ..."), so one stale name does not fail a whole listing.
* With ``attributes``, ``meta.resourceType`` is kept: clients that list mixed resources
  (``/.search`` at the root) need it to tell them apart.
* A whole extension may be named by its URN (``attributes=urn:…:enterprise:2.0:User``).

The input is never modified; the answer is built from fresh dictionaries and lists.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any, Protocol, TypeAlias

from scimbridge.scim.attributes import resolve
from scimbridge.scim.errors import ScimError
from scimbridge.scim.filter.parser import parse_attr_path
from scimbridge.scim.schemas import COMMON_ATTRIBUTES, Attribute, ResourceType

# A selection of attribute paths as a tree of case-folded names. ``None`` marks a node
# selected whole (``emails``); a dict selects only some children (``emails.value``).
Tree: TypeAlias = dict[str, "Tree | None"]


class _Walk(Protocol):
    def __call__(self, parent: Attribute, value: Mapping[str, Any], /) -> dict[str, Any]: ...


_SCHEMAS = Attribute("schemas", multi_valued=True, case_exact=True, returned="always")
_SCALARS = frozenset({str, int, float, bool})
_ALWAYS_WITH_ATTRIBUTES = (("meta", "resourceType"),)


def parse_attribute_list(raw: str | None) -> list[str]:
    """Split an ``attributes``/``excludedAttributes`` query value on commas (RFC 7644 §3.9)."""
    if not raw:
        return []
    return [part.strip() for part in raw.split(",") if part.strip()]


def project(
    resource_type: ResourceType,
    resource: Mapping[str, Any],
    attributes: Sequence[str] | None,
    excluded_attributes: Sequence[str] | None,
) -> dict[str, Any]:
    """The resource as the client asked for it (RFC 7644 §3.9, RFC 7643 §2.2).

    ``resource`` is the fully rendered resource; ``attributes`` wins over
    ``excluded_attributes`` when both are given.
    """
    if not attributes and not excluded_attributes:
        hidden = _hidden_top_level(resource_type)
        if hidden is not None:
            # The common case (no parameters): only top-level never/request attributes go.
            # The result shares nested values with ``resource``; neither is changed later.
            return {k: v for k, v in resource.items() if k not in hidden}
    root = _root(resource_type)
    if attributes:
        wanted = _tree(resource_type, attributes)
        for path in _ALWAYS_WITH_ATTRIBUTES:
            _insert(wanted, path)
        return _Walker().select(root, resource, wanted)
    return _Walker().default(root, resource, _tree(resource_type, excluded_attributes or ()))


@functools.cache
def _hidden_top_level(resource_type: ResourceType) -> frozenset[str] | None:
    """Top-level names a default answer leaves out, or None when a nested one exists too."""
    hidden: set[str] = set()
    schemas = (resource_type.schema, *(e.schema for e in resource_type.extensions))
    for schema in schemas:
        for attribute in schema.attributes:
            if any(sub.returned in ("never", "request") for sub in attribute.sub_attributes):
                return None
            if attribute.returned in ("never", "request"):
                if schema is not resource_type.schema:
                    return None
                hidden.add(attribute.name)
    return frozenset(hidden)


def is_requested(
    resource_type: ResourceType,
    name: str,
    attributes: Sequence[str] | None,
    excluded: Sequence[str] | None,
) -> bool:
    """Will any part of the top-level attribute ``name`` be in the answer?

    Lets callers skip loading expensive attributes: a Group's ``members`` or a User's
    ``groups`` come from another table, and ``excludedAttributes=members`` on a group of
    100 000 members should not read them at all.
    """
    attribute = _root(resource_type).sub(name)
    if attribute is None or attribute.returned == "never":
        return False
    key = attribute.name.casefold()
    if attributes:
        return attribute.returned == "always" or key in _tree(resource_type, attributes)
    if attribute.returned == "request":
        return False
    excluded_tree = _tree(resource_type, excluded or ())
    return attribute.returned == "always" or not (
        key in excluded_tree and excluded_tree[key] is None
    )


# --------------------------------------------------------------------------- selection trees


@functools.cache
def _root(resource_type: ResourceType) -> Attribute:
    """The resource as one complex attribute: ``schemas``, common, core and extensions.

    Each extension becomes a complex child named by its URN (RFC 7643 §3.3), so one walk
    handles core and extension attributes alike.
    """
    extensions = tuple(
        Attribute(e.schema.id, "complex", sub_attributes=e.schema.attributes)
        for e in resource_type.extensions
    )
    children = (_SCHEMAS, *COMMON_ATTRIBUTES, *resource_type.schema.attributes, *extensions)
    return Attribute("", "complex", sub_attributes=children)


def _tree(resource_type: ResourceType, names: Sequence[str]) -> Tree:
    tree: Tree = {}
    for name in names:
        path = _key_path(resource_type, name)
        if path is not None:
            _insert(tree, path)
    return tree


def _key_path(resource_type: ResourceType, name: str) -> tuple[str, ...] | None:
    """Keys into the rendered resource for ``name``, or None when it names nothing known."""
    text = name.strip()
    extension = resource_type.schema_by_uri(text)
    if extension is not None and extension is not resource_type.schema:
        return (extension.id,)
    if text.casefold() == "schemas":
        return ("schemas",)
    try:
        resolved = resolve(resource_type, parse_attr_path(text))
    except ScimError:
        return None
    return None if resolved is None else resolved.key_path


def _insert(tree: Tree, path: Sequence[str]) -> None:
    node = tree
    for depth, key in enumerate(path):
        folded = key.casefold()
        if depth == len(path) - 1:
            node[folded] = None
            return
        child = node.get(folded, {})
        if child is None:  # an ancestor is already selected whole
            return
        node[folded] = child
        node = child


# --------------------------------------------------------------------------- walks


class _Walker:
    """Walks a rendered resource alongside its schema, building the projected copy.

    Keeps a name index per complex attribute for the duration of one projection: a group
    with 100 000 members looks up the same four sub-attribute names 400 000 times.
    """

    def __init__(self) -> None:
        self._names: dict[int, dict[str, Attribute]] = {}
        self._plain: dict[int, bool] = {}

    def child(self, parent: Attribute, key: str) -> Attribute | None:
        names = self._names.get(id(parent))
        if names is None:
            names = {a.name: a for a in parent.sub_attributes}
            names.update((a.name.casefold(), a) for a in parent.sub_attributes)
            self._names[id(parent)] = names
        return names.get(key) or names.get(key.casefold())

    def plain(self, parent: Attribute) -> bool:
        """Whether the default set of ``parent`` is simply all of it (a fast path)."""
        plain = self._plain.get(id(parent))
        if plain is None:
            plain = all(
                a.type != "complex" and a.returned in ("always", "default")
                for a in parent.sub_attributes
            )
            self._plain[id(parent)] = plain
        return plain

    def default(
        self, parent: Attribute, value: Mapping[str, Any], excluded: Tree
    ) -> dict[str, Any]:
        """The default set minus ``excluded``: no ``never``/``request`` ones (RFC 7643 §2.2)."""
        if not excluded and self.plain(parent):
            return {
                key: item if item is None or type(item) in _SCALARS else copy.deepcopy(item)
                for key, item in value.items()
            }
        result: dict[str, Any] = {}
        for key, item in value.items():
            attribute = self.child(parent, key)
            if attribute is None:
                result[key] = _copy(item)  # not in the schemas: kept as the client sent it
                continue
            if attribute.returned in ("never", "request"):
                continue
            below = excluded.get(attribute.name.casefold(), {})
            if below is None and attribute.returned != "always":
                continue
            result[key] = self._each(attribute, item, partial(self.default, excluded=below or {}))
        return result

    def select(self, parent: Attribute, value: Mapping[str, Any], wanted: Tree) -> dict[str, Any]:
        """Only ``always`` attributes and the ``wanted`` paths (RFC 7644 §3.9 ``attributes``)."""
        result: dict[str, Any] = {}
        for key, item in value.items():
            attribute = self.child(parent, key)
            if attribute is None or attribute.returned == "never":
                continue
            folded = attribute.name.casefold()
            if attribute.returned == "always" or (folded in wanted and wanted[folded] is None):
                result[key] = self._each(attribute, item, partial(self.default, excluded={}))
            elif folded in wanted:
                subtree = wanted[folded] or {}
                picked = self._each(attribute, item, partial(self.select, wanted=subtree))
                if picked not in ({}, []):
                    result[key] = picked
        return result

    @staticmethod
    def _each(attribute: Attribute, value: Any, walk: _Walk) -> Any:
        """Apply ``walk`` to a complex value, or to each element of a multi-valued one.

        Elements the walk empties (``emails.value`` on an element without a value) are
        left out rather than answered as ``{}``.
        """
        if attribute.type != "complex":
            return _copy(value)
        if isinstance(value, Mapping):
            return walk(attribute, value)
        if isinstance(value, list):
            walked = (walk(attribute, e) if isinstance(e, Mapping) else _copy(e) for e in value)
            return [e for e in walked if e != {}]
        return _copy(value)


def _copy(value: Any) -> Any:
    """Scalars as they are (immutable), containers deep-copied so callers may edit the answer."""
    if value is None or type(value) in _SCALARS:
        return value
    return copy.deepcopy(value)
