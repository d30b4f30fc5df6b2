"""Capture a SCIM request for the request log while it is answered.

Wraps the route's ``receive`` and ``send`` to keep the body bytes that pass anyway (up to
``CAPTURE_LIMIT`` each), the status and the time taken, then hands them to the process's
:class:`~scimbridge.services.request_recorder.RequestRecorder`, which redacts and writes
them later, off the request path. Runs at the route, inside Starlette's per-route
exception handling, so a SCIM error (RFC 7644 §3.12) is captured as the body the IdP got.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from starlette.types import Message, Receive, Scope, Send

from scimbridge.services.request_recorder import CAPTURE_LIMIT, CapturedRequest, RequestRecorder

Handler = Callable[[Scope, Receive, Send], Awaitable[None]]


class _Body:
    __slots__ = ("chunks", "kept", "size")

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.kept = 0
        self.size = 0

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.kept < CAPTURE_LIMIT and chunk:
            piece = chunk[: CAPTURE_LIMIT - self.kept]
            self.chunks.append(piece)
            self.kept += len(piece)

    def value(self) -> bytes:
        return b"".join(self.chunks)


async def recorded(handler: Handler, scope: Scope, receive: Receive, send: Send) -> None:
    """Run ``handler`` and queue what it did; without a recorder, just run it."""
    app = scope.get("app")
    recorder: RequestRecorder | None = getattr(
        getattr(app, "state", None), "request_recorder", None
    )
    if recorder is None:
        await handler(scope, receive, send)
        return
    started = time.perf_counter()
    received_at = app.state.runtime.clock.now()  # type: ignore[union-attr]
    request_body, response_body = _Body(), _Body()
    status = 500

    async def capturing_receive() -> Message:
        message = await receive()
        if message["type"] == "http.request":
            request_body.add(message.get("body", b""))
        return message

    async def capturing_send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
        elif message["type"] == "http.response.body":
            response_body.add(message.get("body", b""))
        await send(message)

    try:
        await handler(scope, capturing_receive, capturing_send)
    finally:
        params = scope.get("path_params", {})
        headers = dict(scope.get("headers", ()))
        agent = headers.get(b"user-agent")
        recorder.submit(
            CapturedRequest(
                directory_id=str(params.get("directory_id", "")),
                received_at=received_at,
                method=str(scope.get("method", "")),
                path=str(scope.get("path", "")),
                query=scope.get("query_string", b"").decode("latin-1"),
                user_agent=agent.decode("latin-1") if agent else None,
                resource_id=params.get("resource_id"),
                status=status,
                duration_us=int((time.perf_counter() - started) * 1_000_000),
                request_body=request_body.value(),
                request_size=request_body.size,
                response_body=response_body.value(),
                response_size=response_body.size,
            )
        )
