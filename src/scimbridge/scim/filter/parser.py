"""Recursive-descent parser for SCIM filters (RFC 7644 §3.4.2.2, Figure 1 ABNF).

Grammar, with the precedence RFC 7644 Table 3 gives (``not`` binds tightest, then
``and``, then ``or``; both binary operators associate to the left)::

    filter     = or-expr
    or-expr    = and-expr *( "or" and-expr )
    and-expr   = unary *( "and" unary )
    unary      = "not" "(" or-expr ")" / "(" or-expr ")" / attr-expr
    attr-expr  = attrPath "pr" / attrPath compareOp compValue / attrPath "[" or-expr "]"
                 [ "." subAttr ( "pr" / compareOp compValue ) ]

The last, optional part is not in the RFC's filter grammar (see ``_element_condition``).

Inside ``attr[...]`` (a value path) names are relative to one element of the multi-valued
attribute, so they carry neither a URI nor a sub-attribute, and value paths cannot nest
(RFC 7644 §3.4.2.2: "valFilter" has no "valuePath"). Nesting is capped at
:data:`MAX_DEPTH` groups and the filter at :data:`MAX_COMPARISONS` comparisons, so a
hostile filter is answered with ``ScimError`` 400 ``invalidFilter`` — never
``RecursionError`` or any other exception (RELIABILITY.md §6.2).

The parser is purely syntactic: operator keywords are case-insensitive, attribute names
are kept as written and resolved against a schema elsewhere (``scim/attributes.py``).
"""

from __future__ import annotations

import functools
import string
from typing import Final

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
from scimbridge.scim.filter.lexer import NAME_CHARS, Token, TokenKind, tokenize

MAX_DEPTH: Final = 32
MAX_COMPARISONS: Final = 64

_LETTERS: Final = frozenset(string.ascii_letters)
# RFC 7643 §2.1: ATTRNAME = ALPHA *(nameChar); nameChar = "-" / "_" / DIGIT / ALPHA.
# "$" is admitted for the "$ref" sub-attribute RFC 7643 §2.4 defines.
_ATTR_NAME_CHARS: Final = _LETTERS | frozenset(string.digits) | frozenset("-_$")
_COMPARE_OPS: Final[dict[str, CompareOp]] = {op: op for op in COMPARE_OPS}


def parse_filter(text: str) -> Filter:
    """Parse a ``filter`` query parameter or ``Search`` body member into an AST."""
    if not isinstance(text, str):
        raise invalid_filter("the filter must be a string")
    return _parse_cached(text)


@functools.lru_cache(maxsize=1024)
def _parse_cached(text: str) -> Filter:
    """Trees are frozen, so one parse serves every caller of the same text: a listing is
    parsed once to decide where it runs and once to run (``services.scim``), and IdPs
    repeat the same few filters. At most 1,024 filters of 4,096 characters are kept."""
    return _parse(text, inside_value_path=False)


def parse_value_filter(text: str) -> Filter:
    """Parse the filter between the brackets of ``attr[...]`` (PATCH paths, RFC 7644 §3.5.2).

    Its names are relative to one element of the multi-valued attribute.
    """
    return _parse(text, inside_value_path=True)


def parse_attr_path(text: str) -> AttrPath:
    """A lone attribute path, as in ``sortBy`` and ``attributes`` (RFC 7644 §3.4.2.3, §3.9)."""
    if not isinstance(text, str):
        raise invalid_filter("the attribute path must be a string")
    tokens = tokenize(text)
    if len(tokens) != 1 or tokens[0].kind != "name":
        raise invalid_filter(f"{_quote(text)} is not an attribute path")
    return split_attr_path(tokens[0].text)


def split_attr_path(text: str) -> AttrPath:
    """``[URI ":"] attrName ["." subAttr]`` (RFC 7644 §3.10) from one name token.

    Attribute names cannot contain ':' while URNs contain dots (``…:2.0:User``), so the
    URI is everything before the last ':' and only the remainder is split at its dot.
    """
    uri: str | None = None
    rest = text
    if ":" in text:
        uri, _, rest = text.rpartition(":")
        if not _is_uri(uri):
            raise invalid_filter(f"{_quote(text)} has an invalid schema URI")
    attr, dot, sub_attr = rest.partition(".")
    if not is_attr_name(attr) or (dot and not is_sub_attr_name(sub_attr)):
        raise invalid_filter(f"{_quote(text)} is not a valid attribute path")
    return AttrPath(uri, attr, sub_attr if dot else None)


def is_attr_name(text: str) -> bool:
    """RFC 7643 §2.1 ATTRNAME: an ASCII letter, then letters, digits, '-', '_' (and '$')."""
    return bool(text) and text[0] in _LETTERS and all(char in _ATTR_NAME_CHARS for char in text)


def is_sub_attr_name(text: str) -> bool:
    """A sub-attribute name: an ATTRNAME, or one starting with '$' such as ``$ref``."""
    return is_attr_name(text) or (text.startswith("$") and is_attr_name(text[1:]))


def _is_uri(text: str) -> bool:
    return bool(text) and text[0] in _LETTERS and all(char in NAME_CHARS for char in text)


def _quote(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _parse(text: str, *, inside_value_path: bool) -> Filter:
    if not isinstance(text, str):
        raise invalid_filter("the filter must be a string")
    tokens = tokenize(text)
    if not tokens:
        raise invalid_filter("the filter is empty")
    return _Parser(tokens).parse_all(inside_value_path=inside_value_path)


class _Parser:
    """One pass over the tokens; every method consumes exactly the construct it names."""

    def __init__(self, tokens: list[Token]) -> None:
        self._tokens = tokens
        self._index = 0
        self._depth = 0
        self._comparisons = 0

    def parse_all(self, *, inside_value_path: bool) -> Filter:
        tree = self._or_expression(inside_value_path)
        leftover = self._peek()
        if leftover is not None:
            raise invalid_filter(
                f"unexpected {leftover.describe()}; expected 'and', 'or' or the end of the filter"
            )
        return tree

    # ------------------------------------------------------------------ token access

    def _peek(self) -> Token | None:
        return self._tokens[self._index] if self._index < len(self._tokens) else None

    def _take(self, expected: str) -> Token:
        token = self._peek()
        if token is None:
            raise invalid_filter(f"the filter ends where {expected} was expected")
        self._index += 1
        return token

    def _expect(self, kind: TokenKind, expected: str) -> Token:
        token = self._take(expected)
        if token.kind != kind:
            raise invalid_filter(f"expected {expected}, found {token.describe()}")
        return token

    def _accept_keyword(self, word: str) -> bool:
        token = self._peek()
        if token is not None and token.is_keyword(word):
            self._index += 1
            return True
        return False

    # ------------------------------------------------------------------ limits

    def _enter_group(self, opening: Token) -> None:
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise invalid_filter(
                f"the filter nests deeper than {MAX_DEPTH} levels at position "
                f"{opening.position + 1}"
            )

    def _leave_group(self) -> None:
        self._depth -= 1

    def _count_comparison(self, operator: Token) -> None:
        self._comparisons += 1
        if self._comparisons > MAX_COMPARISONS:
            raise invalid_filter(
                f"the filter has more than {MAX_COMPARISONS} comparisons "
                f"(the next one is at position {operator.position + 1})"
            )

    # ------------------------------------------------------------------ grammar

    def _or_expression(self, inside_value_path: bool) -> Filter:
        tree = self._and_expression(inside_value_path)
        while self._accept_keyword("or"):
            tree = Or(tree, self._and_expression(inside_value_path))
        return tree

    def _and_expression(self, inside_value_path: bool) -> Filter:
        tree = self._unary(inside_value_path)
        while self._accept_keyword("and"):
            tree = And(tree, self._unary(inside_value_path))
        return tree

    def _unary(self, inside_value_path: bool) -> Filter:
        token = self._peek()
        if token is not None and token.is_keyword("not"):
            self._index += 1
            following = self._peek()
            if following is None or following.kind != "lparen":
                raise invalid_filter(
                    f"'not' at position {token.position + 1} must be followed by '(' "
                    "(RFC 7644 §3.4.2.2)"
                )
            return Not(self._group(inside_value_path))
        if token is not None and token.kind == "lparen":
            return self._group(inside_value_path)
        return self._attribute_expression(inside_value_path)

    def _group(self, inside_value_path: bool) -> Filter:
        opening = self._expect("lparen", "'('")
        self._enter_group(opening)
        tree = self._or_expression(inside_value_path)
        self._expect("rparen", f"')' closing the '(' at position {opening.position + 1}")
        self._leave_group()
        return tree

    def _attribute_expression(self, inside_value_path: bool) -> Filter:
        token = self._expect("name", "an attribute name")
        path = split_attr_path(token.text)
        if inside_value_path and (path.uri is not None or path.sub_attr is not None):
            raise invalid_filter(
                f"inside a value filter name a sub-attribute only, not {token.describe()}"
            )
        following = self._peek()
        if following is not None and following.kind == "lbracket":
            self._index += 1
            return self._value_path(path, following, inside_value_path)
        return self._comparison(path, token)

    def _comparison(self, path: AttrPath, name: Token) -> Filter:
        """``pr`` or ``compareOp compValue`` after the attribute path ``name`` spelled."""
        operator = self._take(f"an operator after {name.describe()}")
        if operator.is_keyword("pr"):
            self._count_comparison(operator)
            self._reject_value_after_pr(operator)
            return Present(path)
        compare = _COMPARE_OPS.get(operator.text) if operator.kind == "keyword" else None
        if compare is None:
            raise invalid_filter(f"expected an operator, found {operator.describe()}")
        self._count_comparison(operator)
        return Compare(path, compare, self._literal(operator))

    def _value_path(self, path: AttrPath, opening: Token, inside_value_path: bool) -> Filter:
        if inside_value_path:
            raise invalid_filter(
                f"value filters cannot be nested ('[' at position {opening.position + 1})"
            )
        if path.sub_attr is not None:
            raise invalid_filter(
                f"a value filter follows a multi-valued attribute, not the sub-attribute "
                f"{path.attr}.{path.sub_attr} (position {opening.position + 1})"
            )
        self._enter_group(opening)
        inner = self._or_expression(inside_value_path=True)
        self._expect("rbracket", f"']' closing the '[' at position {opening.position + 1}")
        self._leave_group()
        following = self._peek()
        if following is not None and following.kind == "dot":
            inner = And(inner, self._element_condition(path, following))
        return ValuePath(path, inner)

    def _element_condition(self, parent: AttrPath, dot: Token) -> Filter:
        """``.subAttr op value`` after ``attr[filter]``: one more condition on the element.

        RFC 7644 §3.4.2.2's grammar has ``valuePath [subAttr]`` only in PATCH paths
        (§3.5.2, Figure 7), yet Entra-style clients send list filters such as
        ``emails[type eq "work"].value eq "x"``. Read as the RFC's own
        ``emails[type eq "work" and value eq "x"]`` — an element of that type with that
        value — so the in-memory evaluator and the SQL compiler, which both see only the
        tree, cannot disagree; the printer writes the bracketed form.
        """
        self._index += 1
        name = self._expect("name", f"a sub-attribute name after the '.' at {dot.position + 1}")
        if not is_attr_name(name.text) or name.position != dot.position + 1:
            raise invalid_filter(
                f"expected a sub-attribute of {parent.attr} after the '.' at position "
                f"{dot.position + 1}, found {name.describe()}"
            )
        return self._comparison(AttrPath(None, name.text, None), name)

    def _reject_value_after_pr(self, operator: Token) -> None:
        following = self._peek()
        if following is not None and following.is_literal:
            raise invalid_filter(
                f"'pr' at position {operator.position + 1} takes no value, "
                f"found {following.describe()}"
            )

    def _literal(self, operator: Token) -> Literal_:
        token = self._take(f"a value after {operator.describe()}")
        if not token.is_literal:
            raise invalid_filter(
                f"expected a string, number, true, false or null after {operator.describe()}, "
                f"found {token.describe()}"
            )
        return token.value


__all__ = [
    "MAX_COMPARISONS",
    "MAX_DEPTH",
    "is_attr_name",
    "is_sub_attr_name",
    "parse_attr_path",
    "parse_filter",
    "parse_value_filter",
    "split_attr_path",
]
