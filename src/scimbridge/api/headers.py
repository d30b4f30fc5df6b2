"""Request header limits, and one ``Authorization`` header at most.

uvicorn bounds headers only loosely (its httptools parser at llhttp's 80 KiB, h11 at
``h11_max_incomplete_event_size``, 16 KiB) and not their number, and Starlette reads the
*first* of repeated headers while a proxy in front may read the last. So, before any
route runs:

* more than :data:`MAX_HEADER_COUNT` headers, or more than :data:`MAX_HEADER_BYTES` of
  names and values together: 431 Request Header Fields Too Large (RFC 6585 §5);
* two or more ``Authorization`` headers: 400. RFC 9110 §5.3 allows repeating a field
  only when its value is a comma-separated list, which ``Authorization`` is not (§11.6.2),
  and which credential would count is exactly what request smuggling exploits.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from scimbridge.api.handlers import error_response

MAX_HEADER_COUNT = 100
MAX_HEADER_BYTES = 16 * 1024


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
