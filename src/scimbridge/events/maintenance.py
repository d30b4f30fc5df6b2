"""The worker's periodic housekeeping: today, the SCIM request log's retention.

Runs beside webhook delivery wherever the worker runs (embedded in ``scimbridge serve``
or as ``scimbridge worker``), every :data:`INTERVAL` seconds. Rows older than
``SCIMBRIDGE_REQUEST_LOG_DAYS`` are deleted in batches of :data:`PRUNE_BATCH`, each its
own short transaction, so a large backlog never holds SQLite's single write lock for
long; several workers pruning at once only delete the same rows (a no-op for the second).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError

from scimbridge.runtime import Runtime
from scimbridge.store import request_log, unit_of_work

log = logging.getLogger("scimbridge.maintenance")

INTERVAL = 300.0
PRUNE_BATCH = 1000
# Batches per run: a run stops after this many so it never starves delivery; the next
# run continues.
MAX_BATCHES = 100


def prune_request_log(runtime: Runtime, *, batch: int = PRUNE_BATCH) -> int:
    """Delete expired request log rows, batch by batch; how many were deleted."""
    cutoff = runtime.clock.now() - timedelta(days=runtime.settings.request_log_days)
    deleted = 0
    for _ in range(MAX_BATCHES):
        with unit_of_work.write(runtime.engine) as connection:
            count = request_log.prune(connection, before=cutoff, batch=batch)
        deleted += count
        if count < batch:
            break
    return deleted


async def run_maintenance(
    runtime: Runtime, stop: asyncio.Event, *, interval: float = INTERVAL
) -> None:
    """Prune now, then every ``interval`` seconds until ``stop`` is set."""
    while not stop.is_set():
        try:
            await asyncio.to_thread(prune_request_log, runtime)
        except SQLAlchemyError:
            log.warning("request log prune failed; retrying next run", exc_info=True)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
