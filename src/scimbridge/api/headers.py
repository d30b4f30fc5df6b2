"""Request header limits, and one ``Authorization`` header at most.

uvicorn does not bound headers with its default parser: httptools buffers a header of any
size (a 50 MB header reached the application, measured), h11 stops at
``h11_max_incomplete_event_size``. Neither bounds their number, and Starlette reads the
*first* of repeated headers while a proxy in front may read the last. So:

* :class:`BoundedHeadProtocol` (``scimbridge serve``) closes a connection whose request
  head grows past :data:`MAX_HEAD_BYTES` before it is complete, with a 431, so memory
  per connection stays bounded;

and, before any route runs (:class:`HeaderLimits`):

* more than :data:`MAX_HEADER_COUNT` headers, or more than :data:`MAX_HEADER_BYTES` of
  names and values together: 431 Request Header Fields Too Large (RFC 6585 §5);
* two or more ``Authorization`` headers: 400. RFC 9110 §5.3 allows repeating a field
  only when its value is a comma-separated list, which ``Authorization`` is not (§11.6.2),
  and which credential would count is exactly what request smuggling exploits.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from scimbridge.api.handlers import error_response

MAX_HEADER_COUNT = 100
MAX_HEADER_BYTES = 16 * 1024
# The request line and headers as received, framing included; above the 16 KiB that
# HeaderLimits answers in the surface's format, so this only stops the abusive.
MAX_HEAD_BYTES = 64 * 1024


class HeaderLimits:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problem = check(scope["headers"])
            if problem is not None:
                status, message = problem
                code = "invalid_request" if status == 400 else "request_header_fields_too_large"
                scim_type = "invalidValue" if status == 400 else None
                response = error_response(scope["path"], status, message, code, scim_type)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def check(headers: list[tuple[bytes, bytes]]) -> tuple[int, str] | None:
    """(status, message) for headers that break a limit, else None."""
    if len(headers) > MAX_HEADER_COUNT:
        return 431, f"the request has more than {MAX_HEADER_COUNT} header fields"
    if sum(len(name) + len(value) for name, value in headers) > MAX_HEADER_BYTES:
        return 431, f"the request's header fields exceed {MAX_HEADER_BYTES} bytes"
    if sum(1 for name, _ in headers if name == b"authorization") > 1:
        return 400, "the request has more than one Authorization header"
    return None


class BoundedHeadProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, refusing a request head over :data:`MAX_HEAD_BYTES`.

    Bytes are counted while a head is incomplete (from the connection's start or the end
    of the previous request until ``on_headers_complete``). A read in which a head or a
    whole request completed is not counted, so body bytes never trip the limit. At most
    the limit plus one read (asyncio reads up to 256 KiB) is buffered.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_open = True
        self._head_bytes = 0
        self._progressed = False

    def on_headers_complete(self) -> None:
        self._head_open = False
        self._head_bytes = 0
        self._progressed = True
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._head_open = True
        self._progressed = True

    def data_received(self, data: bytes) -> None:
        self._progressed = False
        super().data_received(data)
        if self._progressed or not self._head_open or self.transport.is_closing():
            return
        self._head_bytes += len(data)
        if self._head_bytes > MAX_HEAD_BYTES:
            message = f"request header fields exceed {MAX_HEAD_BYTES} bytes".encode("ascii")
            self.transport.write(
                b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
                b"content-type: text/plain; charset=utf-8\r\n"
                + f"content-length: {len(message)}\r\n".encode("ascii")
                + b"connection: close\r\n\r\n"
                + message
            )
            self.transport.close()


def server_options() -> dict[str, Any]:
    """uvicorn options that enforce the header limits below the application."""
    return {"http": BoundedHeadProtocol, "h11_max_incomplete_event_size": MAX_HEAD_BYTES}
