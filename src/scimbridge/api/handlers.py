"""Exception handlers: SCIM errors on ``/scim``, ``{"error": {...}}`` everywhere else.

Whatever goes wrong, a client gets a well-formed error in the format of the surface it
called (RFC 7644 §3.12 on SCIM routes), never a bare 500 page or a FastAPI validation
error shape the contract does not promise.

A database that cannot be reached (PostgreSQL down or restarting, a connection dropped,
the pool exhausted, SQLite locked past its busy timeout or its file unwritable) is not a
server bug: it answers 503 with ``Retry-After`` (RFC 9110 §15.6.4, §10.2.3), which says
the condition is temporary and when to try again, so an IdP can retry the change instead
of recording a failed push. Nothing needs a restart afterwards: PostgreSQL connections
are checked before use (``pool_pre_ping``), and SQLite's errors end with the statement.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scimbridge.api.bodies import BodyTooLarge, InvalidJson
from scimbridge.api.responses import json_response, scim_response
from scimbridge.errors import ScimbridgeError, TooManyRequests
from scimbridge.observability import redaction
from scimbridge.scim.errors import ScimError

log = redaction.logger("scimbridge.api")

# What a client hanging up mid-request raises: Starlette's ClientDisconnect when the body
# is read after ``http.disconnect``, anyio's stream errors and the OS's socket errors on
# streams that were closed under us. Nothing went wrong on our side, and there is nobody
# to answer.
DISCONNECTS: tuple[type[BaseException], ...] = (
    ClientDisconnect,
    anyio.ClosedResourceError,
    anyio.BrokenResourceError,
    anyio.EndOfStream,
    ConnectionError,
)


def is_disconnect(error: BaseException) -> bool:
    if isinstance(error, BaseExceptionGroup):
        return all(is_disconnect(inner) for inner in error.exceptions)
    return isinstance(error, DISCONNECTS)


def is_scim_path(path: str) -> bool:
    return path.startswith("/scim/")


def error_response(
    path: str,
    status: int,
    message: str,
    code: str,
    scim_type: str | None = None,
    details: dict[str, Any] | None = None,
) -> Response:
    if is_scim_path(path):
        return scim_response(ScimError(status, message, scim_type).to_body(), status)
    return json_response({"error": {"code": code, "message": message, **(details or {})}}, status)


_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    503: "unavailable",
}

# Database failures that may mean "not reachable now", not "this request is wrong".
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    DisconnectionError,
    PoolTimeout,
)
# SQLite reports a locked or unwritable file and a broken statement alike as
# OperationalError; its result codes (https://sqlite.org/rescode.html) tell them apart.
_SQLITE_UNAVAILABLE = frozenset(
    {
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
        sqlite3.SQLITE_NOMEM,
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_PROTOCOL,
    }
)


def is_unavailable(exc: BaseException) -> bool:
    """Whether a database error means the database cannot serve now (retry later).

    The SQLite ``BEGIN IMMEDIATE`` goes to the driver directly (``store/engine.py``), so
    its "database is locked" arrives as the driver's own exception, not SQLAlchemy's.
    """
    cause = getattr(exc, "orig", None) if isinstance(exc, UNAVAILABLE_ERRORS) else exc
    if isinstance(cause, sqlite3.Error):
        code = getattr(cause, "sqlite_errorcode", None)
        return code is not None and code & 0xFF in _SQLITE_UNAVAILABLE
    # PostgreSQL's class 54 (program limit exceeded: stack depth, too many columns) is an
    # OperationalError too, but says the statement cannot run, not that the server is down.
    sqlstate = getattr(cause, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate.startswith("54"):
        return False
    return isinstance(exc, UNAVAILABLE_ERRORS)


RETRY_AFTER_SECONDS = 5


def unavailable_response(path: str, exc: Exception) -> Response:
    """503 + ``Retry-After``; logs the driver's reason, never the statement's parameters."""
    cause = getattr(exc, "orig", None) or exc
    reason = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
    log.warning("database unavailable (%s: %s)", type(cause).__name__, reason)
    response = error_response(path, 503, "the database is unavailable; retry later", _code_for(503))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _code_for(status: int) -> str:
    return _CODES.get(status, "internal_error" if status >= 500 else "error")


async def _scim_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ScimError)
    if is_scim_path(request.url.path):
        return scim_response(exc.to_body(), exc.status, _www_authenticate(exc.status))
    return json_response(
        {"error": {"code": exc.scim_type or _code_for(exc.status), "message": exc.detail}},
        exc.status,
    )


def _www_authenticate(status: int) -> dict[str, str] | None:
    return {"WWW-Authenticate": 'Bearer realm="scimbridge"'} if status == 401 else None


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ScimbridgeError)
    response = error_response(
        request.url.path, exc.status, exc.message, exc.code, details=exc.details()
    )
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="scimbridge"'
    if isinstance(exc, TooManyRequests):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = exc.detail if isinstance(exc.detail, str) else "request failed"
    if exc.status_code == 404 and message == "Not Found":
        message = f"no such endpoint: {request.method} {request.url.path}"
    response = error_response(
        request.url.path, exc.status_code, message, _code_for(exc.status_code)
    )
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    first: dict[str, Any] = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(part) for part in first.get("loc", ()))
    message = f"{where}: {first.get('msg', 'invalid value')}" if where else "invalid request"
    return error_response(request.url.path, 400, message, "invalid_request", "invalidValue")


async def _invalid_json(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, InvalidJson)
    return error_response(request.url.path, 400, str(exc), "invalid_json", exc.scim_type)


async def _database_error(request: Request, exc: Exception) -> Response:
    if not is_unavailable(exc):
        raise exc  # a bug, not an outage: UnexpectedErrors logs it and answers 500
    return unavailable_response(request.url.path, exc)


async def _too_large(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BodyTooLarge)
    return error_response(request.url.path, 413, str(exc), "payload_too_large")


class UnexpectedErrors:
    """Answer any unhandled exception with a 500 in the surface's error format, and log it.

    Starlette's own catch-all re-raises after answering, and uvicorn then drops the
    connection, which a keep-alive client (every IdP) sees as a reset instead of a 500.
    A client that hung up is not an error (``is_disconnect``), and a database error is
    logged without the values it carried (``observability.redaction``).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:
            if is_disconnect(error):
                log.debug("client went away during %s %s", scope.get("method"), scope.get("path"))
                return
            if is_unavailable(error) and not started:
                await unavailable_response(scope["path"], error)(scope, receive, send)
                return
            # Logged through the redacting logger; re-raised, uvicorn would log it again
            # with the driver's message (personal data). Returning with the response
            # unfinished makes uvicorn close the connection, which is what must happen.
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                return
            response = error_response(
                scope["path"], 500, "internal error; see the server log", "internal_error"
            )
            await response(scope, receive, send)


def install(app: FastAPI) -> None:
    app.add_exception_handler(ScimError, _scim_error)
    app.add_exception_handler(ScimbridgeError, _domain_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(InvalidJson, _invalid_json)
    app.add_exception_handler(BodyTooLarge, _too_large)
    for error in (*UNAVAILABLE_ERRORS, sqlite3.OperationalError):
        app.add_exception_handler(error, _database_error)
