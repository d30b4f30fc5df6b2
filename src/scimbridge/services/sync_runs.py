"""Run reports as the admin API shows them, their list, and the retry timing of runs."""

from __future__ import annotations

import random
from typing import Any

from scimbridge.clock import isoformat
from scimbridge.runtime import Runtime
from scimbridge.services import cursors
from scimbridge.services.lookups import require_directory
from scimbridge.store import sync_runs as sync_store
from scimbridge.store import unit_of_work
from scimbridge.store.tables import SYNC_COUNTS

# Delays grow from the base by powers of two up to the directory's interval.
_MAX_DOUBLINGS = 16


def run_object(row: Any) -> dict[str, Any]:
    """A ``sync_runs`` row as JSON: ids, times, outcome, counts and the error."""
    return {
        "id": row.id,
        "directory_id": row.directory_id,
        "trigger": row.trigger,
        "mode": row.mode,
        "outcome": row.outcome,
        "started_at": isoformat(row.started_at),
        "finished_at": isoformat(row.finished_at) if row.finished_at else None,
        "counts": {name: int(getattr(row, name)) for name in SYNC_COUNTS},
        "directory_users": row.directory_users,
        "error": (
            {"kind": row.error_kind, "message": row.error_message} if row.error_kind else None
        ),
    }


def backoff(base: float, interval: int, failures: int, retry_after: float | None) -> float:
    """Seconds until the next run: the interval after a good run; after ``failures``
    transient failures in a row, ``base * 2**(failures-1)`` with full jitter (AWS
    Architecture Blog, "Exponential Backoff And Jitter"), capped by the interval and
    never sooner than the source's ``Retry-After`` (RFC 9110 §10.2.3)."""
    if failures <= 0:
        return float(interval)
    ceiling = min(float(interval), base * 2 ** min(failures - 1, _MAX_DOUBLINGS))
    delay = random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not a secret
    return max(delay, retry_after or 0.0)


def _run_cursor(connection: Any, directory_id: str, after: str | None) -> str | None:
    """The cursor rule (services/cursors.py) for runs: the id of a run of this directory."""
    if not after:
        return None
    if sync_store.get_run(connection, directory_id, after) is None:
        raise cursors.refuse(after, "the id of a sync run of this directory")
    return after


def list_runs(
    runtime: Runtime, directory_id: str, *, after: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    """Newest first, ``limit`` at a time."""
    with unit_of_work.read(runtime.engine) as connection:
        require_directory(connection, directory_id)
        before = _run_cursor(connection, directory_id, after)
        rows = sync_store.list_runs(connection, directory_id, before=before, limit=limit + 1)
    page, next_after = cursors.split_page(rows, limit)
    return [run_object(r) for r in page], next_after


def latest_run(connection: Any, directory_id: str) -> dict[str, Any] | None:
    rows = sync_store.list_runs(connection, directory_id, before=None, limit=1)
    return run_object(rows[0]) if rows else None
