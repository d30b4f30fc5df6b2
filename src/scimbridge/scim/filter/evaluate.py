"""Evaluating a filter against one resource in memory (RFC 7644 §3.4.2.2).

The database answers list queries (``store/filter_sql.py``); this evaluator serves PATCH
value paths such as ``emails[type eq "work"]`` (RFC 7644 §3.5.2), which select elements
of one resource. Names match case-insensitively; strings compare case-insensitively
unless the caller's ``case_exact`` says otherwise (RFC 7643 §2.2 ``caseExact``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from scimbridge.scim.errors import invalid_filter
from scimbridge.scim.filter.ast import (
    And,
    AttrPath,
    Filter,
    Literal_,
    Not,
    Or,
    Present,
    ValuePath,
)

CaseExact = Callable[[AttrPath], bool]


def _never(_: AttrPath) -> bool:
    return False


def get_ci(mapping: Mapping[str, Any], key: str) -> Any:
    """``mapping[key]`` matching the key case-insensitively (RFC 7643 §2.1)."""
    if key in mapping:
        return mapping[key]
    folded = key.casefold()
    for candidate, value in mapping.items():
        if isinstance(candidate, str) and candidate.casefold() == folded:
            return value
    return None


def _values(resource: Mapping[str, Any], path: AttrPath) -> list[Any]:
    """Every value the path reaches; multi-valued attributes give one per element."""
    root: Any = resource
    if path.uri is not None:
        extension = get_ci(resource, path.uri)
        root = extension if isinstance(extension, Mapping) else resource
    value = get_ci(root, path.attr) if isinstance(root, Mapping) else None
    items = value if isinstance(value, list) else [value]
    if path.sub_attr is None:
        # `emails eq "x"` on a complex multi-valued attribute compares its `value`.
        return [get_ci(i, "value") if isinstance(i, Mapping) else i for i in items]
    return [get_ci(i, path.sub_attr) for i in items if isinstance(i, Mapping)]


def _as_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) < 10 or value[4] != "-":
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _compare_one(actual: Any, op: str, expected: Literal_, case_exact: bool) -> bool:
    if expected is None:
        return actual is None if op == "eq" else actual is not None
    if actual is None:
        return op == "ne"
    if isinstance(expected, bool) or isinstance(actual, bool):
        if op in ("gt", "ge", "lt", "le", "co", "sw", "ew"):
            raise invalid_filter(f"operator {op} cannot compare booleans")
        return bool((actual == expected) == (op == "eq"))
    if isinstance(expected, str) and isinstance(actual, str):
        left_dt, right_dt = _as_datetime(actual), _as_datetime(expected)
        if (
            left_dt is not None
            and right_dt is not None
            and op in ("gt", "ge", "lt", "le", "eq", "ne")
        ):
            return _ordered(left_dt, op, right_dt)
        if not case_exact:
            actual, expected = actual.casefold(), expected.casefold()
        if op == "co":
            return expected in actual
        if op == "sw":
            return bool(actual.startswith(expected))
        if op == "ew":
            return bool(actual.endswith(expected))
        return _ordered(actual, op, expected)
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        if op in ("co", "sw", "ew"):
            raise invalid_filter(f"operator {op} needs a string value")
        return _ordered(actual, op, expected)
    return op == "ne"


def _ordered(left: Any, op: str, right: Any) -> bool:
    if op == "eq":
        return bool(left == right)
    if op == "ne":
        return bool(left != right)
    if op == "gt":
        return bool(left > right)
    if op == "ge":
        return bool(left >= right)
    if op == "lt":
        return bool(left < right)
    return bool(left <= right)


def _present(value: Any) -> bool:
    return value not in (None, "", [], {})


def matches(node: Filter, resource: Mapping[str, Any], *, case_exact: CaseExact = _never) -> bool:
    if isinstance(node, And):
        return matches(node.left, resource, case_exact=case_exact) and matches(
            node.right, resource, case_exact=case_exact
        )
    if isinstance(node, Or):
        return matches(node.left, resource, case_exact=case_exact) or matches(
            node.right, resource, case_exact=case_exact
        )
    if isinstance(node, Not):
        return not matches(node.operand, resource, case_exact=case_exact)
    if isinstance(node, ValuePath):
        root: Any = resource
        if node.path.uri is not None:
            extension = get_ci(resource, node.path.uri)
            root = extension if isinstance(extension, Mapping) else {}
        elements = get_ci(root, node.path.attr) if isinstance(root, Mapping) else None
        if not isinstance(elements, list):
            elements = [elements] if elements is not None else []
        return any(matches_element(node.filter, e, case_exact=case_exact) for e in elements)
    values = _values(resource, node.path)
    if isinstance(node, Present):
        return any(_present(v) for v in values)
    exact = case_exact(node.path)
    if node.op == "ne":
        return not any(_compare_one(v, "eq", node.value, exact) for v in values)
    return any(_compare_one(v, node.op, node.value, exact) for v in values)


def matches_element(node: Filter, element: Any, *, case_exact: CaseExact = _never) -> bool:
    """Does one element of a multi-valued attribute match a value filter?

    For a multi-valued attribute of simple values (e.g. ``schemas``), ``value`` names the
    element itself.
    """
    target = element if isinstance(element, Mapping) else {"value": element}
    return matches(node, target, case_exact=case_exact)
