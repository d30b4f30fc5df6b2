"""Tokens of the SCIM filter language (RFC 7644 §3.4.2.2, Figure 1 ABNF).

A single left-to-right pass with no regular expressions, so its cost is linear in the
input whatever an attacker sends (RELIABILITY.md §6.4); input is capped at
:data:`MAX_FILTER_LENGTH` characters before anything else happens.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from scimbridge.scim.errors import invalid_filter

MAX_FILTER_LENGTH = 4096

TokenKind = Literal[
    "name", "string", "number", "keyword", "lparen", "rparen", "lbracket", "rbracket"
]

KEYWORDS = frozenset(
    {
        "and",
        "or",
        "not",
        "eq",
        "ne",
        "co",
        "sw",
        "ew",
        "pr",
        "gt",
        "ge",
        "lt",
        "le",
        "true",
        "false",
        "null",
    }
)
_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_NAME_CHARS = _NAME_START | frozenset("0123456789_-$:.")
_NUMBER_CHARS = frozenset("0123456789+-.eE")
_PUNCTUATION: dict[str, TokenKind] = {
    "(": "lparen",
    ")": "rparen",
    "[": "lbracket",
    "]": "rbracket",
}


@dataclass(frozen=True, slots=True)
class Token:
    kind: TokenKind
    text: str  # names as written; keywords lower-cased; strings decoded
    position: int
    value: object = None  # decoded number for "number"


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_FILTER_LENGTH:
        raise invalid_filter(f"filter is longer than {MAX_FILTER_LENGTH} characters")
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char in " \t\r\n":
            i += 1
        elif char in _PUNCTUATION:
            tokens.append(Token(_PUNCTUATION[char], char, i))
            i += 1
        elif char == '"':
            i = _string(text, i, tokens)
        elif char in _NAME_START:
            start = i
            while i < n and text[i] in _NAME_CHARS:
                i += 1
            word = text[start:i]
            if word.lower() in KEYWORDS:
                tokens.append(Token("keyword", word.lower(), start))
            else:
                tokens.append(Token("name", word, start))
        elif char.isdigit() or char == "-":
            i = _number(text, i, tokens)
        else:
            raise invalid_filter(f"unexpected character {char!r} at position {i}")
    return tokens


def _string(text: str, start: int, tokens: list[Token]) -> int:
    """A JSON string literal; escapes are decoded by the json module (RFC 8259 §7)."""
    i, n = start + 1, len(text)
    while i < n:
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            try:
                value = json.loads(text[start : i + 1])
            except ValueError:
                raise invalid_filter(f"invalid string literal at position {start}") from None
            tokens.append(Token("string", value, start))
            return i + 1
        i += 1
    raise invalid_filter(f"unterminated string starting at position {start}")


def _number(text: str, start: int, tokens: list[Token]) -> int:
    i, n = start, len(text)
    while i < n and text[i] in _NUMBER_CHARS:
        i += 1
    literal = text[start:i]
    try:
        value = json.loads(literal)
    except ValueError:
        raise invalid_filter(f"invalid number {literal!r} at position {start}") from None
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise invalid_filter(f"invalid number {literal!r} at position {start}")
    tokens.append(Token("number", literal, start, value))
    return i
