"""``POST /api/v1/directories/{id}/sync``: make a pull directory due now, with a cooldown.

The worker runs it (events/sync_worker.py), so the request answers at once; a second
request within ``SCIMBRIDGE_SYNC_COOLDOWN_SECONDS`` is a 429 with ``Retry-After``
(RFC 6585 §4), so a button pressed repeatedly cannot hammer a source's API quota.

A sync request is an admin action: it is audited as ``directory.sync_requested`` with its
actor (admin token, console session or CLI user) in the transaction that queues it, so a
request refused by the cooldown leaves no row and a queued one always has its row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from scimbridge.clock import isoformat
from scimbridge.errors import Conflict, TooManyRequests
from scimbridge.runtime import Runtime
from scimbridge.services import audit
from scimbridge.services.audit import Actor
from scimbridge.services.syncs import fetchable, settings_of
from scimbridge.store import sync_runs as sync_store
from scimbridge.store import unit_of_work

SYNC_REQUESTED = "directory.sync_requested"


def request_sync(runtime: Runtime, directory_id: str, *, actor: Actor) -> dict[str, Any]:
    """``POST …/sync``: make the directory due now; the worker runs it (429 in the cooldown)."""
    _check_syncable(runtime, directory_id)
    now = runtime.clock.now()
    cooldown = runtime.settings.sync_cooldown_seconds
    with unit_of_work.write(runtime.engine) as connection:
        sync_store.ensure_schedule(connection, directory_id, now)
        schedule = sync_store.schedule_row(connection, directory_id)
        last = schedule.last_requested_at if schedule is not None else None
        if last is not None and (now - last).total_seconds() < cooldown:
            wait = max(1, int(cooldown - (now - last).total_seconds() + 0.999))
            raise TooManyRequests(
                f"a sync of this directory was requested less than {int(cooldown)} s ago; "
                f"retry in {wait} s",
                retry_after=wait,
            )
        sync_store.request_now(connection, directory_id, now)
        _audit(connection, runtime, actor, directory_id, runs_in="worker")
    return {"directory_id": directory_id, "status": "queued", "requested_at": isoformat(now)}


def record_direct_sync(runtime: Runtime, directory_id: str, *, actor: Actor) -> None:
    """``scimbridge directories sync`` runs the sync in its own process rather than
    queueing it: the request is audited here, before the run starts, so a run that then
    fails (or a lease held by a worker, 409) is still on record as asked for."""
    _check_syncable(runtime, directory_id)
    with unit_of_work.write(runtime.engine) as connection:
        _audit(connection, runtime, actor, directory_id, runs_in="cli")


def _check_syncable(runtime: Runtime, directory_id: str) -> None:
    """A pull directory that fetches (not csv), is not inactive, and has a connection:
    a directory created without one would only fail its run for want of settings."""
    row = settings_of(runtime, directory_id)
    fetchable(row.provider)
    if row.connection_ciphertext is None:
        raise Conflict(
            "the directory has no connection yet: save one (PATCH connection, or the "
            "console's Connection form) before syncing"
        )


def _audit(
    connection: Connection, runtime: Runtime, actor: Actor, directory_id: str, *, runs_in: str
) -> None:
    audit.record(
        connection,
        runtime.clock.now(),
        actor,
        SYNC_REQUESTED,
        directory_id=directory_id,
        details={"runs_in": runs_in},
    )
