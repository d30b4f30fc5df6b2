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
import signal
import threading
from collections.abc import Callable
from datetime import timedelta
from types import FrameType
from typing import Any

import psycopg
from sqlalchemy import Engine

from scimbridge.config import Settings
from scimbridge.events.maintenance import run_maintenance
from scimbridge.events.recovery import RecoveryPolicy
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
        lease=timedelta(seconds=settings.worker_lease_seconds),
        concurrency=settings.worker_concurrency,
        poll_interval=settings.worker_poll_interval,
        connect_timeout=settings.webhook_connect_timeout,
        total_timeout=settings.webhook_timeout,
        shutdown_timeout=settings.shutdown_timeout,
        schedule=RetrySchedule(scale=settings.webhook_retry_scale),
        recovery=RecoveryPolicy(
            batch=settings.webhook_recovery_batch, spread=settings.webhook_recovery_spread
        ),
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
    maintenance = asyncio.create_task(run_maintenance(runtime, stop))
    scheduler = asyncio.create_task(SyncWorker(runtime).run(stop))
    try:
        await worker.run(stop)
    finally:
        for task in (listener, maintenance):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        # The scheduler stops by itself once `stop` is set (a running sync ends first).
        with contextlib.suppress(asyncio.CancelledError):
            await scheduler


def stop_on_exit_signals(stop: asyncio.Event) -> Callable[[], None]:
    """Set ``stop`` the moment SIGTERM or SIGINT arrives; returns the undo function.

    ``scimbridge serve`` runs under uvicorn, which takes these signals itself
    (``Server.capture_signals``, with ``signal.signal``) and runs the lifespan shutdown
    only once open connections have closed, up to its ``timeout_graceful_shutdown``;
    until then the embedded worker would go on claiming and delivering. A handler
    chained in front of uvicorn's starts the worker's graceful stop at the signal, in
    parallel with uvicorn's draining, so the process ends within one shutdown timeout.
    The previous handler still runs. Only the main thread may set signal handlers; a
    server run in another thread (the tests' in-process server) is left alone.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    previous: dict[int, Any] = {signum: signal.getsignal(signum) for signum in signals}

    def handler(signum: int, frame: FrameType | None) -> None:
        loop.call_soon_threadsafe(stop.set)
        earlier = previous[signum]
        if callable(earlier):
            earlier(signum, frame)
        elif earlier == signal.SIG_DFL:  # no server handles it: die as the default would
            signal.signal(signum, signal.SIG_DFL)
            signal.raise_signal(signum)

    for signum in signals:
        signal.signal(signum, handler)

    def restore() -> None:
        for signum, earlier in previous.items():
            if signal.getsignal(signum) is handler and earlier is not None:
                signal.signal(signum, earlier)

    return restore
