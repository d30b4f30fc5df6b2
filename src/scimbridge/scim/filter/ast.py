"""Filter syntax tree (RFC 7644 §3.4.2.2, ABNF in Figure 1).

Frozen dataclasses so trees can be hashed, compared in tests and shared between the
evaluator (PATCH value paths) and the SQL compiler (``store/filter_sql.py``).
Attribute names are kept as written; resolving them against a schema (canonical case,
caseExact, type) is a separate step, so the parser stays purely syntactic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

CompareOp: TypeAlias = Literal["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]
COMPARE_OPS: tuple[CompareOp, ...] = ("eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le")

# A comparison value (RFC 7644 §3.4.2.2 "compValue"): false / null / true / number / string.
# Strings that look like RFC 3339 date-times stay strings here; the schema decides whether a
# value is a dateTime when the comparison is resolved.
Literal_: TypeAlias = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class AttrPath:
    """``[URI ":"] attrName ["." subAttr]`` (RFC 7644 §3.10).

    ``uri`` is the schema URN when the name was qualified, e.g.
    ``urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`` gives
    ``uri="urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"``, ``attr="department"``.
    """

    uri: str | None
    attr: str
    sub_attr: str | None = None


@dataclass(frozen=True, slots=True)
class Compare:
    """``attrPath SP compareOp SP compValue``."""

    path: AttrPath
    op: CompareOp
    value: Literal_


@dataclass(frozen=True, slots=True)
class Present:
    """``attrPath SP "pr"``."""

    path: AttrPath


@dataclass(frozen=True, slots=True)
class And:
    left: Filter
    right: Filter


@dataclass(frozen=True, slots=True)
class Or:
    left: Filter
    right: Filter


@dataclass(frozen=True, slots=True)
class Not:
    """``"not" "(" valFilter ")"``."""

    operand: Filter


@dataclass(frozen=True, slots=True)
class ValuePath:
    """``attrPath "[" valFilter "]"``, e.g. ``emails[type eq "work" and value co "@x"]``.

    ``path`` names the multi-valued attribute (never with a sub-attribute); the inner
    ``filter``'s paths are relative to one element of it (their ``uri`` is None and their
    ``attr`` is the sub-attribute name).
    """

    path: AttrPath
    filter: Filter


Filter: TypeAlias = Compare | Present | And | Or | Not | ValuePath


def height(node: Filter) -> int:
    """How many logical levels a tree nests: an upper bound of the groups its text
    needs, and what its SQL costs a parser's stack (``store/filter_sql.py``)."""
    if isinstance(node, And | Or):
        return 1 + max(height(node.left), height(node.right))
    if isinstance(node, Not):
        return 1 + height(node.operand)
    if isinstance(node, ValuePath):
        return 1 + height(node.filter)
    return 0


__all__ = [
    "COMPARE_OPS",
    "And",
    "AttrPath",
    "Compare",
    "CompareOp",
    "Filter",
    "Literal_",
    "Not",
    "Or",
    "Present",
    "ValuePath",
    "height",
]
