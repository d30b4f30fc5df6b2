"""How the console shows one logged SCIM request: bodies, status, the error in plain words.

Pure functions over ``services.operations_log.get_request``'s answer. The bodies were
redacted when they were captured (``observability/redact.py``); here they are only
re-indented. The templates autoescape them, so an IdP's markup stays text.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import orjson

from scimbridge.web.portal.explain import explain


@dataclass(frozen=True)
class Body:
    """One stored body as the page shows it."""

    text: str | None  # None: nothing stored (empty, or too large to redact)
    is_json: bool
    size: int  # bytes on the wire
    truncated: bool  # stored text cut at 8 KiB, or not stored at all


_OPEN = "{["
_CLOSE = "}]"


def indent_prefix(text: str) -> str:
    """Indent the start of a JSON document that was cut (so it does not parse).

    A large group PATCH is exactly the body that gets cut at 8 KiB, and one long line of
    members is unreadable. This only re-spaces what is there, outside strings: a line
    after each ``{``, ``[`` and ``,``, two spaces a level, no character added or lost
    inside a string.
    """
    out: list[str] = []
    depth = 0
    in_string = escaped = just_opened = False
    for char in text:
        opened, just_opened = just_opened, False
        if in_string:
            out.append(char)
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
            out.append(char)
        elif char in _OPEN:
            depth += 1
            out.append(char + "\n" + "  " * depth)
            just_opened = True
        elif char in _CLOSE:
            depth = max(0, depth - 1)
            if opened:  # an empty object or array stays on one line: {}
                out[-1] = out[-1][0] + char
            else:
                out.append("\n" + "  " * depth + char)
        elif char == ",":
            out.append(",\n" + "  " * depth)
        elif char == ":":
            out.append(": ")
        elif not char.isspace():
            out.append(char)
    return "".join(out)


def body(text: str | None, size: int, truncated: bool) -> Body:
    """Indented JSON when the stored text parses; otherwise the text as it was, or, for
    a JSON document cut at 8 KiB, its beginning re-indented (:func:`indent_prefix`)."""
    if not text:
        return Body(None, False, size, truncated)
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError:
        if truncated and text.lstrip()[:1] in ("{", "["):
            return Body(indent_prefix(text.strip()), False, size, truncated)
        return Body(text, False, size, truncated)
    return Body(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode(), True, size, truncated)


def status_text(status: int) -> str:
    """``409 Conflict``: the code with its RFC 9110 reason phrase when it has one."""
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def request_view(entry: dict[str, Any], provider: str) -> dict[str, Any]:
    """The stored request plus its rendered bodies and, for a failure, the explanation
    the setup portal gives (``web/portal/explain.py``: one wording for both audiences)."""
    error = entry["error"] or {}
    explanation = explain(
        entry["status"],
        error.get("scim_type"),
        error.get("detail"),
        method=entry["method"],
        path=entry["path"],
        provider=provider,
    )
    return {
        **entry,
        "status_text": status_text(entry["status"]),
        "request": body(entry["request_body"], entry["request_bytes"], entry["request_truncated"]),
        "response": body(
            entry["response_body"], entry["response_bytes"], entry["response_truncated"]
        ),
        "explanation": explanation,
    }
