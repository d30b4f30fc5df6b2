"""Request dependencies: the runtime and admin authentication."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from starlette.requests import Request

from scimbridge.errors import Unauthorized
from scimbridge.ids import hash_token
from scimbridge.runtime import Runtime
from scimbridge.services.audit import Actor, admin_token_actor


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


def require_admin(request: Request) -> Runtime:
    """FastAPI dependency: the admin token, compared in constant time."""
    runtime = runtime_of(request)
    token = bearer_token(request)
    if token is None or not hmac.compare_digest(hash_token(token), runtime.admin_token_hash):
        raise Unauthorized("a valid admin bearer token is required")
    return runtime


def client_address(request: Request) -> str | None:
    """The address an action came from, for the audit log.

    ``X-Forwarded-For`` is any client's to write, so it is read only when
    ``SCIMBRIDGE_TRUST_FORWARDED_FOR`` says a proxy in front sets it; then its last entry
    is taken, the one that proxy appended (the address it saw), never one the client sent.
    """
    if runtime_of(request).settings.trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for", "").split(",")[-1].strip()
        if forwarded:
            return forwarded[:64]
    return request.client.host if request.client else None


@dataclass(frozen=True)
class AdminCall:
    """An authenticated admin request: the runtime and who acts, for the audit log."""

    runtime: Runtime
    actor: Actor


def require_admin_call(request: Request) -> AdminCall:
    """FastAPI dependency for admin *actions*: :func:`require_admin` plus the actor."""
    runtime = require_admin(request)
    return AdminCall(runtime, admin_token_actor(runtime.admin_token_hash, client_address(request)))
