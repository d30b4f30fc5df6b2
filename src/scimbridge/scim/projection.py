"""``attributes`` and ``excludedAttributes`` (RFC 7644 §3.9) with ``returned`` (RFC 7643 §2.2).

``returned: always`` attributes (``id``; ``schemas`` and ``meta.resourceType`` as every
response carries them) stay even when not asked for; ``never`` ones (``password``) never
appear; ``request`` ones only when named. When both parameters come, ``attributes`` wins.
Names the schemas do not know are ignored, as RFC 7644 §3.9 permits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scimbridge.scim.attributes import ResolvedAttribute, resolve
from scimbridge.scim.errors import ScimError
from scimbridge.scim.filter.parser import parse_attr_path
from scimbridge.scim.schemas import ResourceType

ALWAYS = frozenset({"id", "schemas"})


def parse_attribute_list(raw: str | None) -> list[str]:
    if not raw:
        return []
    return [part.strip() for part in raw.split(",") if part.strip()]


def _resolve_all(resource_type: ResourceType, names: Sequence[str]) -> list[ResolvedAttribute]:
    resolved = []
    for name in names:
        try:
            found = resolve(resource_type, parse_attr_path(name))
        except ScimError:
            found = None
        if found is not None:
            resolved.append(found)
    return resolved


def _top_key(resolved: ResolvedAttribute) -> str:
    return resolved.key_path[0]


def is_requested(
    resource_type: ResourceType,
    name: str,
    attributes: Sequence[str] | None,
    excluded: Sequence[str] | None,
) -> bool:
    """Will the top-level attribute ``name`` be in the answer? (Lets callers skip loading it.)"""
    if attributes:
        return any(_top_key(r) == name for r in _resolve_all(resource_type, attributes))
    if excluded:
        return not any(
            _top_key(r) == name and r.sub_attribute is None
            for r in _resolve_all(resource_type, excluded)
        )
    return True


def project(
    resource_type: ResourceType,
    resource: Mapping[str, Any],
    attributes: Sequence[str] | None,
    excluded_attributes: Sequence[str] | None,
) -> dict[str, Any]:
    result = {k: v for k, v in resource.items() if not _never(resource_type, k)}
    if attributes:
        return _keep_only(resource_type, result, _resolve_all(resource_type, attributes))
    if excluded_attributes:
        for resolved in _resolve_all(resource_type, excluded_attributes):
            _exclude(result, resolved)
    return result


def _never(resource_type: ResourceType, key: str) -> bool:
    attribute = resource_type.schema.attribute(key)
    return attribute is not None and attribute.returned == "never"


def _keep_only(
    resource_type: ResourceType, resource: dict[str, Any], wanted: Sequence[ResolvedAttribute]
) -> dict[str, Any]:
    result: dict[str, Any] = {k: resource[k] for k in ALWAYS if k in resource}
    if "meta" in resource:
        result["meta"] = {"resourceType": resource["meta"].get("resourceType")}
    for resolved in wanted:
        keys = resolved.key_path
        source: Any = resource
        target: dict[str, Any] = result
        for depth, key in enumerate(keys):
            if not isinstance(source, Mapping) or key not in source:
                break
            last = depth == len(keys) - 1
            if last:
                target[key] = source[key]
            elif isinstance(source[key], list):
                # A sub-attribute of a multi-valued attribute: keep it in every element.
                sub = keys[depth + 1]
                target[key] = [
                    {sub: e[sub]} for e in source[key] if isinstance(e, Mapping) and sub in e
                ]
                break
            else:
                existing = target.get(key)
                target = (
                    target.setdefault(key, {})
                    if isinstance(existing, dict) or existing is None
                    else target
                )
                source = source[key]
    return result


def _exclude(resource: dict[str, Any], resolved: ResolvedAttribute) -> None:
    if resolved.attribute.returned == "always" or resolved.attribute.name in ALWAYS:
        return
    keys = resolved.key_path
    container: Any = resource
    for key in keys[:-1]:
        container = container.get(key) if isinstance(container, dict) else None
        if container is None:
            return
    if isinstance(container, list):
        for element in container:
            if isinstance(element, dict):
                element.pop(keys[-1], None)
    elif isinstance(container, dict):
        container.pop(keys[-1], None)
