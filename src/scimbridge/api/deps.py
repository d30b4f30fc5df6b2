"""Request dependencies: the runtime and admin authentication."""

from __future__ import annotations

import hmac

from starlette.requests import Request

from scimbridge.bootstrap import admin_credential
from scimbridge.errors import Unauthorized
from scimbridge.ids import hash_token
from scimbridge.runtime import Runtime


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer …`` header.

    The scheme is case-insensitive (RFC 6750 §2.1, RFC 9110 §11.1).
    """
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.casefold() != "bearer" or not token.strip():
        return None
    return token.strip()


async def require_admin(request: Request) -> Runtime:
    """FastAPI dependency: the admin token, compared in constant time.

    Unless ``SCIMBRIDGE_ADMIN_TOKEN`` pins it, the expected hash is read from the database
    on every request (one primary-key query), not cached at start-up: a reset
    (``scimbridge admin-token --reset``) must end the old token at once on every process.
    """
    runtime = runtime_of(request)
    token = bearer_token(request)
    if token is None:
        raise Unauthorized("a valid admin bearer token is required")
    expected: str | None = runtime.admin_token_hash
    if not runtime.settings.admin_token:
        expected = (await runtime.run_db(True, admin_credential, runtime.engine)).token_hash
    if expected is None or not hmac.compare_digest(hash_token(token), expected):
        raise Unauthorized("a valid admin bearer token is required")
    return runtime
