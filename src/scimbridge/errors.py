"""Domain errors of the admin API and the write path.

    ScimbridgeError            code + message + HTTP status, rendered {"error": {...}}
     ├── NotFound              404 not_found
     │    └── SetupLinkNotFound  404 setup_link_not_found (services/setup_links.py)
     ├── Gone                  410 gone: it existed and no longer answers
     │    ├── SetupLinkExpired   410 setup_link_expired (services/setup_links.py)
     │    └── SetupLinkRevoked   410 setup_link_revoked
     ├── Conflict              409 conflict
     ├── InvalidRequest        400 invalid_request (and 422 for schema-valid nonsense)
     │    ├── InvalidCursor    400 invalid_cursor: a list's ``after`` is malformed or unknown
     │    └── ProviderNotAvailable  400 provider_not_available: a pull source not shipped yet
     ├── Unauthorized          401 unauthorized
     ├── TooManyRequests       429 too_many_requests (with Retry-After)
     └── PayloadTooLarge       413 payload_too_large

SCIM routes raise ``scim.errors.ScimError`` instead, which carries the RFC 7644 §3.12
``scimType``; the write path raises ScimError because SCIM is its richest caller, and
the admin API never calls the SCIM write path.
"""

from __future__ import annotations

from typing import Any


class ScimbridgeError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def details(self) -> dict[str, Any]:
        """Fields the admin API adds to ``{"error": {"code", "message", …}}`` beside the
        message, for a client that acts on them (e.g. each CSV problem with its line)."""
        return {}


class NotFound(ScimbridgeError):
    status = 404
    code = "not_found"


class Gone(ScimbridgeError):
    """RFC 9110 §15.5.11: unlike a 404, the client may tell its user to ask for a new one."""

    status = 410
    code = "gone"


class Conflict(ScimbridgeError):
    status = 409
    code = "conflict"


class InvalidRequest(ScimbridgeError):
    status = 400
    code = "invalid_request"


class InvalidCursor(InvalidRequest):
    code = "invalid_cursor"


class ProviderNotAvailable(InvalidRequest):
    code = "provider_not_available"


class Unauthorized(ScimbridgeError):
    status = 401
    code = "unauthorized"


class TooManyRequests(ScimbridgeError):
    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PayloadTooLarge(ScimbridgeError):
    status = 413
    code = "payload_too_large"
