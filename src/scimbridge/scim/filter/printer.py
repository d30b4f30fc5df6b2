"""Filter AST → canonical text; ``parse_filter(format_filter(f)) == f`` for any tree."""

from __future__ import annotations

import json

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


def format_path(path: AttrPath) -> str:
    text = f"{path.uri}:{path.attr}" if path.uri else path.attr
    return f"{text}.{path.sub_attr}" if path.sub_attr else text


def _literal(value: Literal_) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def format_filter(node: Filter) -> str:
    if isinstance(node, Or):
        # The parser folds left, so a right-nested operand of the same operator needs brackets.
        return f"{format_filter(node.left)} or {_wrap(node.right, Or)}"
    if isinstance(node, And):
        return f"{_wrap(node.left, Or)} and {_wrap(node.right, (Or, And))}"
    if isinstance(node, Not):
        return f"not ({format_filter(node.operand)})"
    if isinstance(node, ValuePath):
        return f"{format_path(node.path)}[{format_filter(node.filter)}]"
    if isinstance(node, Present):
        return f"{format_path(node.path)} pr"
    return f"{format_path(node.path)} {node.op} {_literal(node.value)}"


def _wrap(node: Filter, kinds: type | tuple[type, ...]) -> str:
    text = format_filter(node)
    return f"({text})" if isinstance(node, kinds) else text
