"""Health and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from scimbridge.api.deps import runtime_of
from scimbridge.api.responses import json_response
from scimbridge.runtime import Runtime
from scimbridge.store import migrate

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


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    """Prometheus exposition of this process's metrics."""
    body, content_type = request.app.state.metrics.render()
    return Response(body, media_type=content_type)


@router.get("/readyz")
async def readyz(request: Request) -> Response:
    """Readiness: the database answers and its schema is migrated."""
    ready, reason = await run_in_threadpool(_ready, runtime_of(request))
    return json_response(
        {"status": "ok" if ready else "unavailable", "detail": reason}, 200 if ready else 503
    )
