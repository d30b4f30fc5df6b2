"""One rule for the elements of multi-valued attributes, on every write path.

RFC 7643 §2.4 asks two things of a multi-valued complex attribute such as ``emails``:

* "The primary attribute value "true" MUST appear no more than once." A body with two
  ``primary: true`` keeps the **last** one and the others become ``false`` — the rule
  RFC 7644 §3.5.2 already sets for PATCH ("a PATCH operation that sets a value's
  "primary" sub-attribute to "true" SHALL cause the server to automatically set
  "primary" to "false" for any other values"), so POST, PUT, PATCH and Bulk agree.
  Rejecting the body instead would leave the user unprovisioned over a flag: the
  bodies Okta and Entra ID document carry one primary e-mail, so a second one comes
  from a custom attribute mapping the administrator cannot fix from the app's side.
* The same ``(type, value)`` combination SHOULD NOT appear twice. Duplicates are
  dropped, keeping the **first** element as sent (its spelling, ``display`` and
  position); it becomes the primary one if a dropped duplicate was the primary
  winner. ``value`` compares case-insensitively unless the sub-attribute is
  ``caseExact`` (e-mail addresses are not, RFC 7643 §4.1.2), ``type`` always does;
  an element without a ``value`` (an address) is never a duplicate.

Only readWrite attributes are touched; Group ``members`` never reach here (they live in
the membership table, ``patch_members``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scimbridge.scim.schemas import Attribute, ResourceType


def normalize_elements(resource_type: ResourceType, resource: dict[str, Any]) -> None:
    """Apply both rules, in place, to every multi-valued attribute of ``resource``."""
    for schema in (resource_type.schema, *(e.schema for e in resource_type.extensions)):
        container = resource.get(schema.id) if resource_type.is_extension(schema) else resource
        if not isinstance(container, dict):
            continue
        for attribute in schema.attributes:
            values = container.get(attribute.name)
            if _applies(attribute) and isinstance(values, list) and len(values) > 1:
                container[attribute.name] = single_primary_without_duplicates(attribute, values)


def _applies(attribute: Attribute) -> bool:
    return (
        attribute.multi_valued
        and attribute.type == "complex"
        and attribute.mutability != "readOnly"
        and attribute.sub("primary") is not None
    )


def single_primary_without_duplicates(attribute: Attribute, values: list[Any]) -> list[Any]:
    """The elements with duplicates dropped and at most one ``primary: true``."""
    winner = next(
        (i for i in range(len(values) - 1, -1, -1) if _is_primary(values[i])),
        None,
    )
    kept: list[Any] = []
    kept_at: dict[Any, int] = {}
    winner_kept: int | None = None
    for index, element in enumerate(values):
        key = _identity(attribute, element)
        if key is not None and key in kept_at:
            position = kept_at[key]
        else:
            position = len(kept)
            kept.append(dict(element) if isinstance(element, Mapping) else element)
            if key is not None:
                kept_at[key] = position
        if index == winner:
            winner_kept = position
    if winner_kept is not None:
        for position, element in enumerate(kept):
            if position == winner_kept:
                element["primary"] = True
            elif _is_primary(element):
                element["primary"] = False
    return kept


def _is_primary(element: Any) -> bool:
    return isinstance(element, Mapping) and element.get("primary") is True


def _identity(attribute: Attribute, element: Any) -> tuple[str, Any] | None:
    """``(type, value)`` as compared for duplicates, or None for an element without value."""
    if not isinstance(element, Mapping):
        return None
    value = element.get("value")
    if value is None or value == "":
        return None
    value_attribute = attribute.sub("value")
    # base64 (binary, RFC 7643 §2.3.6) is case-sensitive whatever the schema says.
    exact = (
        value_attribute is None or value_attribute.case_exact or value_attribute.type == "binary"
    )
    if isinstance(value, str) and not exact:
        value = value.casefold()
    elif not isinstance(value, str | int | float | bool):
        return None
    kind = element.get("type")
    return (kind.casefold() if isinstance(kind, str) else "", value)


__all__ = ["normalize_elements", "single_primary_without_duplicates"]
