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

    def __init__(self, app: ASGIApp, limit: int, render_413: Any) -> None:
        self.app = app
        self.limit = limit
        self.render_413 = render_413

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            await self.render_413(scope, self.limit)(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(self.limit)
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
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise InvalidJson(f"the request body is not valid JSON: {error}") from None
