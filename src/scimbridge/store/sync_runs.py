"""Pull runs, what they staged, and the per-directory sync schedule with its lease.

The lease follows the webhook cursor's (``store/deliveries.py``): a worker claims a due
directory by stamping ``lease_token``/``lease_expires_at`` on its ``sync_schedules`` row,
with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL so concurrent claimers pass over each
other, and every later write of the run checks the token (fencing): a worker whose
lease expired and was taken over cannot finish the run over the new owner's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    tuple_,
    update,
)

from scimbridge.store.tables import (
    SYNC_COUNTS,
    directories,
    sync_runs,
    sync_schedules,
    sync_staged,
)

RUN_COLUMNS = tuple(sync_runs.c)


# --------------------------------------------------------------------------- runs


def insert_run(
    connection: Connection,
    *,
    run_id: str,
    directory_id: str,
    trigger: str,
    mode: str,
    now: datetime,
) -> None:
    connection.execute(
        insert(sync_runs).values(
            id=run_id,
            directory_id=directory_id,
            trigger=trigger,
            mode=mode,
            outcome="running",
            started_at=now,
        )
    )


def update_run(connection: Connection, run_id: str, values: Mapping[str, Any]) -> None:
    connection.execute(update(sync_runs).where(sync_runs.c.id == run_id).values(**values))


def add_counts(connection: Connection, run_id: str, counts: Mapping[str, int]) -> None:
    """Add ``counts`` to the run's counters (batches commit their share as they go)."""
    values = {
        name: sync_runs.c[name] + amount
        for name, amount in counts.items()
        if amount and name in SYNC_COUNTS
    }
    if values:
        connection.execute(update(sync_runs).where(sync_runs.c.id == run_id).values(**values))


def get_run(connection: Connection, directory_id: str, run_id: str) -> Any | None:
    return connection.execute(
        select(sync_runs).where(sync_runs.c.id == run_id, sync_runs.c.directory_id == directory_id)
    ).first()


def list_runs(
    connection: Connection, directory_id: str, *, before: str | None, limit: int
) -> list[Any]:
    """Newest first (run ids sort by creation time)."""
    query = select(sync_runs).where(sync_runs.c.directory_id == directory_id)
    if before is not None:
        query = query.where(sync_runs.c.id < before)
    return list(connection.execute(query.order_by(sync_runs.c.id.desc()).limit(limit)))


def supersede_held(connection: Connection, directory_id: str, keep: str) -> None:
    """Older held runs of the directory can no longer be approved once a newer run exists."""
    connection.execute(
        update(sync_runs)
        .where(
            sync_runs.c.directory_id == directory_id,
            sync_runs.c.outcome == "held",
            sync_runs.c.id != keep,
        )
        .values(outcome="superseded")
    )
    drop_staged_except(connection, directory_id, keep)


def drop_staged(connection: Connection, run_id: str) -> None:
    connection.execute(delete(sync_staged).where(sync_staged.c.run_id == run_id))


def drop_staged_except(connection: Connection, directory_id: str, keep: str) -> None:
    """Staged rows of finished runs (a held run keeps its own until approved or superseded)."""
    others = select(sync_runs.c.id).where(
        sync_runs.c.directory_id == directory_id,
        sync_runs.c.id != keep,
        sync_runs.c.outcome != "held",
    )
    connection.execute(delete(sync_staged).where(sync_staged.c.run_id.in_(others)))


def stage_rows(connection: Connection, rows: Iterable[Mapping[str, Any]]) -> None:
    batch = list(rows)
    if batch:
        connection.execute(insert(sync_staged), batch)


def directory_settings(connection: Connection, directory_id: str) -> Any | None:
    """The sync settings and the stored connection of one directory."""
    return connection.execute(
        select(
            directories.c.id,
            directories.c.provider,
            directories.c.state,
            directories.c.last_sequence,
            directories.c.deprovision_policy,
            directories.c.connection_ciphertext,
            directories.c.sync_interval_seconds,
            directories.c.guard_percent,
            directories.c.guard_min_users,
        ).where(directories.c.id == directory_id)
    ).first()


# --------------------------------------------------------------------------- schedule


def ensure_schedule(connection: Connection, directory_id: str, next_sync_at: datetime) -> None:
    exists = connection.execute(
        select(sync_schedules.c.directory_id).where(sync_schedules.c.directory_id == directory_id)
    ).first()
    if exists is None:
        connection.execute(
            insert(sync_schedules).values(directory_id=directory_id, next_sync_at=next_sync_at)
        )


def claim(
    connection: Connection,
    *,
    directory_id: str | None,
    providers: tuple[str, ...],
    owner: str,
    token: str,
    now: datetime,
    lease: timedelta,
) -> str | None:
    """Lease one directory: ``directory_id`` if its lease is free, else the most overdue one.

    With ``directory_id`` (a manual sync) the schedule need not be due, only unleased.
    Returns the leased directory's id, or ``None``.
    """
    free = or_(sync_schedules.c.lease_expires_at.is_(None), sync_schedules.c.lease_expires_at < now)
    query = (
        select(sync_schedules.c.directory_id)
        .join(directories, directories.c.id == sync_schedules.c.directory_id)
        .where(free)
    )
    if directory_id is not None:
        query = query.where(sync_schedules.c.directory_id == directory_id)
    else:
        query = query.where(
            sync_schedules.c.next_sync_at <= now,
            directories.c.provider.in_(providers),
            directories.c.state.in_(("active", "error", "held")),
        ).order_by(sync_schedules.c.next_sync_at)
    query = query.limit(1)
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(of=sync_schedules, skip_locked=True)
    chosen = connection.execute(query).scalar()
    if chosen is None:
        return None
    claimed = connection.execute(
        update(sync_schedules)
        .where(sync_schedules.c.directory_id == chosen, free)
        .values(lease_owner=owner, lease_token=token, lease_expires_at=now + lease)
    )
    return str(chosen) if claimed.rowcount == 1 else None


def holds_lease(connection: Connection, directory_id: str, token: str, now: datetime) -> bool:
    """Fencing: is ``token`` still the live lease of the directory?"""
    row = connection.execute(
        select(sync_schedules.c.lease_token, sync_schedules.c.lease_expires_at).where(
            sync_schedules.c.directory_id == directory_id
        )
    ).first()
    return row is not None and row.lease_token == token and row.lease_expires_at >= now


def extend_lease(connection: Connection, directory_id: str, token: str, until: datetime) -> bool:
    result = connection.execute(
        update(sync_schedules)
        .where(sync_schedules.c.directory_id == directory_id, sync_schedules.c.lease_token == token)
        .values(lease_expires_at=until)
    )
    return result.rowcount == 1


def release(
    connection: Connection,
    directory_id: str,
    token: str,
    *,
    next_sync_at: datetime,
    failures: int,
    claimed_at: datetime,
) -> None:
    """Free the lease and set the next due time, unless ``POST …/sync`` asked for a run
    after this lease was taken (``claimed_at``): that request stays due now, or a sync
    asked for while the scheduler was already running one would be silently dropped."""
    asked_during_run = and_(
        sync_schedules.c.last_requested_at.is_not(None),
        sync_schedules.c.last_requested_at > claimed_at,
    )
    connection.execute(
        update(sync_schedules)
        .where(
            and_(
                sync_schedules.c.directory_id == directory_id, sync_schedules.c.lease_token == token
            )
        )
        .values(
            lease_owner=None,
            lease_token=None,
            lease_expires_at=None,
            next_sync_at=case(
                (asked_during_run, sync_schedules.c.last_requested_at),
                else_=bindparam("next_due", next_sync_at, type_=sync_schedules.c.next_sync_at.type),
            ),
            failures=failures,
        )
    )


def schedule_row(connection: Connection, directory_id: str) -> Any | None:
    return connection.execute(
        select(sync_schedules).where(sync_schedules.c.directory_id == directory_id)
    ).first()


def count_users(connection: Connection, directory_id: str) -> int:
    from scimbridge.store.tables import users

    return int(
        connection.execute(
            select(func.count()).select_from(users).where(users.c.directory_id == directory_id)
        ).scalar_one()
    )


def delete_run(connection: Connection, run_id: str) -> None:
    connection.execute(delete(sync_runs).where(sync_runs.c.id == run_id))


def request_now(connection: Connection, directory_id: str, now: datetime) -> None:
    """Due now, marked as asked for (the worker then records the run as ``manual``)."""
    connection.execute(
        update(sync_schedules)
        .where(sync_schedules.c.directory_id == directory_id)
        .values(last_requested_at=now, next_sync_at=now)
    )


def interrupt_running(connection: Connection, directory_id: str, now: datetime) -> None:
    """Runs still ``running`` when a new run holds the lease died with their process."""
    connection.execute(
        update(sync_runs)
        .where(sync_runs.c.directory_id == directory_id, sync_runs.c.outcome == "running")
        .values(
            outcome="failed",
            finished_at=now,
            error_kind="interrupted",
            error_message="the process running this sync stopped before it finished",
        )
    )


# What a run cannot be waiting on: it will never read its staged rows again.
FINISHED_UNHELD = ("succeeded", "failed", "approved", "superseded")


def prune_leftover_staged(connection: Connection, *, batch: int) -> int:
    """Delete up to ``batch`` staged rows of finished runs that are not ``held``.

    A run drops its staged rows in the transaction that finishes it; rows are left only
    when its process died mid-run (the next run marks it failed, ``interrupted``, and
    does not touch them) and no later run succeeded to sweep them. ``running`` runs may
    still be staging and ``held`` runs wait for approval, so both keep theirs.
    """
    key = (
        sync_staged.c.run_id,
        sync_staged.c.kind,
        sync_staged.c.source_id,
        sync_staged.c.member_id,
    )
    doomed = (
        select(*key)
        .join(sync_runs, sync_runs.c.id == sync_staged.c.run_id)
        .where(sync_runs.c.outcome.in_(FINISHED_UNHELD))
        .limit(batch)
    )
    result = connection.execute(delete(sync_staged).where(tuple_(*key).in_(doomed)))
    return int(result.rowcount)
