"""The ASGI application: routers, error handlers, body limit and lifespan."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.types import ASGIApp, Receive, Scope, Send

from scimbridge import __version__
from scimbridge.api import (
    directories,
    directory_data,
    events,
    handlers,
    operations,
    scim_routes,
    setup_links,
    setup_portal,
    syncs,
    webhooks,
)
from scimbridge.api.bodies import BodyLimit
from scimbridge.api.handlers import error_response
from scimbridge.api.headers import HeaderLimits
from scimbridge.bootstrap import ensure_credentials
from scimbridge.clock import Clock, SystemClock
from scimbridge.config import Settings
from scimbridge.events.embedded import run_worker, stop_on_exit_signals
from scimbridge.observability.metrics import MetricsMiddleware, process_exit
from scimbridge.runtime import Runtime
from scimbridge.services.request_recorder import RequestRecorder
from scimbridge.store import calls
from scimbridge.store.engine import create_db_engine
from scimbridge.web import console
from scimbridge.web.portal import routes as portal_routes


class RequestTarget:
    """Normalise and vet the request target before anything else reads it.

    * ``/scim/v2/…/Users/`` is ``/Users``: some clients append a slash to the base URL.
    * A NUL character (``%00``) in the path or the query is refused with a 400 in the
      surface's format: PostgreSQL text cannot hold U+0000, so an id or filter carrying
      one would otherwise fail inside the database as a 500 (SQLite would accept it, and
      the two backends must answer alike).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if "\x00" in path or b"%00" in scope["query_string"]:
                message = "the request path or query contains a NUL character (%00)"
                response = error_response(path, 400, message, "invalid_request", "invalidValue")
                await response(scope, receive, send)
                return
            if path.startswith("/scim/") and len(path) > 1 and path.endswith("/"):
                scope = dict(scope, path=path.rstrip("/"))
        await self.app(scope, receive, send)


def _too_large(scope: Scope, limit: int) -> ASGIApp:
    return error_response(
        scope["path"], 413, f"request body exceeds {limit} bytes", "payload_too_large"
    )


def create_app(
    settings: Settings | None = None, *, engine: Engine | None = None, clock: Clock | None = None
) -> FastAPI:
    settings = settings or Settings()
    owns_engine = engine is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = engine or create_db_engine(
            settings.database_url,
            busy_timeout_ms=settings.sqlite_busy_timeout_ms,
            pool_size=settings.pool_size,
        )
        credentials = ensure_credentials(settings, db)
        runtime = Runtime(
            settings=settings,
            engine=db,
            clock=clock or SystemClock(),
            admin_token_hash=credentials.admin_token_hash,
            secret_box=credentials.box(),
            inline_database=calls.may_run_inline(db, settings.sqlite_inline),
        )
        app.state.runtime = runtime
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.thread_count()
        stop = asyncio.Event()
        worker = (
            asyncio.create_task(run_worker(runtime, stop)) if settings.embedded_worker else None
        )
        restore_signals = stop_on_exit_signals(stop) if worker is not None else None
        app.state.request_recorder = RequestRecorder(db)
        recorder = asyncio.create_task(app.state.request_recorder.run(stop))
        try:
            yield
        finally:
            stop.set()
            if restore_signals is not None:
                restore_signals()
            if worker is not None:
                await worker
            await recorder  # drains the request log queue: nothing is lost on a clean stop
            if owns_engine:
                db.dispose()
            process_exit()

    app = FastAPI(
        title="scimbridge",
        version=__version__,
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    handlers.install(app)
    # SCIM first: its routes are plain Starlette routes that FastAPI's router tries in order.
    app.router.routes.extend(scim_routes.ROUTES)
    for module in (operations, directories, directory_data, events, webhooks, syncs):
        app.include_router(module.router)
    for module in (setup_links, setup_portal):  # issue 13: setup links and the portal's API
        app.include_router(module.router)
    app.router.routes.extend(console.ROUTES)  # issue 13 §3: the admin console at /admin
    app.include_router(portal_routes.router)  # issue 13 §4: the setup portal's pages
    app.add_middleware(
        BodyLimit,
        limit=settings.max_body_bytes,
        render_413=_too_large,
        upload_limit=settings.import_max_bytes,
    )
    # Added last runs first: the target is vetted and normalised before metrics match it.
    app.add_middleware(MetricsMiddleware, lookup=operations.request_provider)
    app.add_middleware(RequestTarget)
    app.add_middleware(HeaderLimits)
    app.add_middleware(handlers.UnexpectedErrors)
    return app


def create_app_from_env() -> Any:
    """Factory for ``uvicorn --factory`` (several worker processes each build their own)."""
    return create_app(Settings())
