"""Approve a held run: apply its staged snapshot, audited as ``sync.approved``.

A run the mass-deletion guard held (services/syncs.py) keeps its staged source; an admin
who checked the numbers applies *that* snapshot, not a fresh fetch, and only if the
directory has not changed since it was held (same event sequence; otherwise 409 and a new
sync is weighed afresh). The audit row is written in the transaction that records the
run's outcome, so an approval is never applied without its row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from scimbridge.connectors.reconcile import RunContext
from scimbridge.errors import Conflict, NotFound
from scimbridge.runtime import Runtime
from scimbridge.services import audit
from scimbridge.services.syncs import (
    LeaseLost,
    acquire,
    apply_run,
    fail,
    fence_of,
    get_run,
    release,
    settings_of,
)
from scimbridge.store import sync_runs as sync_store
from scimbridge.store import unit_of_work
from scimbridge.store.tables import SYNC_COUNTS


def approve(runtime: Runtime, directory_id: str, run_id: str, actor: audit.Actor) -> dict[str, Any]:
    """Apply a held run's staged snapshot, if the directory has not changed since."""
    row = settings_of(runtime, directory_id)
    with unit_of_work.read(runtime.engine) as connection:
        run = sync_store.get_run(connection, directory_id, run_id)
    if run is None:
        raise NotFound(f"sync run {run_id} not found")
    if run.outcome != "held":
        raise Conflict(f"sync run {run_id} is {run.outcome}; only a held run can be approved")
    if run.held_sequence != row.last_sequence:
        raise Conflict("the directory changed since this run was held; run a new sync")
    claimed_at = runtime.clock.now()
    token = acquire(runtime, directory_id, "approve")
    ctx = RunContext(
        engine=runtime.engine,
        run_id=run_id,
        directory_id=directory_id,
        policy=row.deprovision_policy,
        snapshot=run.mode == "snapshot",
        now=runtime.clock.now,
        notify=runtime.signal.notify,
        fence=fence_of(runtime, directory_id, token),
    )

    def audited(connection: Connection, ctx: RunContext, outcome: str) -> None:
        counts = {name: int(ctx.counts[name]) for name in SYNC_COUNTS if ctx.counts[name]}
        audit.record(
            connection,
            runtime.clock.now(),
            actor,
            "sync.approved",
            directory_id=directory_id,
            target_id=run_id,
            details={"run_id": run_id, "outcome": outcome, "counts": counts},
        )

    with unit_of_work.write(runtime.engine) as connection:
        # The held numbers were a forecast and the hold is over: the applied counts and
        # the apply's own outcome (refused records, if any) replace them.
        sync_store.update_run(
            connection,
            run_id,
            {"deactivated": 0, "deleted": 0, "error_kind": None, "error_message": None},
        )
    try:
        return apply_run(runtime, ctx, outcome="approved", finish=audited)
    except LeaseLost as error:
        fail(runtime, ctx, "superseded", str(error), audited)
        return get_run(runtime, directory_id, run_id)
    finally:
        release(
            runtime,
            directory_id,
            token,
            row.sync_interval_seconds,
            failures=0,
            claimed_at=claimed_at,
        )
