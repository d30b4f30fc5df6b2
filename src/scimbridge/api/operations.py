"""Health and readiness probes, metrics, and the SCIM request log and audit log."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import Scope

from scimbridge.api.deps import Admin, Limit, runtime_of
from scimbridge.api.responses import json_response, list_response
from scimbridge.observability import metrics as observed
from scimbridge.runtime import Runtime
from scimbridge.services import audit, operations_log
from scimbridge.store import backlog as backlog_store
from scimbridge.store import directories as directory_store
from scimbridge.store import migrate, unit_of_work

log = logging.getLogger("scimbridge.metrics")

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> Response:
    """Liveness: the process answers. Touches nothing else, so it measures the HTTP stack."""
    return json_response({"status": "ok"})


def _ready(runtime: Runtime) -> tuple[bool, str]:
    try:
        with runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        if not migrate.is_up_to_date(runtime.engine):
            return False, "database schema is not at the latest migration"
    except Exception as error:  # any failure to reach the database means "not ready"
        return False, f"database unreachable: {type(error).__name__}"
    return True, "ok"


def _backlog(runtime: Runtime) -> tuple[list[observed.BacklogRow], int] | None:
    try:
        with unit_of_work.read(runtime.engine) as connection:
            rows, total = backlog_store.delivery_backlog(connection, observed.BACKLOG_DIRECTORIES)
    except SQLAlchemyError as error:
        log.warning("metrics: the delivery backlog could not be read: %s", error)
        return None
    return [
        (r.directory_id, r.provider, r.pending_events, r.consecutive_failures, r.oldest_pending_at)
        for r in rows
    ], total


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    """Prometheus exposition: every server process's counters and the delivery backlog."""
    runtime = runtime_of(request)
    backlog = await run_in_threadpool(_backlog, runtime)
    body, content_type = observed.render(backlog, runtime.clock.now())
    return Response(body, media_type=content_type)


_PROVIDERS = observed.ProviderCache()


def _provider_of(runtime: Runtime, directory_id: str) -> str | None:
    with unit_of_work.read(runtime.engine) as connection:
        return directory_store.provider_of(connection, directory_id)


async def request_provider(scope: Scope, directory_id: str) -> str | None:
    """The provider label of a SCIM request (``MetricsMiddleware``); one lookup per directory."""
    provider = _PROVIDERS.get(directory_id)
    if provider is None:
        runtime: Runtime = scope["app"].state.runtime
        provider = await runtime.run_db(True, _provider_of, runtime, directory_id)
        if provider is not None:
            _PROVIDERS.put(directory_id, provider)
    return provider


@router.get("/readyz")
async def readyz(request: Request) -> Response:
    """Readiness: the database answers and its schema is migrated."""
    ready, reason = await run_in_threadpool(_ready, runtime_of(request))
    return json_response(
        {"status": "ok" if ready else "unavailable", "detail": reason}, 200 if ready else 503
    )


# --------------------------------------------------------------------------- request and audit log


@router.get("/api/v1/directories/{directory_id}/requests")
async def list_requests(
    directory_id: str,
    runtime: Admin,
    after: str | None = None,
    limit: Limit = 10,
    status: Annotated[int | None, Query(ge=100, le=599)] = None,
    errors_only: bool = False,
) -> Response:
    """The directory's SCIM request log, newest first (README: Operations)."""
    data, cursor = await run_in_threadpool(
        lambda: operations_log.list_requests(
            runtime, directory_id, after=after, limit=limit, status=status, errors_only=errors_only
        )
    )
    return list_response(data, cursor)


@router.get("/api/v1/directories/{directory_id}/requests/{request_id}")
async def get_request(directory_id: str, request_id: str, runtime: Admin) -> Response:
    return json_response(
        await run_in_threadpool(operations_log.get_request, runtime, directory_id, request_id)
    )


@router.get("/api/v1/audit-log")
async def list_audit_log(
    runtime: Admin, after: str | None = None, limit: Limit = 10, directory_id: str | None = None
) -> Response:
    """Admin actions, newest first (README: Operations)."""
    data, cursor = await run_in_threadpool(
        lambda: audit.list_audit_log(runtime, after=after, limit=limit, directory_id=directory_id)
    )
    return list_response(data, cursor)
