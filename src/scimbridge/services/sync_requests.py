"""``POST /api/v1/directories/{id}/sync``: make a pull directory due now, with a cooldown.

The worker runs it (events/sync_worker.py), so the request answers at once; a second
request within ``SCIMBRIDGE_SYNC_COOLDOWN_SECONDS`` is a 429 with ``Retry-After``
(RFC 6585 §4), so a button pressed repeatedly cannot hammer a source's API quota.
"""

from __future__ import annotations

from typing import Any

from scimbridge.clock import isoformat
from scimbridge.errors import TooManyRequests
from scimbridge.runtime import Runtime
from scimbridge.services.syncs import fetchable, settings_of
from scimbridge.store import sync_runs as sync_store
from scimbridge.store import unit_of_work


def request_sync(runtime: Runtime, directory_id: str) -> dict[str, Any]:
    """``POST …/sync``: make the directory due now; the worker runs it (429 in the cooldown)."""
    row = settings_of(runtime, directory_id)
    fetchable(row.provider)
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
    return {"directory_id": directory_id, "status": "queued", "requested_at": isoformat(now)}
