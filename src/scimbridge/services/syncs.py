"""Pull runs: fetch a source, hold it if it would mass-deprovision, apply it, record it.

One run (``run_sync``): lease the directory (one run per directory at a time, whoever
started it: the worker's schedule, ``POST …/sync``, the CLI, an import), record a
``sync_runs`` row, stage the source (connectors/staging.py: a fetch that fails applies
nothing), weigh it against the mass-deletion guard, then apply it in whole-page
transactions (connectors/reconcile.py) and set the directory's ``state`` and
``last_sync_at``. The run's row says what happened, with a plain explanation on failure.

The guard (issue 14): a snapshot that would take access from more than
``guard_percent`` % of the directory's users *and* at least ``guard_min_users`` of them,
or an empty answer from a source whose directory has users, is **held**: nothing is
applied, the run's outcome is ``held`` with the numbers, the directory's state is
``held``. ``services/sync_approval.approve`` applies that held run's staged snapshot if
the directory did not change since it was held (its event sequence is the same);
otherwise it is refused with 409 and the admin runs a new sync, which is weighed afresh.
The next scheduled run also re-checks (and supersedes the held one).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from scimbridge import ids
from scimbridge.connectors import registry
from scimbridge.connectors.base import Source, SourceError
from scimbridge.connectors.reconcile import RunContext, reconcile
from scimbridge.connectors.staging import stage_source
from scimbridge.errors import Conflict, InvalidRequest, NotFound
from scimbridge.observability import redaction
from scimbridge.runtime import Runtime
from scimbridge.services.directories import decrypted_connection
from scimbridge.services.sync_runs import backoff, run_object
from scimbridge.store import sync_plan, unit_of_work
from scimbridge.store import sync_runs as sync_store
from scimbridge.store.directories import update_directory
from scimbridge.store.tables import SYNC_COUNTS

log = redaction.logger("scimbridge.sync")

TRANSIENT = frozenset({"rate_limited", "unreachable", "source_error"})

Finish = Callable[[Connection, RunContext, str], None]
"""Called in the transaction that records a run's outcome (with the run and the outcome):
how an admin action that ran a sync (an import, an approval) writes its audit row in
the same transaction as the run's result (services/audit.py)."""


class LeaseLost(Exception):
    """Another worker took the directory over (our lease expired): stop writing."""


def settings_of(runtime: Runtime, directory_id: str) -> Any:
    with unit_of_work.read(runtime.engine) as connection:
        row = sync_store.directory_settings(connection, directory_id)
    if row is None:
        raise NotFound(f"directory {directory_id} not found")
    if registry.connector_for(row.provider) is None:
        raise InvalidRequest(f"directory {directory_id} is not a pull directory ({row.provider})")
    if row.state == "inactive":
        raise Conflict("the directory is inactive; set it active to sync it")
    return row


def acquire(runtime: Runtime, directory_id: str, owner: str) -> str:
    """Lease ``directory_id`` now, or 409 when a run of it is under way."""
    token = secrets.token_hex(16)
    now = runtime.clock.now()
    with unit_of_work.write(runtime.engine) as connection:
        sync_store.ensure_schedule(connection, directory_id, now)
        claimed = sync_store.claim(
            connection,
            directory_id=directory_id,
            providers=(),
            owner=owner,
            token=token,
            now=now,
            lease=_lease(runtime),
        )
    if claimed is None:
        raise Conflict("a sync of this directory is already running")
    return token


def _lease(runtime: Runtime) -> timedelta:
    return timedelta(seconds=runtime.settings.sync_lease_seconds)


def fence_of(runtime: Runtime, directory_id: str, token: str) -> Callable[[Any], None]:
    def fence(connection: Any) -> None:
        until = runtime.clock.now() + _lease(runtime)
        if not sync_store.extend_lease(connection, directory_id, token, until):
            raise LeaseLost(f"lost the sync lease of directory {directory_id}")

    return fence


def sync_directory(
    runtime: Runtime,
    directory_id: str,
    *,
    trigger: str,
    owner: str,
    token: str | None = None,
    source: Source | None = None,
    mode: str = "snapshot",
    dry_run: bool = False,
    claimed_at: datetime | None = None,
    finish: Finish | None = None,
) -> dict[str, Any]:
    """Run a sync now, in this thread, under the directory's lease (taken here unless
    the worker already holds it as ``token``); the lease is released with the next due
    time: the interval after a good run, an exponential backoff after a failed one."""
    row = settings_of(runtime, directory_id)
    if source is None:
        fetchable(row.provider)
    if token is None or claimed_at is None:
        claimed_at = runtime.clock.now()
    if token is None:
        token = acquire(runtime, directory_id, owner)
    failed: list[SourceError] = []
    try:
        return run_sync(
            runtime,
            row,
            trigger=trigger,
            token=token,
            source=source,
            mode=mode,
            dry_run=dry_run,
            failed=failed,
            finish=finish,
        )
    except BaseException:
        failed.append(SourceError("source_error", "the run stopped on an unexpected error"))
        raise
    finally:
        with unit_of_work.read(runtime.engine) as connection:
            schedule = sync_store.schedule_row(connection, directory_id)
        failures = (int(schedule.failures) + 1 if schedule is not None else 1) if failed else 0
        retry_after = failed[0].retry_after if failed else None
        if failed and failed[0].kind not in TRANSIENT:
            failures = 0  # not worth retrying sooner: the admin must fix something
        release(
            runtime,
            directory_id,
            token,
            row.sync_interval_seconds,
            failures=failures,
            retry_after=retry_after,
            claimed_at=claimed_at,
        )


def run_sync(
    runtime: Runtime,
    row: Any,
    *,
    trigger: str,
    token: str,
    source: Source | None,
    mode: str,
    dry_run: bool,
    failed: list[SourceError],
    finish: Finish | None = None,
) -> dict[str, Any]:
    """One run under the lease ``token``; returns the run object (or a dry run's plan)."""
    directory_id = row.id
    run_id = ids.new_id("sync")
    now = runtime.clock.now()
    with unit_of_work.write(runtime.engine) as connection:
        sync_store.interrupt_running(connection, directory_id, now)
        sync_store.insert_run(
            connection,
            run_id=run_id,
            directory_id=directory_id,
            trigger=trigger,
            mode=mode,
            now=now,
        )
    ctx = RunContext(
        engine=runtime.engine,
        run_id=run_id,
        directory_id=directory_id,
        policy=row.deprovision_policy,
        snapshot=mode == "snapshot",
        now=runtime.clock.now,
        notify=runtime.signal.notify,
        fence=fence_of(runtime, directory_id, token),
        dry_run=dry_run,
    )
    try:
        if source is None:
            source = _open(runtime, row)
        try:
            staged = stage_source(runtime.engine, run_id, source, ctx.fence)
        finally:
            pages = source.pages_fetched
            source.close()
        ctx.counts.update(seen_users=staged.users, seen_groups=staged.groups, pages_fetched=pages)
        with unit_of_work.write(runtime.engine) as connection:
            sync_store.add_counts(connection, run_id, ctx.counts)
        if dry_run:
            held = _guard(runtime, ctx, row, staged.users)[0] if mode == "snapshot" else None
            return _dry_run(runtime, ctx, held)
        if mode == "snapshot" and _hold_if_guarded(runtime, ctx, row, staged.users, finish):
            return get_run(runtime, directory_id, run_id)
        return apply_run(runtime, ctx, outcome="succeeded", finish=finish)
    except SourceError as error:
        failed.append(error)
        fail(runtime, ctx, error.kind, error.explanation, finish)
    except LeaseLost as error:
        fail(runtime, ctx, "superseded", str(error), finish)
    except Exception:
        log.exception("sync of directory %s stopped on an unexpected error", directory_id)
        fail(
            runtime,
            ctx,
            "internal",
            "the run stopped on an unexpected error (see the logs)",
            finish,
        )
        raise
    return get_run(runtime, directory_id, run_id)


def fetchable(provider: str) -> Callable[[dict[str, Any]], Source]:
    """The provider's ``open_source``; a 400 for providers that only take imports (csv)."""
    connector = registry.connector_for(provider)
    if connector is None or connector.open_source is None:
        raise InvalidRequest(
            f"{provider} directories receive data by import (POST …/import), not by sync"
        )
    return connector.open_source


def _open(runtime: Runtime, row: Any) -> Source:
    return fetchable(row.provider)(decrypted_connection(runtime, row.connection_ciphertext))


def _dry_run(runtime: Runtime, ctx: RunContext, held: str | None) -> dict[str, Any]:
    """The plan's counts and first changes; ``would_be_held`` says why the guard would
    hold the real run (``null``: it would be applied)."""
    try:
        reconcile(ctx)
    finally:
        with unit_of_work.write(runtime.engine) as connection:
            sync_store.delete_run(connection, ctx.run_id)
    counts = {name: int(ctx.counts[name]) for name in SYNC_COUNTS if name != "events"}
    return {
        "dry_run": True,
        "would_be_held": held,
        "counts": counts,
        "changes": ctx.sample,
        "problems": ctx.problems,
    }


def _guard(
    runtime: Runtime, ctx: RunContext, row: Any, seen_users: int
) -> tuple[str | None, int, int]:
    """Why the mass-deletion guard holds the staged run (``None``: it does not), with
    the users it would take access from and the directory's user count."""
    with unit_of_work.read(runtime.engine) as connection:
        total = sync_store.count_users(connection, ctx.directory_id)
        removals = sync_plan.removal_count(
            connection, ctx.run_id, ctx.directory_id, only_active=ctx.policy == "deactivate"
        )
    if seen_users == 0 and total > 0:
        return f"the source returned no users but the directory has {total}", removals, total
    if removals >= row.guard_min_users and removals * 100 > row.guard_percent * total:
        return (
            f"would take access from {removals} of {total} users "
            f"(guard: more than {row.guard_percent} % and at least {row.guard_min_users})",
            removals,
            total,
        )
    return None, removals, total


def _hold_if_guarded(
    runtime: Runtime, ctx: RunContext, row: Any, seen_users: int, finish: Finish | None
) -> bool:
    why, removals, total = _guard(runtime, ctx, row, seen_users)
    if why is None:
        return False
    field = "deactivated" if ctx.policy == "deactivate" else "deleted"
    with unit_of_work.write(runtime.engine) as connection:
        current = sync_store.directory_settings(connection, ctx.directory_id)
        sequence = current.last_sequence if current is not None else None
        sync_store.update_run(
            connection,
            ctx.run_id,
            {
                "outcome": "held",
                "finished_at": runtime.clock.now(),
                "directory_users": total,
                field: removals,
                "held_sequence": sequence,
                "error_kind": "held",
                "error_message": f"held by the mass-deletion guard: {why}; "
                "approve the run to apply it",
            },
        )
        sync_store.supersede_held(connection, ctx.directory_id, keep=ctx.run_id)
        update_directory(connection, ctx.directory_id, {"state": "held"})
        if finish is not None:
            finish(connection, ctx, "held")
    log.warning("sync of directory %s held: %s", ctx.directory_id, why)
    return True


def apply_run(
    runtime: Runtime, ctx: RunContext, *, outcome: str, finish: Finish | None = None
) -> dict[str, Any]:
    """Apply the staged run; on success the directory is ``active`` and ``last_sync_at`` set."""
    reconcile(ctx)
    now = runtime.clock.now()
    with unit_of_work.write(runtime.engine) as connection:
        values: dict[str, Any] = {"outcome": outcome, "finished_at": now}
        if ctx.problems:
            values["error_kind"] = "rejected"
            values["error_message"] = "; ".join(ctx.problems)
        sync_store.update_run(connection, ctx.run_id, values)
        sync_store.drop_staged(connection, ctx.run_id)
        sync_store.supersede_held(connection, ctx.directory_id, keep=ctx.run_id)
        update_directory(connection, ctx.directory_id, {"state": "active", "last_sync_at": now})
        if finish is not None:
            finish(connection, ctx, outcome)
    return get_run(runtime, ctx.directory_id, ctx.run_id)


def fail(
    runtime: Runtime, ctx: RunContext, kind: str, explanation: str, finish: Finish | None = None
) -> None:
    log.warning("sync of directory %s failed (%s): %s", ctx.directory_id, kind, explanation)
    with unit_of_work.write(runtime.engine) as connection:
        sync_store.update_run(
            connection,
            ctx.run_id,
            {
                "outcome": "failed",
                "finished_at": runtime.clock.now(),
                "error_kind": kind,
                "error_message": explanation,
            },
        )
        sync_store.drop_staged(connection, ctx.run_id)
        if kind != "superseded":
            update_directory(connection, ctx.directory_id, {"state": "error"})
        if finish is not None:
            finish(connection, ctx, "failed")


def release(
    runtime: Runtime,
    directory_id: str,
    token: str,
    interval: int,
    *,
    failures: int,
    claimed_at: datetime,
    retry_after: float | None = None,
) -> None:
    now = runtime.clock.now()
    delay = backoff(runtime.settings.sync_retry_base_seconds, interval, failures, retry_after)
    with unit_of_work.write(runtime.engine) as connection:
        sync_store.release(
            connection,
            directory_id,
            token,
            next_sync_at=now + timedelta(seconds=delay),
            failures=failures,
            claimed_at=claimed_at,
        )


def get_run(runtime: Runtime, directory_id: str, run_id: str) -> dict[str, Any]:
    with unit_of_work.read(runtime.engine) as connection:
        run = sync_store.get_run(connection, directory_id, run_id)
    if run is None:
        raise NotFound(f"sync run {run_id} not found")
    return run_object(run)
