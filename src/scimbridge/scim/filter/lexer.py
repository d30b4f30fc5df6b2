"""Tokens of the SCIM filter language (RFC 7644 §3.4.2.2, Figure 1 ABNF).

The tokenizer is one hand-written left-to-right pass with no regular expressions, so its
cost stays linear in the input whatever a client sends; the input is capped at
:data:`MAX_FILTER_LENGTH` characters before any other work happens. Every malformed input
raises ``ScimError`` 400 ``invalidFilter`` naming the 1-based character position.

Token classes:

* attribute paths: an ASCII letter, then letters, digits, ``_ - $ : .`` — one token holds
  a whole ``[URI ":"] attrName ["." subAttr]`` because URNs contain dots
  (``urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department``); the parser
  splits it (RFC 7644 §3.10);
* JSON string literals with every RFC 8259 §7 escape, ``\\uXXXX`` included;
* JSON numbers (RFC 8259 §6) — integers must fit 64 bits and floats must be finite, so a
  value the databases cannot bind never gets past the parser;
* keywords, case-insensitively: the operators ``eq ne co sw ew pr gt ge lt le``, the
  logical ``and or not`` and the literals ``true false null``;
* ``( ) [ ]`` and whitespace;
* a ``.`` directly after ``]``, as in ``emails[type eq "work"].value eq "x"``: the form
  Entra-style clients send, which the parser reads as a condition on the same element.
"""

from __future__ import annotations

import json
import math
import string
from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

from scimbridge.scim.errors import invalid_filter
from scimbridge.scim.filter.ast import Literal_

MAX_FILTER_LENGTH: Final = 4096

TokenKind: TypeAlias = Literal[
    "name", "string", "number", "keyword", "lparen", "rparen", "lbracket", "rbracket", "dot"
]

OPERATOR_KEYWORDS: Final = frozenset({"eq", "ne", "co", "sw", "ew", "pr", "gt", "ge", "lt", "le"})
LOGICAL_KEYWORDS: Final = frozenset({"and", "or", "not"})
LITERAL_KEYWORDS: Final[dict[str, Literal_]] = {"true": True, "false": False, "null": None}
KEYWORDS: Final = OPERATOR_KEYWORDS | LOGICAL_KEYWORDS | frozenset(LITERAL_KEYWORDS)

NAME_START_CHARS: Final = frozenset(string.ascii_letters)
NAME_CHARS: Final = NAME_START_CHARS | frozenset(string.digits) | frozenset("_-$:.")
_DIGITS: Final = frozenset(string.digits)
_WHITESPACE: Final = frozenset(" \t\r\n")
_PUNCTUATION: Final[dict[str, TokenKind]] = {
    "(": "lparen",
    ")": "rparen",
    "[": "lbracket",
    "]": "rbracket",
}
_INT64_MAX: Final = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Token:
    """One token; ``position`` is the 0-based index of its first character."""

    kind: TokenKind
    text: str  # source text as written; keywords lower-cased
    position: int
    value: Literal_ = None  # the decoded literal of strings, numbers, true/false/null

    @property
    def is_literal(self) -> bool:
        return self.kind in ("string", "number") or (
            self.kind == "keyword" and self.text in LITERAL_KEYWORDS
        )

    def is_keyword(self, *words: str) -> bool:
        return self.kind == "keyword" and self.text in words

    def describe(self) -> str:
        """A short quotation for error messages (long strings are cut)."""
        shown = self.text if len(self.text) <= 24 else self.text[:21] + "..."
        return f"{shown!r} at position {self.position + 1}"


def tokenize(text: str) -> list[Token]:
    """Split filter text into tokens (RFC 7644 §3.4.2.2); raises ``invalidFilter``."""
    if len(text) > MAX_FILTER_LENGTH:
        raise invalid_filter(
            f"the filter is {len(text)} characters long; at most {MAX_FILTER_LENGTH} are allowed"
        )
    tokens: list[Token] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char in _WHITESPACE:
            index += 1
        elif char in _PUNCTUATION:
            tokens.append(Token(_PUNCTUATION[char], char, index))
            index += 1
        elif char == '"':
            index = _scan_string(text, index, tokens)
        elif char in NAME_START_CHARS:
            index = _scan_word(text, index, tokens)
        elif char == "-" or char in _DIGITS:
            index = _scan_number(text, index, tokens)
        elif char == "." and tokens and tokens[-1].kind == "rbracket" and text[index - 1] == "]":
            tokens.append(Token("dot", char, index))
            index += 1
        else:
            raise invalid_filter(f"unexpected character {char!r} at position {index + 1}")
    return tokens


def _scan_word(text: str, start: int, tokens: list[Token]) -> int:
    """An attribute path or a keyword; keywords match case-insensitively."""
    end = start
    while end < len(text) and text[end] in NAME_CHARS:
        end += 1
    word = text[start:end]
    folded = word.lower()
    if folded in KEYWORDS:
        tokens.append(Token("keyword", folded, start, LITERAL_KEYWORDS.get(folded)))
    else:
        tokens.append(Token("name", word, start))
    return end


def _scan_string(text: str, start: int, tokens: list[Token]) -> int:
    """A JSON string literal (RFC 8259 §7): find the closing quote, then decode it.

    ``str.find`` jumps from one backslash to the next and looks for a new closing quote
    only once the last one proved escaped, so every character is looked at once (in C).
    """
    index = start + 1
    quote = text.find('"', index)
    while quote >= 0:
        backslash = text.find("\\", index, quote)
        if backslash < 0:
            literal = text[start : quote + 1]
            tokens.append(Token("string", literal, start, _decode_string(literal, start)))
            return quote + 1
        index = backslash + 2  # the escaped character, a quote included, is skipped
        if index > quote:  # that quote was escaped: look for the next one
            quote = text.find('"', index)
    raise invalid_filter(f"unterminated string starting at position {start + 1}")


def _decode_string(literal: str, start: int) -> str:
    try:
        decoded = json.loads(literal)
    except json.JSONDecodeError as error:
        raise invalid_filter(
            f"invalid string literal at position {start + error.pos + 1}: {error.msg}"
        ) from None
    if not isinstance(decoded, str):  # cannot happen for a quoted literal; keeps mypy honest
        raise invalid_filter(f"invalid string literal at position {start + 1}")
    try:
        decoded.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate cannot be encoded as UTF-8, so no database could bind it.
        raise invalid_filter(
            f"string at position {start + 1} contains an unpaired surrogate"
        ) from None
    if "\x00" in decoded:
        # PostgreSQL text cannot hold NUL (SQLite can): refused alike on both, as a 400.
        raise invalid_filter(f"string at position {start + 1} contains a NUL character")
    return decoded


def _scan_number(text: str, start: int, tokens: list[Token]) -> int:
    """``[ "-" ] int [ frac ] [ exp ]`` exactly as RFC 8259 §6 spells it."""
    index = start + 1 if text[start] == "-" else start
    index = _scan_integer_part(text, index, start)
    is_float = False
    if index < len(text) and text[index] == ".":
        index = _scan_digits(text, index + 1, start)
        is_float = True
    if index < len(text) and text[index] in "eE":
        index += 1
        if index < len(text) and text[index] in "+-":
            index += 1
        index = _scan_digits(text, index, start)
        is_float = True
    if index < len(text) and (text[index] in NAME_CHARS or text[index] == '"'):
        raise invalid_filter(f"invalid number at position {start + 1}")
    literal = text[start:index]
    tokens.append(Token("number", literal, start, _number_value(literal, is_float, start)))
    return index


def _scan_integer_part(text: str, index: int, start: int) -> int:
    if index < len(text) and text[index] == "0":
        return index + 1
    return _scan_digits(text, index, start)


def _scan_digits(text: str, index: int, start: int) -> int:
    """One or more ASCII digits from ``index``; none is an error."""
    end = index
    while end < len(text) and text[end] in _DIGITS:
        end += 1
    if end == index:
        raise invalid_filter(f"invalid number at position {start + 1}")
    return end


def _number_value(literal: str, is_float: bool, start: int) -> int | float:
    if is_float:
        number = float(literal)
        if not math.isfinite(number):
            raise invalid_filter(f"number at position {start + 1} is out of range")
        return number
    integer = int(literal)
    if not -_INT64_MAX - 1 <= integer <= _INT64_MAX:
        raise invalid_filter(f"integer at position {start + 1} does not fit in 64 bits")
    return integer


__all__ = ["KEYWORDS", "MAX_FILTER_LENGTH", "Token", "TokenKind", "tokenize"]
