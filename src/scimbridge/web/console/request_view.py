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


def body(text: str | None, size: int, truncated: bool) -> Body:
    """Indented JSON when the stored text parses; otherwise the text as it was.

    A truncated body is cut mid-document, so it never parses and is shown as stored.
    """
    if not text:
        return Body(None, False, size, truncated)
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError:
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
