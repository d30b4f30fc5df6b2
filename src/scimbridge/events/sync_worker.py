"""The pull-sync scheduler: run each pull directory's sync when it is due.

It runs wherever the webhook worker runs (embedded in ``serve`` or ``scimbridge worker``).
Every ``worker_poll_interval`` it leases one due directory (``store/sync_runs.claim``: the
webhook cursor's lease pattern, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL and a
compare-and-set on the lease columns everywhere, so of several workers exactly one
syncs a directory at a time) and runs the sync in a thread, because fetching from a
source is blocking I/O. ``POST …/sync`` makes a directory due now (services/syncs.py);
a failed run is retried after an exponential backoff with jitter, or at the source's
``Retry-After`` (services/sync_runs.backoff).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket
from datetime import timedelta

import anyio

from scimbridge.connectors import registry
from scimbridge.errors import ScimbridgeError
from scimbridge.observability import redaction
from scimbridge.runtime import Runtime
from scimbridge.services import syncs
from scimbridge.store import sync_runs as sync_store
from scimbridge.store import unit_of_work

log = redaction.logger("scimbridge.sync")


def schedulable_providers() -> tuple[str, ...]:
    """Pull providers the scheduler can fetch from (a CSV directory only takes imports)."""
    return tuple(
        p
        for p in registry.registered_providers()
        if (c := registry.connector_for(p)) is not None and c.open_source is not None
    )


class SyncWorker:
    def __init__(self, runtime: Runtime, owner: str | None = None) -> None:
        self.runtime = runtime
        self.owner = owner or f"{socket.gethostname()}:{secrets.token_hex(4)}"

    def run_once(self) -> str | None:
        """Lease and sync one due directory; its id, or ``None`` when none was due."""
        providers = schedulable_providers()
        if not providers:
            return None
        token = secrets.token_hex(16)
        now = self.runtime.clock.now()
        lease = timedelta(seconds=self.runtime.settings.sync_lease_seconds)
        with unit_of_work.write(self.runtime.engine) as connection:
            directory_id = sync_store.claim(
                connection,
                directory_id=None,
                providers=providers,
                owner=self.owner,
                token=token,
                now=now,
                lease=lease,
            )
            schedule = sync_store.schedule_row(connection, directory_id) if directory_id else None
        if directory_id is None:
            return None
        manual = schedule is not None and schedule.last_requested_at == schedule.next_sync_at
        try:
            syncs.sync_directory(
                self.runtime,
                directory_id,
                trigger="manual" if manual else "scheduled",
                owner=self.owner,
                token=token,
                claimed_at=now,
            )
        except ScimbridgeError as error:
            # E.g. the directory was set inactive after it was claimed: try again later.
            log.info("sync of directory %s not run: %s", directory_id, error.message)
            syncs.release(self.runtime, directory_id, token, 1800, failures=0, claimed_at=now)
        return directory_id

    async def run(self, stop: asyncio.Event) -> None:
        interval = self.runtime.settings.worker_poll_interval
        while not stop.is_set():
            try:
                ran = await anyio.to_thread.run_sync(self.run_once)
            except Exception:
                log.exception("the sync scheduler failed; retrying")
                ran = None
            if ran is None:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=interval)
