"""The worker's periodic housekeeping: retention and leftovers, one table at a time.

Runs beside webhook delivery wherever the worker runs (embedded in ``scimbridge serve``
or as ``scimbridge worker``), every :data:`INTERVAL` seconds. Each pruner deletes in
batches of :data:`PRUNE_BATCH`, each its own short transaction, so a large backlog never
holds SQLite's single write lock for long; several workers pruning at once only delete
the same rows (a no-op for the second). What goes:

* SCIM request log rows older than ``SCIMBRIDGE_REQUEST_LOG_DAYS``;
* audit log rows older than ``SCIMBRIDGE_AUDIT_LOG_DAYS`` (0: never);
* console sessions expired more than :data:`SESSION_GRACE` ago (sign-in deletes the
  ended ones too, but only when someone signs in);
* setup links expired or revoked more than :data:`SETUP_LINK_KEEP` ago. Kept that long
  so the IT admin who opens an old link reads "expired" or "revoked" (410) rather than
  "does not exist" (404), and the console lists what was sent recently. This is not tied
  to the audit retention: audit rows name the link by id and stand on their own;
* staged rows of pull runs that finished without being held (left by a crashed run).

One failing pruner is logged and the others still run; the next run retries it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import Connection

from scimbridge.runtime import Runtime
from scimbridge.store import admin_sessions, audit_log, request_log, setup_links, unit_of_work
from scimbridge.store import sync_runs as sync_store

log = logging.getLogger("scimbridge.maintenance")

INTERVAL = 300.0
PRUNE_BATCH = 1000
# Batches per run: a run stops after this many so it never starves delivery; the next
# run continues.
MAX_BATCHES = 100
# An expired session's row outlives it by this much: a replica whose clock lags a little
# still finds the row and answers "expired" as the others do.
SESSION_GRACE = timedelta(days=1)
SETUP_LINK_KEEP = timedelta(days=30)


def _in_batches(runtime: Runtime, prune: Callable[[Connection, int], int], batch: int) -> int:
    """Call ``prune`` in its own transaction until it deletes less than a full batch."""
    deleted = 0
    for _ in range(MAX_BATCHES):
        with unit_of_work.write(runtime.engine) as connection:
            count = prune(connection, batch)
        deleted += count
        if count < batch:
            break
    return deleted


def prune_request_log(runtime: Runtime, *, batch: int = PRUNE_BATCH) -> int:
    """Delete expired request log rows, batch by batch; how many were deleted."""
    cutoff = runtime.clock.now() - timedelta(days=runtime.settings.request_log_days)
    return _in_batches(runtime, lambda c, n: request_log.prune(c, before=cutoff, batch=n), batch)


def prune_audit_log(runtime: Runtime, *, batch: int = PRUNE_BATCH) -> int:
    """Delete audit rows past ``SCIMBRIDGE_AUDIT_LOG_DAYS``; nothing when it is 0."""
    days = runtime.settings.audit_log_days
    if days == 0:
        return 0
    cutoff = runtime.clock.now() - timedelta(days=days)
    return _in_batches(runtime, lambda c, n: audit_log.prune(c, before=cutoff, batch=n), batch)


def prune_admin_sessions(runtime: Runtime, *, batch: int = PRUNE_BATCH) -> int:
    """Delete console sessions that expired more than :data:`SESSION_GRACE` ago."""
    cutoff = runtime.clock.now() - SESSION_GRACE
    return _in_batches(
        runtime, lambda c, n: admin_sessions.prune_expired(c, before=cutoff, batch=n), batch
    )


def prune_setup_links(runtime: Runtime, *, batch: int = PRUNE_BATCH) -> int:
    """Delete setup links that ended (expired or revoked) more than 30 days ago."""
    cutoff = runtime.clock.now() - SETUP_LINK_KEEP
    return _in_batches(
        runtime, lambda c, n: setup_links.prune_ended(c, before=cutoff, batch=n), batch
    )


def prune_sync_staged(runtime: Runtime, *, batch: int = PRUNE_BATCH) -> int:
    """Delete staged rows a crashed pull run left behind (never a running or held run's)."""
    return _in_batches(runtime, lambda c, n: sync_store.prune_leftover_staged(c, batch=n), batch)


PRUNERS: tuple[Callable[[Runtime], int], ...] = (
    prune_request_log,
    prune_audit_log,
    prune_admin_sessions,
    prune_setup_links,
    prune_sync_staged,
)


def run_once(runtime: Runtime) -> dict[str, int | None]:
    """Run every pruner; how many rows each deleted (``None``: it failed, and is logged).

    Any exception is caught per pruner, not only database errors: a bug in one must not
    stop the others, nor the worker loop that calls this.
    """
    deleted: dict[str, int | None] = {}
    for pruner in PRUNERS:
        try:
            deleted[pruner.__name__] = pruner(runtime)
        except Exception:
            log.warning("%s failed; retrying next run", pruner.__name__, exc_info=True)
            deleted[pruner.__name__] = None
    return deleted


async def run_maintenance(
    runtime: Runtime, stop: asyncio.Event, *, interval: float = INTERVAL
) -> None:
    """Prune now, then every ``interval`` seconds until ``stop`` is set."""
    while not stop.is_set():
        await asyncio.to_thread(run_once, runtime)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
