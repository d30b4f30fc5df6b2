"""Recursive-descent parser for SCIM filters (RFC 7644 §3.4.2.2).

Precedence, from RFC 7644 Table 3 and the ABNF: ``not`` binds tightest, then ``and``,
then ``or``; parentheses group; ``attr[filter]`` is a value path whose inner filter is
relative to one element of the multi-valued attribute. Nesting depth and the number of
comparisons are capped, and every malformed input raises ``ScimError`` 400
``invalidFilter`` — never ``RecursionError`` or anything else (RELIABILITY.md §6.2).
"""

from __future__ import annotations

from typing import cast

from scimbridge.scim.errors import invalid_filter
from scimbridge.scim.filter.ast import (
    COMPARE_OPS,
    And,
    AttrPath,
    Compare,
    CompareOp,
    Filter,
    Literal_,
    Not,
    Or,
    Present,
    ValuePath,
)
from scimbridge.scim.filter.lexer import Token, tokenize

MAX_DEPTH = 32
MAX_COMPARISONS = 64


def split_attr_path(text: str) -> AttrPath:
    """``[URI ":"] attrName ["." subAttr]``: the URI is everything before the last ':'.

    Attribute names cannot contain ':', while URNs contain dots (``…:2.0:User``), so the
    split point is the last colon and only the remainder is split on its dot.
    """
    uri: str | None = None
    rest = text
    if ":" in text:
        uri, _, rest = text.rpartition(":")
        if not uri:
            raise invalid_filter(f"invalid attribute path {text!r}")
    attr, dot, sub = rest.partition(".")
    if (
        not attr
        or (dot and not sub)
        or "." in sub
        or not attr[0].isalpha()
        or (sub and not sub[0].isalpha() and sub[0] != "$")
    ):
        raise invalid_filter(f"invalid attribute path {text!r}")
    return AttrPath(uri, attr, sub or None)


def parse_attr_path(text: str) -> AttrPath:
    """An attribute path on its own, e.g. for ``sortBy`` (RFC 7644 §3.4.2.3)."""
    tokens = tokenize(text.strip())
    if len(tokens) != 1 or tokens[0].kind != "name":
        raise invalid_filter(f"invalid attribute path {text!r}")
    return split_attr_path(tokens[0].text)


def parse_filter(text: str) -> Filter:
    if not text or not text.strip():
        raise invalid_filter("the filter is empty")
    return _Parser(tokenize(text)).parse()


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.depth = 0
        self.comparisons = 0

    def parse(self) -> Filter:
        node = self._or()
        if self.index != len(self.tokens):
            token = self.tokens[self.index]
            raise invalid_filter(f"unexpected {token.text!r} at position {token.position}")
        return node

    # ----------------------------------------------------------------- helpers

    def _peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def _next(self, expected: str) -> Token:
        token = self._peek()
        if token is None:
            raise invalid_filter(f"the filter ends where {expected} was expected")
        self.index += 1
        return token

    def _keyword(self, *words: str) -> bool:
        token = self._peek()
        return token is not None and token.kind == "keyword" and token.text in words

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise invalid_filter(f"the filter nests deeper than {MAX_DEPTH} levels")

    # ----------------------------------------------------------------- grammar

    def _or(self) -> Filter:
        node = self._and()
        while self._keyword("or"):
            self.index += 1
            node = Or(node, self._and())
        return node

    def _and(self) -> Filter:
        node = self._unary()
        while self._keyword("and"):
            self.index += 1
            node = And(node, self._unary())
        return node

    def _unary(self) -> Filter:
        self._enter()
        try:
            if self._keyword("not"):
                self.index += 1
                following = self._peek()
                if following is None or following.kind != "lparen":
                    raise invalid_filter("'not' must be followed by a parenthesised filter")
                return Not(self._group())
            token = self._peek()
            if token is not None and token.kind == "lparen":
                return self._group()
            return self._comparison()
        finally:
            self.depth -= 1

    def _group(self) -> Filter:
        self._next("(")
        node = self._or()
        closing = self._next(")")
        if closing.kind != "rparen":
            raise invalid_filter(f"expected ')' at position {closing.position}")
        return node

    def _comparison(self) -> Filter:
        token = self._next("an attribute name")
        if token.kind != "name":
            raise invalid_filter(
                f"expected an attribute name at position {token.position}, got {token.text!r}"
            )
        path = split_attr_path(token.text)
        following = self._peek()
        if following is not None and following.kind == "lbracket":
            return self._value_path(path)
        return self._operator(path)

    def _value_path(self, path: AttrPath) -> Filter:
        if path.sub_attr is not None:
            raise invalid_filter("a value filter applies to an attribute, not a sub-attribute")
        self.index += 1  # "["
        inner_start = self.index
        inner = self._or()
        closing = self._next("]")
        if closing.kind != "rbracket":
            raise invalid_filter(f"expected ']' at position {closing.position}")
        if any(t.kind == "lbracket" for t in self.tokens[inner_start : self.index - 1]):
            raise invalid_filter("value filters cannot be nested")
        _require_relative(inner)
        node: Filter = ValuePath(path, inner)
        # RFC 7644 §3.4.2.2 allows "attr[filter].sub" only in PATCH paths, not filters.
        return node

    def _operator(self, path: AttrPath) -> Filter:
        token = self._next("an operator")
        if token.kind != "keyword" or token.text not in (*COMPARE_OPS, "pr"):
            raise invalid_filter(
                f"expected an operator at position {token.position}, got {token.text!r}"
            )
        self.comparisons += 1
        if self.comparisons > MAX_COMPARISONS:
            raise invalid_filter(f"the filter has more than {MAX_COMPARISONS} comparisons")
        if token.text == "pr":
            return Present(path)
        return Compare(path, cast(CompareOp, token.text), self._value())

    def _value(self) -> Literal_:
        token = self._next("a value")
        if token.kind == "string":
            return token.text
        if token.kind == "number":
            return cast(int | float, token.value)
        if token.kind == "keyword" and token.text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[token.text]
        raise invalid_filter(f"expected a value at position {token.position}, got {token.text!r}")


def _require_relative(node: Filter) -> None:
    """Paths inside ``attr[...]`` name sub-attributes: no URI, no further dot."""
    if isinstance(node, And | Or):
        _require_relative(node.left)
        _require_relative(node.right)
    elif isinstance(node, Not):
        _require_relative(node.operand)
    elif isinstance(node, Compare | Present) and (
        node.path.uri is not None or node.path.sub_attr is not None
    ):
        raise invalid_filter("inside a value filter, name sub-attributes only")
