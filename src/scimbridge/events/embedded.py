"""Running the delivery worker: inside the server process or on its own.

Both use the same :class:`~scimbridge.events.worker.DeliveryWorker`. Wake-ups come from
the in-process :class:`~scimbridge.events.signal.CommitSignal` and, on PostgreSQL, from
``LISTEN scimbridge_events`` (the write path sends ``pg_notify`` in its transaction, which
PostgreSQL delivers only after commit), so workers in other processes react at once;
polling every ``worker_poll_interval`` seconds is the fallback that always works.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

import psycopg
from sqlalchemy import Engine

from scimbridge.config import Settings
from scimbridge.events.schedule import RetrySchedule
from scimbridge.events.sync_worker import SyncWorker
from scimbridge.events.worker import DeliveryWorker, WorkerConfig
from scimbridge.observability import redaction
from scimbridge.runtime import Runtime
from scimbridge.store.events import NOTIFY_CHANNEL

log = redaction.logger("scimbridge.webhooks")


def worker_config(settings: Settings) -> WorkerConfig:
    return WorkerConfig(
        allow_private=settings.webhook_allow_private,
        lease=timedelta(seconds=max(settings.worker_lease_seconds, settings.webhook_timeout + 1)),
        concurrency=settings.worker_concurrency,
        poll_interval=settings.worker_poll_interval,
        connect_timeout=settings.webhook_connect_timeout,
        total_timeout=settings.webhook_timeout,
        schedule=RetrySchedule(scale=settings.webhook_retry_scale),
    )


def build_worker(runtime: Runtime) -> DeliveryWorker:
    worker = DeliveryWorker(
        runtime.engine,
        runtime.secret_box,
        runtime.clock,
        worker_config(runtime.settings),
        inline_database=runtime.inline_database,
    )
    runtime.signal.subscribe(worker.wake)
    return worker


async def listen_for_commits(engine: Engine, worker: DeliveryWorker, stop: asyncio.Event) -> None:
    """Wake the worker on every ``NOTIFY`` from another process (PostgreSQL only)."""
    if engine.dialect.name != "postgresql":
        return
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    while not stop.is_set():
        try:
            async with await psycopg.AsyncConnection.connect(url, autocommit=True) as connection:
                await connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
                async for _ in connection.notifies():
                    worker.wake()
                    if stop.is_set():
                        return
        except (psycopg.Error, OSError):
            log.warning("LISTEN connection lost; polling until it is back", exc_info=True)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=5)


async def run_worker(runtime: Runtime, stop: asyncio.Event) -> None:
    """Webhook delivery, and the pull-sync scheduler beside it (events/sync_worker.py)."""
    worker = build_worker(runtime)
    listener = asyncio.create_task(listen_for_commits(runtime.engine, worker, stop))
    scheduler = asyncio.create_task(SyncWorker(runtime).run(stop))
    try:
        await worker.run(stop)
    finally:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener
        with contextlib.suppress(asyncio.CancelledError):
            await scheduler
