"""Request dependencies: the runtime and admin authentication, and the parameter types
every admin route shares (:data:`Admin`, :data:`AdminAction`, :data:`Limit`)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query
from starlette.requests import Request

from scimbridge.bootstrap import admin_credential
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


async def require_admin_call(request: Request) -> AdminCall:
    """FastAPI dependency for admin *actions*: :func:`require_admin` plus the actor.

    The actor is named by the hash of the token presented (checked just above), not a
    hash cached at start-up, which a reset makes stale.
    """
    runtime = await require_admin(request)
    token = bearer_token(request) or ""
    return AdminCall(runtime, admin_token_actor(hash_token(token), client_address(request)))


Admin = Annotated[Runtime, Depends(require_admin)]
AdminAction = Annotated[AdminCall, Depends(require_admin_call)]
# A list's page size: every admin list answers at most 100 rows a page.
Limit = Annotated[int, Query(ge=1, le=100)]
