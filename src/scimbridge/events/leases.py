"""The leases one worker holds: renewed by a heartbeat, all released when it stops.

A lease says "this worker delivers this directory until <expiry>". Short leases renewed
often are what make a crash cheap: after ``kill -9`` nobody renews, and another worker
claims the directories one lease later (10 s by default) instead of after a long fixed
lease that had to outlast the slowest delivery. Renewal is one ``UPDATE`` for all the
directories a worker holds, every third of a lease, so a single late heartbeat never
costs a directory. The pattern is procrastinate's worker heartbeat and pgmq's visibility
timeout (RELIABILITY.md §3).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import Engine

from scimbridge.clock import Clock
from scimbridge.observability import redaction
from scimbridge.store import calls, unit_of_work
from scimbridge.store import deliveries as store

log = redaction.logger("scimbridge.webhooks")


class Leases:
    def __init__(
        self, engine: Engine, clock: Clock, owner: str, *, lease: timedelta, inline: bool
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._owner = owner
        self._lease = lease
        self._inline = inline
        # Directory → lease token of the deliveries running here. A delivery that ends,
        # however it ends, leaves this map, so a lease it could not release expires
        # instead of being renewed for ever.
        self._held: dict[str, str] = {}

    @property
    def interval(self) -> float:
        """Three renewals per lease."""
        return self._lease.total_seconds() / 3

    def hold(self, directory_id: str, token: str) -> None:
        self._held[directory_id] = token

    def drop(self, directory_id: str, token: str) -> None:
        if self._held.get(directory_id) == token:
            del self._held[directory_id]

    def held(self) -> list[str]:
        return list(self._held)

    async def heartbeat(self) -> None:
        """Renew every held lease each :attr:`interval` seconds, until cancelled."""
        while True:
            await asyncio.sleep(self.interval)
            held = self.held()
            if not held:
                continue
            try:
                await calls.run(self._inline, self.renew, held)
            except Exception:
                log.warning("renewing %d webhook leases failed", len(held), exc_info=True)

    def renew(self, directory_ids: list[str]) -> int:
        until = self._clock.now() + self._lease
        with unit_of_work.write(self._engine) as connection:
            return store.renew_leases(connection, self._owner, directory_ids, until)

    async def release_all(self) -> None:
        """Give every lease back (stopping), so other workers claim them at once."""
        try:
            released = await calls.run(self._inline, self._release_all)
        except Exception:
            log.warning("releasing webhook leases failed; they expire instead", exc_info=True)
            return
        if released:
            log.info("stopping: released %d webhook leases", released)

    def _release_all(self) -> int:
        with unit_of_work.write(self._engine) as connection:
            return store.release_all(connection, self._owner)
