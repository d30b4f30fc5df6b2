"""Filter AST → canonical filter text (RFC 7644 §3.4.2.2).

Used to log and echo filters and to put a value filter back into a PATCH path. The text
is canonical — lower-case operators, single spaces, JSON-quoted strings, parentheses only
where precedence needs them — and ``parse_filter(format_filter(f)) == f`` for every tree
the parser can produce. The parser folds ``and``/``or`` to the left, so a right operand of
the same operator, and any ``or`` under an ``and``, is parenthesised.
"""

from __future__ import annotations

import json

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


def format_filter(tree: Filter) -> str:
    """Canonical text for ``tree``; floats must be finite (JSON has no NaN/Infinity)."""
    if isinstance(tree, Or):
        return f"{format_filter(tree.left)} or {_parenthesised_if(tree.right, Or)}"
    if isinstance(tree, And):
        left = _parenthesised_if(tree.left, Or)
        return f"{left} and {_parenthesised_if(tree.right, Or, And)}"
    if isinstance(tree, Not):
        return f"not ({format_filter(tree.operand)})"
    if isinstance(tree, ValuePath):
        return f"{format_path(tree.path)}[{format_filter(tree.filter)}]"
    if isinstance(tree, Present):
        return f"{format_path(tree.path)} pr"
    return _format_compare(tree)


def format_path(path: AttrPath) -> str:
    """``[URI ":"] attrName ["." subAttr]`` (RFC 7644 §3.10)."""
    text = f"{path.uri}:{path.attr}" if path.uri is not None else path.attr
    return f"{text}.{path.sub_attr}" if path.sub_attr is not None else text


def format_literal(value: Literal_) -> str:
    """A compValue: ``null``, ``true``, ``false``, a JSON number or a JSON string."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def _format_compare(tree: Compare) -> str:
    return f"{format_path(tree.path)} {tree.op} {format_literal(tree.value)}"


def _parenthesised_if(tree: Filter, *kinds: type[And] | type[Or]) -> str:
    text = format_filter(tree)
    return f"({text})" if isinstance(tree, kinds) else text


__all__ = ["format_filter", "format_literal", "format_path"]
