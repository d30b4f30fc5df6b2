"""Evaluating a filter against one resource in memory (RFC 7644 §3.4.2.2).

The database answers list queries (``store/filter_sql.py``, cross-checked against this
module by ``tests/store/test_filter_sql.py``); this evaluator serves PATCH value paths such
as ``emails[type eq "work"]`` (RFC 7644 §3.5.2), which select elements of one resource,
and attribute mappings.

Resource layout (RFC 7643 §3.3): core attributes at the top level, extension attributes in
an object under the extension's schema URN. A path qualified with a core schema URN
(``urn:ietf:params:scim:schemas:core:…``) reads the top level unless the resource has an
object under that URN.

Semantics, chosen to agree with the SQL compiler:

* attribute and sub-attribute names match case-insensitively (RFC 7643 §2.1);
* strings compare case-insensitively (``str.casefold``) unless ``case_exact(path)`` says
  the attribute is ``caseExact`` (RFC 7643 §2.2); ``case_exact`` receives full paths, so
  inside ``emails[type eq "work"]`` it is asked about ``emails.type``;
* a comparison on a multi-valued attribute matches when any element matches, and a
  multi-valued complex attribute named without a sub-attribute (``emails co "x"``)
  compares each element's ``value``;
* ``ne`` is "not eq": it matches when no value equals the operand, so an absent attribute
  matches ``ne "x"`` and ``emails ne "x"`` means no e-mail is ``x``;
* ``eq null`` matches an absent attribute and ``ne null`` a present one; ``null`` with any
  other operator, ``true``/``false`` with anything but ``eq``/``ne`` and numbers with
  ``co``/``sw``/``ew`` are ``invalidFilter`` errors, raised for the filter whatever the
  data, so the answer never depends on which resource is looked at first;
* ``gt ge lt le`` order numbers numerically, RFC 3339 date-times chronologically (when
  both sides parse; a date-time without an offset is taken as UTC) and other strings
  lexicographically; values of different types never match;
* ``emails[type eq "work"].value eq "x"`` reaches this module already as
  ``emails[type eq "work" and value eq "x"]`` (``parser._element_condition``), so the
  evaluator and the SQL compiler read that form alike;
* ``pr`` matches a value that is not null, not ``""``, not an empty list or object — for a
  complex value, one with a sub-attribute that has a value (RFC 7644 §3.4.2.2 "pr").
"""

from __future__ import annotations

import operator
import string
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Final, TypeAlias

from scimbridge.scim.errors import invalid_filter
from scimbridge.scim.filter.ast import (
    And,
    AttrPath,
    Compare,
    Filter,
    Literal_,
    Not,
    Or,
    Present,
    ValuePath,
)

CaseExact: TypeAlias = Callable[[AttrPath], bool]

_CORE_SCHEMA_PREFIX: Final = "urn:ietf:params:scim:schemas:core:"
_ORDERING: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "eq": operator.eq,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}
_SUBSTRING: Final[dict[str, Callable[[str, str], bool]]] = {
    "co": lambda actual, expected: expected in actual,
    "sw": str.startswith,
    "ew": str.endswith,
}
_DIGITS: Final = frozenset(string.digits)


def _never_case_exact(_: AttrPath) -> bool:
    return False


def matches(
    tree: Filter, resource: Mapping[str, Any], *, case_exact: CaseExact = _never_case_exact
) -> bool:
    """Does ``resource`` satisfy the filter? Raises ``invalidFilter`` for meaningless operands."""
    _check_operands(tree)
    return _evaluate(tree, resource, case_exact)


def matches_element(
    tree: Filter, element: Any, *, case_exact: CaseExact = _never_case_exact
) -> bool:
    """Does one element of a multi-valued attribute satisfy a value filter?

    ``element`` is one object of a multi-valued complex attribute, whose sub-attributes the
    filter's relative paths name; for a multi-valued attribute of simple values (e.g.
    ``schemas``) it is the value itself, which the filter calls ``value``. ``case_exact``
    receives the filter's relative paths as written.
    """
    target = element if isinstance(element, Mapping) else {"value": element}
    return matches(tree, target, case_exact=case_exact)


# --------------------------------------------------------------------------- operands


def _check_operands(tree: Filter) -> None:
    """Reject comparisons no value could satisfy meaningfully (RFC 7644 §3.4.2.2)."""
    if isinstance(tree, And | Or):
        _check_operands(tree.left)
        _check_operands(tree.right)
    elif isinstance(tree, Not):
        _check_operands(tree.operand)
    elif isinstance(tree, ValuePath):
        _check_operands(tree.filter)
    elif isinstance(tree, Compare):
        _check_compare_operand(tree)


def _check_compare_operand(tree: Compare) -> None:
    if tree.op in ("eq", "ne"):
        return
    if tree.value is None:
        raise invalid_filter(f"operator {tree.op} cannot compare with null")
    if isinstance(tree.value, bool):
        raise invalid_filter(f"operator {tree.op} cannot compare booleans; use eq or ne")
    if tree.op in _SUBSTRING and not isinstance(tree.value, str):
        raise invalid_filter(f"operator {tree.op} needs a string value")


# --------------------------------------------------------------------------- evaluation


def _evaluate(tree: Filter, resource: Mapping[str, Any], case_exact: CaseExact) -> bool:
    if isinstance(tree, And):
        return _evaluate(tree.left, resource, case_exact) and _evaluate(
            tree.right, resource, case_exact
        )
    if isinstance(tree, Or):
        return _evaluate(tree.left, resource, case_exact) or _evaluate(
            tree.right, resource, case_exact
        )
    if isinstance(tree, Not):
        return not _evaluate(tree.operand, resource, case_exact)
    if isinstance(tree, ValuePath):
        return _evaluate_value_path(tree, resource, case_exact)
    if isinstance(tree, Present):
        return _evaluate_present(tree.path, resource)
    return _evaluate_compare(tree, resource, case_exact(tree.path))


def _evaluate_value_path(
    tree: ValuePath, resource: Mapping[str, Any], case_exact: CaseExact
) -> bool:
    parent = tree.path

    def element_case_exact(path: AttrPath) -> bool:
        return case_exact(AttrPath(parent.uri, parent.attr, path.attr))

    raw = _attribute_value(resource, parent)
    elements: list[Any] = raw if isinstance(raw, list) else ([] if raw is None else [raw])
    return any(
        _evaluate(
            tree.filter,
            element if isinstance(element, Mapping) else {"value": element},
            element_case_exact,
        )
        for element in elements
    )


def _evaluate_present(path: AttrPath, resource: Mapping[str, Any]) -> bool:
    if path.sub_attr is None:
        return _is_present(_attribute_value(resource, path))
    return any(_has_value(value) for value in _compared_values(resource, path))


def _evaluate_compare(tree: Compare, resource: Mapping[str, Any], case_exact: bool) -> bool:
    values = _compared_values(resource, tree.path)
    if tree.op == "ne":
        return not any(_compare_one(value, "eq", tree.value, case_exact) for value in values)
    return any(_compare_one(value, tree.op, tree.value, case_exact) for value in values)


def _compare_one(actual: Any, op: str, expected: Literal_, case_exact: bool) -> bool:
    """One attribute value against the operand; ``op`` is never ``ne`` here."""
    if expected is None:
        return actual is None
    if actual is None:
        return False
    if isinstance(expected, bool):
        return isinstance(actual, bool) and actual == expected
    if isinstance(expected, int | float):
        is_number = isinstance(actual, int | float) and not isinstance(actual, bool)
        return is_number and _ORDERING[op](actual, expected)
    if not isinstance(actual, str):
        return False
    return _compare_strings(actual, op, expected, case_exact)


def _compare_strings(actual: str, op: str, expected: str, case_exact: bool) -> bool:
    if op in _ORDERING:
        actual_moment, expected_moment = _as_datetime(actual), _as_datetime(expected)
        if actual_moment is not None and expected_moment is not None:
            return _ORDERING[op](actual_moment, expected_moment)
    if not case_exact:
        actual, expected = actual.casefold(), expected.casefold()
    if op in _SUBSTRING:
        return _SUBSTRING[op](actual, expected)
    return _ORDERING[op](actual, expected)


def _as_datetime(text: str) -> datetime | None:
    """An RFC 3339 ``date-time`` (RFC 7643 §2.3.5) as an aware datetime, else None."""
    looks_like_date_time = (
        19 <= len(text) <= 40
        and all(text[i] in _DIGITS for i in (0, 1, 2, 3, 5, 6, 8, 9))
        and text[4] == text[7] == "-"
        and text[10] in "Tt "
    )
    if not looks_like_date_time:
        return None
    try:
        moment = datetime.fromisoformat(text.upper())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# --------------------------------------------------------------------------- lookups


def _get_ci(mapping: Mapping[str, Any], key: str) -> Any:
    """``mapping[key]`` with the key matched case-insensitively (RFC 7643 §2.1)."""
    if key in mapping:
        return mapping[key]
    folded = key.casefold()
    for candidate, value in mapping.items():
        if isinstance(candidate, str) and candidate.casefold() == folded:
            return value
    return None


def _schema_root(resource: Mapping[str, Any], uri: str | None) -> Mapping[str, Any] | None:
    """Where the attributes of schema ``uri`` live in the resource (RFC 7643 §3.3)."""
    if uri is None:
        return resource
    extension = _get_ci(resource, uri)
    if isinstance(extension, Mapping):
        return extension
    return resource if uri.casefold().startswith(_CORE_SCHEMA_PREFIX) else None


def _attribute_value(resource: Mapping[str, Any], path: AttrPath) -> Any:
    """The attribute the path names (its sub-attribute ignored), or None."""
    root = _schema_root(resource, path.uri)
    return None if root is None else _get_ci(root, path.attr)


def _compared_values(resource: Mapping[str, Any], path: AttrPath) -> list[Any]:
    """Every value a comparison looks at: one per element of a multi-valued attribute.

    An attribute with no value at all gives ``[None]`` so ``eq null`` and ``ne`` see it.
    """
    raw = _attribute_value(resource, path)
    items: list[Any] = raw if isinstance(raw, list) else [raw]
    sub_attr = path.sub_attr if path.sub_attr is not None else "value"
    values = [
        _get_ci(item, sub_attr)
        if isinstance(item, Mapping)
        else (item if path.sub_attr is None else None)
        for item in items
    ]
    return values or [None]


def _has_value(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str | list | Mapping):
        return len(value) > 0
    return True


def _is_present(value: Any) -> bool:
    """``pr``: a value, a list with an element that has one, an object with a valued member.

    Looks two levels deep at most, so deeply nested data cannot exhaust the stack.
    """
    elements = value if isinstance(value, list) else [value]
    return any(
        any(_has_value(member) for member in element.values())
        if isinstance(element, Mapping)
        else _has_value(element)
        for element in elements
    )


__all__ = ["CaseExact", "matches", "matches_element"]
