"""What a JSON document may hold so that every layer below can store and read it back.

One walk over a parsed request body checks the three things that otherwise fail deep in
a database driver or serialiser, differently on SQLite and PostgreSQL, as a 500:

* **Nesting** deeper than :data:`MAX_NESTING` levels. orjson parses up to 1,024 levels
  but serialises only up to 254 (``TypeError: Recursion limit reached``), PostgreSQL's
  JSONB has its own depth limit, and Python code that walks documents recursively stops
  at 1,000 frames. No SCIM resource (RFC 7643 §2.3.8: complex attributes hold no complex
  sub-attributes) nor any IdP payload comes near 64 levels; 64 leaves room for
  extension schemas and admin ``connection`` settings.
* **Numbers** outside the signed 64-bit range (``BIGINT``, :data:`MAX_INTEGER`). orjson
  cannot write an integer past 64 bits back out, SQLite binds no integer past 2^63 - 1,
  and orjson reads an integer literal of 2^64 or more as a float, silently changing it.
  RFC 7643 §2.3.4 integers have no fractional part, and no attribute carries one so
  large; a float of that magnitude is refused too, because it may be such an integer.
* **NUL** (U+0000) in any string or key: PostgreSQL text and JSONB cannot hold it
  (SQLite can), so it is refused on both backends alike.

The walk uses an explicit stack, never recursion, so it is safe for every depth orjson
(or Python's ``json``) admits. Pure: no I/O, used by the SCIM edge and the admin API.
"""

from __future__ import annotations

from typing import Any, Final

MAX_NESTING: Final = 64
MAX_INTEGER: Final = 2**63 - 1
MIN_INTEGER: Final = -(2**63)
_FLOAT_BOUND: Final = float(2**63)

NUL_PROBLEM: Final = "a NUL character (\\u0000) is not allowed in any value"
NESTING_PROBLEM: Final = f"values may be nested at most {MAX_NESTING} levels deep"
NUMBER_PROBLEM: Final = (
    f"numbers must lie between {MIN_INTEGER} and {MAX_INTEGER} (a signed 64-bit integer)"
)


def document_problem(document: Any) -> str | None:
    """Why ``document`` cannot be stored, or None when it can.

    The document's top level is level 1: ``{"a": [1]}`` is two levels deep.
    """
    pending: list[tuple[Any, int]] = [(document, 0)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return NUL_PROBLEM
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int):
            if not MIN_INTEGER <= value <= MAX_INTEGER:
                return NUMBER_PROBLEM
        elif isinstance(value, float):
            # Strictly inside: the float nearest to 2^63 - 1 is 2^63, and -2^63 - 1
            # reads as -2^63; either may be an integer literal that lost its last digits.
            if not -_FLOAT_BOUND < value < _FLOAT_BOUND:
                return NUMBER_PROBLEM
        elif isinstance(value, dict | list):
            if depth >= MAX_NESTING:
                return NESTING_PROBLEM
            if isinstance(value, dict):
                for key, item in value.items():
                    if isinstance(key, str) and "\x00" in key:
                        return NUL_PROBLEM
                    pending.append((item, depth + 1))
            else:
                pending.extend((item, depth + 1) for item in value)
    return None


__all__ = [
    "MAX_INTEGER",
    "MAX_NESTING",
    "MIN_INTEGER",
    "NESTING_PROBLEM",
    "NUL_PROBLEM",
    "NUMBER_PROBLEM",
    "document_problem",
]
