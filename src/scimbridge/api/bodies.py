"""Request bodies: size cap, JSON parsing and nesting depth, before any handler runs.

Starlette reads bodies without a limit (Kludex/starlette#890), so :class:`BodyLimit`
counts bytes as they arrive and answers 413 past ``max_body_bytes`` without buffering
the rest. JSON is parsed with orjson, which refuses nesting deeper than 1024 levels with
an error instead of a ``RecursionError``; a parsed document must then hold only what
every layer below can store (``scim.limits``: nesting, 64-bit numbers, no NUL).
Anything refused is the caller's problem to report as a 400 in its own error format.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scimbridge.scim.limits import (
    MAX_NESTING,
    NESTING_PROBLEM,
    NUMBER_PROBLEM,
    document_problem,
)


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"request body exceeds {limit} bytes")
        self.limit = limit


class InvalidJson(Exception):
    """A body that is not JSON (``invalidSyntax``) or holds what cannot be stored."""

    def __init__(self, message: str, scim_type: str = "invalidSyntax") -> None:
        super().__init__(message)
        self.scim_type = scim_type


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


# Bytes that a body must contain before its parsed document needs a closer look: the
# escape of U+0000, a run of 19 digits (2^63 has 19) or an exponent. Nesting needs more
# than MAX_NESTING brackets, counted separately. Most bodies have none of these, so the
# walk over the parsed document is skipped for them.
_SUSPECT = re.compile(rb"\\u0000|[0-9]{19}|[0-9][eE]")


def _unparsable(reason: str) -> InvalidJson:
    if reason.startswith("depth limit exceeded"):  # orjson's own cap, 1,024 levels
        return InvalidJson(f"the request body is refused: {NESTING_PROBLEM}")
    if reason.startswith("number is infinity"):  # past a double's range
        return InvalidJson(f"the request body is refused: {NUMBER_PROBLEM}", "invalidValue")
    return InvalidJson(f"the request body is not valid JSON: {reason}")


def parse_json(raw: bytes) -> Any:
    """Parse a JSON body; raise :class:`InvalidJson` with a readable reason."""
    if not raw.strip():
        raise InvalidJson("the request body is empty; a JSON object is required")
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise _unparsable(str(error)) from None
    deep = raw.count(b"[") + raw.count(b"{") > MAX_NESTING
    if deep or _SUSPECT.search(raw):
        problem = document_problem(document)
        if problem is not None:
            scim_type = "invalidValue" if problem == NUMBER_PROBLEM else "invalidSyntax"
            raise InvalidJson(f"the request body is refused: {problem}", scim_type)
    return document
