"""Request bodies: size cap, JSON parsing and nesting depth, before any handler runs.

Starlette reads bodies without a limit (Kludex/starlette#890), so :class:`BodyLimit`
counts bytes as they arrive and answers 413 past ``max_body_bytes`` without buffering
the rest. JSON is parsed with orjson, which refuses nesting deeper than 1024 levels with
an error instead of a ``RecursionError``; anything unparsable is the caller's problem to
report as a 400 in its own error format.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"request body exceeds {limit} bytes")
        self.limit = limit


class InvalidJson(Exception):
    pass


class BodyLimit:
    """ASGI middleware: refuse bodies over ``limit`` bytes with 413 (RFC 9110 §15.5.14)."""

    def __init__(
        self, app: ASGIApp, limit: int, render_413: Any, upload_limit: int | None = None
    ) -> None:
        self.app = app
        self.limit = limit
        self.render_413 = render_413
        # File imports (``…/import``, api/uploads.py) stream to disk: they get their own cap.
        self.upload_limit = upload_limit or limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = scope.get("path", "").endswith("/import")
        limit = self.upload_limit if upload else self.limit
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self.render_413(scope, limit)(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited_receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def parse_json(raw: bytes) -> Any:
    """Parse a JSON body; raise :class:`InvalidJson` with a readable reason."""
    if not raw.strip():
        raise InvalidJson("the request body is empty; a JSON object is required")
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise InvalidJson(f"the request body is not valid JSON: {error}") from None
    # JSON can carry U+0000 only as the escape \u0000; look closer only when it is there.
    if b"\\u0000" in raw and contains_nul(document):
        raise InvalidJson(
            "the request body contains a NUL character (\\u0000), which no value may hold"
        )
    return document


def contains_nul(document: Any) -> bool:
    """Whether U+0000 occurs in any string, key or value, of a parsed JSON document.

    PostgreSQL text and JSONB cannot store it (SQLite can), so it is refused at the edge
    on both backends alike, as a 400 instead of a database error. An explicit stack, not
    recursion: orjson admits 1,024 levels of nesting, Python's recursion limit is 1,000.
    """
    pending = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return True
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False
