"""What real identity providers send where it bends RFC 7643/7644, normalised once.

Each rule is a small function naming its source. ``normalize_resource`` runs on a POST or
PUT body as received (any-case names, URN-qualified keys) before ``canonicalize`` and
``validate``; ``normalize_patch_operation`` runs on each PATCH operation before
``patch.apply_patch`` interprets it. After them the rest of the code sees RFC-shaped
values. Rules only ever rewrite values of *known* attributes whose shape is unambiguous;
anything they do not recognise passes through for validation to judge.

Not a quirk, though often listed as one: Okta's path-less
``{"op": "replace", "value": {"active": false}}`` is RFC 7644 §3.5.2.3 as written, and
``patch`` applies it directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scimbridge.scim.attributes import resolve
from scimbridge.scim.errors import ScimError
from scimbridge.scim.filter.ast import AttrPath, Compare, Filter
from scimbridge.scim.paths import PatchPath, parse_path
from scimbridge.scim.schemas import COMMON_ATTRIBUTES, Attribute, ResourceType, Schema

# --------------------------------------------------------------------------- value rules


def lower_op(op: Any) -> Any:
    """``"Replace"``/``"Add"``/``"Remove"`` → lower case (RFC 7644 §3.5.2 uses lower case).

    Entra ID capitalises op names: Microsoft Learn, "Known issues and resolutions with
    SCIM 2.0 protocol compliance of the Microsoft Entra user provisioning service".
    """
    return op.strip().lower() if isinstance(op, str) else op


def string_boolean(value: Any) -> Any:
    """``"True"``/``"False"`` (any case) → booleans, for boolean-typed attributes.

    Entra ID sends ``{"op": "Replace", "path": "active", "value": "False"}`` (same
    Microsoft Learn known-issues page); ``primary: "true"`` arrives the same way.
    """
    if isinstance(value, str) and value.strip().casefold() in ("true", "false"):
        return value.strip().casefold() == "true"
    return value


def string_number(attribute: Attribute, value: Any) -> Any:
    """``"42"`` → 42 for integer attributes, ``"1.5"`` → 1.5 for decimal ones.

    Generic SCIM clients built on string-typed attribute mappings (e.g. Okta custom
    attributes declared as strings, mapped onto an integer extension) send numbers as
    JSON strings; RFC 7643 §2.3.4/§2.3.3 want JSON numbers. Unparseable text is left
    for validation to reject.
    """
    if not isinstance(value, str) or attribute.type not in ("integer", "decimal"):
        return value
    text = value.strip()
    try:
        return int(text) if attribute.type == "integer" else float(text)
    except ValueError:
        return value


def single_object_to_list(attribute: Attribute, value: Any) -> Any:
    """A multi-valued attribute sent as one object becomes a one-element list.

    OneLogin's and some JumpCloud templates send ``"emails": {"value": …, "primary": true}``
    where RFC 7643 §2.4 requires a JSON array.
    """
    if attribute.multi_valued and isinstance(value, Mapping):
        return [value]
    return value


def manager_from_string(attribute: Attribute, value: Any) -> Any:
    """Enterprise ``manager`` sent as a bare id string → ``{"value": id}``; ``""`` clears it.

    Entra ID sends the manager's id as a plain string (Microsoft Learn known-issues page,
    "manager" row; "Tutorial: Develop and plan provisioning for a SCIM endpoint"), where
    RFC 7643 §4.3 defines a complex ``{"value", "$ref", "displayName"}``.
    """
    if attribute.name == "manager" and attribute.type == "complex" and isinstance(value, str):
        return {"value": value} if value.strip() else None
    return value


def normalize_value(attribute: Attribute, value: Any) -> Any:
    """Every value rule for one value aimed at ``attribute`` (and its sub-attributes)."""
    value = single_object_to_list(attribute, manager_from_string(attribute, value))
    if attribute.type == "boolean":
        return string_boolean(value)
    if attribute.type in ("integer", "decimal"):
        return string_number(attribute, value)
    if attribute.type == "complex" and attribute.sub_attributes:
        if isinstance(value, list):
            return [normalize_element(attribute, v) for v in value]
        return normalize_element(attribute, value)
    return value


def normalize_element(attribute: Attribute, value: Any) -> Any:
    """One complex value (one element of a multi-valued one): its sub-attributes' rules."""
    if not isinstance(value, Mapping):
        return value
    result: dict[str, Any] = {}
    for key, item in value.items():
        sub = attribute.sub(key) if isinstance(key, str) else None
        result[key] = normalize_value(sub, item) if sub is not None else item
    return result


# --------------------------------------------------------------------------- resources


def _schema_values(schema: Schema, values: Mapping[str, Any], core: bool) -> dict[str, Any]:
    """Normalise the values of one schema's attributes, keeping every key as sent."""
    result: dict[str, Any] = {}
    for key, value in values.items():
        attribute = _attribute(schema, key, core) if isinstance(key, str) else None
        normalized = normalize_value(attribute, value) if attribute is not None else value
        if normalized is not None or attribute is None:
            result[key] = normalized
    return result


def _attribute(schema: Schema, name: str, core: bool) -> Attribute | None:
    found = schema.attribute(name)
    if found is None and core:
        folded = name.casefold()
        found = next((a for a in COMMON_ATTRIBUTES if a.name.casefold() == folded), None)
    return found


def _qualified_attribute(resource_type: ResourceType, key: str) -> Attribute | None:
    """``urn:…:enterprise:2.0:User:department`` → that extension's ``department``."""
    uri, _, name = key.rpartition(":")
    schema = resource_type.schema_by_uri(uri) if uri else None
    if schema is None:
        return None
    return _attribute(schema, name, not resource_type.is_extension(schema))


def normalize_resource(resource_type: ResourceType, data: Mapping[str, Any]) -> dict[str, Any]:
    """Apply every value rule to a resource body as received (before ``canonicalize``).

    Names may be in any case and extension attributes may come nested under their URN
    or URN-qualified at the top level; keys are kept as sent for ``canonicalize``.
    """
    result: dict[str, Any] = {}
    for key, value in data.items():
        if not isinstance(key, str):
            result[key] = value
            continue
        schema = resource_type.schema_by_uri(key)
        if schema is not None:
            core = not resource_type.is_extension(schema)
            result[key] = (
                _schema_values(schema, value, core) if isinstance(value, Mapping) else value
            )
            continue
        attribute = _qualified_attribute(resource_type, key) if ":" in key else None
        if attribute is None and ":" not in key:
            attribute = _attribute(resource_type.schema, key, True)
        normalized = normalize_value(attribute, value) if attribute is not None else value
        if normalized is not None or attribute is None:
            result[key] = normalized
    return result


# --------------------------------------------------------------------------- PATCH


def _path_value(resource_type: ResourceType, path: str, value: Any) -> Any:
    """Normalise ``value`` for the attribute a PATCH path names; unknown paths untouched.

    ``emails[type eq "work"]`` addresses elements, so its value is one element (not
    wrapped in a list); ``emails[type eq "work"].value`` addresses a sub-attribute.
    A path that does not parse is left for ``patch`` to reject with invalidPath.
    """
    try:
        parsed = parse_path(path, resource_type.schema_uris())
    except ScimError:
        return value
    if parsed.attr is None:
        schema = resource_type.schema_by_uri(parsed.uri or "")
        if schema is not None and isinstance(value, Mapping):
            return _schema_values(schema, value, not resource_type.is_extension(schema))
        return value
    resolved = resolve(resource_type, AttrPath(parsed.uri, parsed.attr, parsed.sub_attr))
    if resolved is None:
        return value
    if _addresses_elements(parsed):
        return normalize_element(resolved.attribute, value)
    return normalize_value(resolved.target, value)


def _addresses_elements(path: PatchPath) -> bool:
    return path.value_filter is not None and path.sub_attr is None


def _pathless_value(resource_type: ResourceType, value: Any) -> Any:
    """A path-less value object: each key is itself a path (Entra: ``name.givenName``)."""
    if not isinstance(value, Mapping):
        return value
    return {
        key: _path_value(resource_type, key, item) if isinstance(key, str) and key else item
        for key, item in value.items()
    }


def normalize_patch_operation(resource_type: ResourceType, op: Mapping[str, Any]) -> dict[str, Any]:
    """One PATCH operation with RFC 7644 §3.5.2 member names and normalised values.

    Member names are matched in any case (``"Op"``, ``"Path"``, ``"Value"``), the op name
    is lower-cased (Entra ID), and the value gets the value rules for the attribute the
    path names — or, without a path, for each attribute the value object names. Members
    other than op/path/value are kept under their folded name.
    """
    fields = {k.casefold() if isinstance(k, str) else k: v for k, v in op.items()}
    result: dict[str, Any] = dict(fields)
    result["op"] = lower_op(fields.get("op"))
    if "value" in fields:
        path = fields.get("path")
        if isinstance(path, str) and path.strip():
            result["value"] = _path_value(resource_type, path, fields["value"])
        elif path is None or path == "":
            result["value"] = _pathless_value(resource_type, fields["value"])
    return result


# Sub-attributes that only qualify an element: setting one of them alone on an element
# that does not exist would store a value-less element (RFC 7643 §2.4).
_QUALIFIERS = frozenset({"type", "primary", "display"})
# The multi-valued attributes Entra ID's default mappings address by ``[type eq …]``.
_ENTRA_TYPED = frozenset({"emails", "phoneNumbers", "addresses"})


def element_for_unmatched_filter(
    attribute: Attribute, node: Filter, sub: Attribute | None
) -> dict[str, Any] | None:
    """The element an ``add``/``replace`` of ``attr[type eq "<type>"].<sub>`` creates when
    no element has that type; None for every other path (the caller answers noTarget).

    RFC 7644 §3.5.2.3 requires ``noTarget`` when a value filter matches nothing. Entra ID
    maps each typed value to such a path — ``emails[type eq "work"].value``,
    ``phoneNumbers[type eq "mobile"].value``, ``addresses[type eq "work"].locality`` —
    and sends it as ``Add`` or ``Replace`` whether or not the user has a value of that
    type yet (Microsoft Learn, "Tutorial: Develop and plan provisioning for a SCIM
    endpoint in Microsoft Entra ID", "Update User [Multi-valued properties]" and the
    default attribute mappings; Microsoft's answer on Microsoft Q&A 120490, "Patch
    request in SCIM with Azure AD": create the array and add the value). Servers that
    answer noTarget there never receive the user's first work e-mail
    (Captain-P-Goldfish/scim-for-keycloak#73). Okta and OneLogin document no such paths
    (Okta updates profiles by PUT or path-less PATCH; OneLogin by PUT).

    So exactly that shape creates an element: the attribute is one of those Entra maps
    (``emails``, ``phoneNumbers``, ``addresses``), the filter is a single ``type eq`` whose
    value is one of the attribute's canonical types (RFC 7643 §4.1.2, e.g. ``work``,
    ``home``, ``other`` for e-mails; stored in the canonical spelling), and the path ends
    in a sub-attribute that holds data (not ``type``, ``primary`` or ``display``).
    """
    type_attribute = attribute.sub("type")
    if (
        attribute.name not in _ENTRA_TYPED
        or not attribute.multi_valued
        or type_attribute is None
        or sub is None
        or sub.name in _QUALIFIERS
        or not isinstance(node, Compare)
        or node.op != "eq"
        or node.path.uri is not None
        or node.path.sub_attr is not None
        or node.path.attr.casefold() != "type"
        or not isinstance(node.value, str)
    ):
        return None
    wanted = node.value.casefold()
    canonical = next((v for v in type_attribute.canonical_values if v.casefold() == wanted), None)
    return None if canonical is None else {"type": canonical}
