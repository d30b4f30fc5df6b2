"""Validation of a directory's ``attribute_map`` (contract: Admin API → ``attribute_map``).

Each entry maps a ``custom_attributes`` name to a SCIM attribute path that
``normalize.lookup_attribute`` reads from the stored user. A path that names nothing
would silently map nothing forever, so a map is checked when it is written:

* Unqualified paths and paths under the core User or Enterprise User URN are resolved
  against the schemas (``scim/schemas.py``): the attribute, its sub-attribute and the
  names inside a value filter must exist (RFC 7644 §3.10: unqualified names are the core
  schema's). A value filter needs a multi-valued attribute: ``lookup_attribute`` picks
  the first matching *element*, so a filter on a single value never matches. URNs in the
  namespaces RFC 7643 reserves for these schemas (``urn:ietf:params:scim:schemas:core:``
  and ``…:extension:enterprise:``) must be the exact schema, so ``…:2.0:Usr:department``
  is a typo, not a custom extension.
* Paths under any other ``urn:`` schema are accepted when they parse: custom extensions
  (Okta's ``urn:okta:…``, Entra's ``urn:ietf:params:scim:schemas:extension:<name>:2.0:User``)
  are stored as sent under their URN (``scim/attributes.py``), and their attributes are
  known only to the IdP, so they stay mappable.
* Group schema paths are refused: the map fills *users'* ``custom_attributes``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from scimbridge.directory.normalize import KNOWN_SCHEMA_URIS
from scimbridge.scim.attributes import resolve
from scimbridge.scim.errors import ScimError
from scimbridge.scim.filter.ast import And, AttrPath, Filter, Not, Or, ValuePath
from scimbridge.scim.paths import PatchPath, parse_path
from scimbridge.scim.schemas import (
    ENTERPRISE_USER_SCHEMA,
    GROUP_SCHEMA,
    USER_RESOURCE,
    USER_SCHEMA,
    Attribute,
)

MAX_NAME_LENGTH = 200
_RESERVED_NAMESPACES = (
    "urn:ietf:params:scim:schemas:core:",
    "urn:ietf:params:scim:schemas:extension:enterprise:",
)


class AttributeMapError(ValueError):
    """One entry of a map is unusable; the message names the key and the path."""


def check_attribute_map(mapping: Mapping[str, object]) -> dict[str, str]:
    """The map itself when every entry is usable; raises :class:`AttributeMapError`."""
    checked: dict[str, str] = {}
    for name, path in mapping.items():
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME_LENGTH:
            raise AttributeMapError(
                f"attribute_map keys must be non-empty names of at most {MAX_NAME_LENGTH} "
                f"characters; got {name!r}"
            )
        if not isinstance(path, str) or not path.strip():
            raise AttributeMapError(f"attribute_map[{name!r}] must be a SCIM attribute path")
        problem = path_problem(path)
        if problem is not None:
            raise AttributeMapError(f"attribute_map[{name!r}] = {path!r}: {problem}")
        checked[name] = path
    return checked


def path_problem(text: str) -> str | None:
    """Why ``text`` cannot name a user attribute, or None when it can."""
    try:
        path = parse_path(text, KNOWN_SCHEMA_URIS)
    except ScimError as error:
        return error.detail
    uri = path.uri
    if uri is not None and uri.casefold() == GROUP_SCHEMA.casefold():
        return "attribute_map reads users; the Group schema does not apply"
    if uri is not None and uri not in (USER_SCHEMA, ENTERPRISE_USER_SCHEMA):
        if not uri.casefold().startswith("urn:"):
            return f"{uri!r} is not a schema URN (custom extensions are named urn:…)"
        if uri.casefold().startswith(_RESERVED_NAMESPACES):
            return f"{uri!r} is not a schema this server knows; did you mean {_closest(uri)}?"
        return None  # a custom extension, stored as the IdP sends it
    return _schema_problem(path)


def _closest(uri: str) -> str:
    core = "urn:ietf:params:scim:schemas:core:"
    return USER_SCHEMA if uri.casefold().startswith(core) else ENTERPRISE_USER_SCHEMA


def _schema_problem(path: PatchPath) -> str | None:
    schema_name = "the Enterprise User extension" if path.uri else "the core User schema"
    if path.attr is None:
        return None if path.uri == ENTERPRISE_USER_SCHEMA else "names a schema, not an attribute"
    resolved = resolve(USER_RESOURCE, AttrPath(path.uri, path.attr, path.sub_attr))
    if resolved is None:
        where = f"{path.attr}.{path.sub_attr}" if path.sub_attr else path.attr
        if resolve(USER_RESOURCE, AttrPath(path.uri, path.attr)) is None:
            where = path.attr
        return f"{where!r} is not an attribute of {schema_name} (RFC 7643 §4)"
    attribute = resolved.attribute
    if attribute.mutability == "readOnly" or attribute.returned == "never":
        # ``id``, ``meta``, a User's ``groups``, ``password``: never in the stored attributes
        # (scim/attributes.py), so a mapping could only ever read null.
        return f"{attribute.name!r} is not kept in a user's attributes; it cannot be mapped"
    if path.value_filter is None:
        return None
    if not attribute.multi_valued:
        return f"a value filter needs a multi-valued attribute; {attribute.name!r} is single"
    for name in _filter_names(path.value_filter):
        if not _is_element_name(attribute, name):
            return f"the value filter names {_text(name)!r}, which {attribute.name!r} elements lack"
    return None


def _text(path: AttrPath) -> str:
    text = f"{path.uri}:{path.attr}" if path.uri else path.attr
    return f"{text}.{path.sub_attr}" if path.sub_attr else text


def _is_element_name(attribute: Attribute, path: AttrPath) -> bool:
    """Names inside ``attr[...]`` are relative to one element (RFC 7644 §3.10)."""
    if path.uri is not None or path.sub_attr is not None:
        return False
    if not attribute.sub_attributes:
        return path.attr.casefold() == "value"  # a simple multi-valued attribute's element
    return attribute.sub(path.attr) is not None


def _filter_names(node: Filter) -> Iterator[AttrPath]:
    if isinstance(node, And | Or):
        yield from _filter_names(node.left)
        yield from _filter_names(node.right)
    elif isinstance(node, Not):
        yield from _filter_names(node.operand)
    elif isinstance(node, ValuePath):
        yield node.path
    else:
        yield node.path
