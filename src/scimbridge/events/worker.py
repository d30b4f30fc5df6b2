"""The webhook worker: claim due directories, deliver their head events in order, record.

Per directory, at most one request is in flight and event n+1 is sent only after event n
was acknowledged with a 2xx (contract). Many directories are delivered concurrently, so
one dead endpoint holds back only its own directory. The cursor lives in the database
(``store.deliveries``): a worker killed at any point loses nothing; its lease expires and
the next claim re-sends the unacknowledged event with the same ``webhook-id``.

Leases are short (10 s by default) and a heartbeat renews, every third of a lease and in
one statement, the leases of all the directories the worker is delivering to: a worker
killed with ``kill -9`` stops renewing, so its directories move to another worker within
one lease instead of a long fixed one, while a delivery slower than a lease keeps its
directory. Fencing tokens still guard every cursor move (RELIABILITY.md §3).

Stopping (SIGTERM): the worker claims nothing more, lets each in-flight delivery finish
its current event until ``shutdown_timeout``, cancels what is left (that event is sent
again by the next owner: a duplicate, never a loss) and releases every lease it holds in
one statement, so another worker takes over at once rather than when the lease expires.

Database calls are synchronous SQLAlchemy run in threads; HTTP is asynchronous httpx, so
one process keeps hundreds of deliveries in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import ParamSpec, TypeVar

import httpx
from sqlalchemy import Engine

from scimbridge.clock import Clock
from scimbridge.events.attempt import Outcome, attempt_record, send
from scimbridge.events.leases import Leases
from scimbridge.events.recovery import RecoveryPolicy, RecoveryTrigger
from scimbridge.events.schedule import RetrySchedule
from scimbridge.events.transport import webhook_client
from scimbridge.observability import metrics, redaction
from scimbridge.secrets_box import SecretBox
from scimbridge.store import calls, unit_of_work
from scimbridge.store import deliveries as store

log = redaction.logger("scimbridge.webhooks")

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class WorkerConfig:
    allow_private: bool = False
    lease: timedelta = timedelta(seconds=10)
    concurrency: int = 64
    poll_interval: float = 1.0
    connect_timeout: float = 5.0
    total_timeout: float = 15.0
    # On stop, in-flight deliveries get this long to finish before they are abandoned.
    shutdown_timeout: float = 10.0
    schedule: RetrySchedule = field(default_factory=RetrySchedule)
    recovery: RecoveryPolicy = field(default_factory=RecoveryPolicy)
    owner: str = field(
        default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
    )


class DeliveryWorker:
    def __init__(
        self,
        engine: Engine,
        secret_box: SecretBox,
        clock: Clock,
        config: WorkerConfig,
        client: httpx.AsyncClient | None = None,
        *,
        inline_database: bool = False,
    ) -> None:
        self.engine = engine
        # Every call below touches one cursor or one event: bounded (store.calls).
        self.inline_database = inline_database
        self.secret_box = secret_box
        self.clock = clock
        self.config = config
        self._client = client
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()  # set once the claim loop has ended
        self._loop: asyncio.AbstractEventLoop | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self._leases = Leases(
            engine, clock, config.owner, lease=config.lease, inline=inline_database
        )
        self._recovery = RecoveryTrigger(
            engine, clock, config.recovery, inline_database=inline_database
        )

    # ----------------------------------------------------------------- waking

    def wake(self, _directory_id: str | None = None) -> None:
        """Thread-safe: deliver now rather than at the next poll."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake.set)

    async def _db(self, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await calls.run(self.inline_database, func, *args, **kwargs)

    # ----------------------------------------------------------------- main loop

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set, then stop within ``shutdown_timeout``."""
        self._loop = asyncio.get_running_loop()
        owns_client = self._client is None
        client = self._client or webhook_client(
            allow_private=self.config.allow_private,
            connect_timeout=self.config.connect_timeout,
            total_timeout=self.config.total_timeout,
        )
        heartbeat = asyncio.create_task(self._leases.heartbeat())
        try:
            await self._claim_until(stop, client)
        finally:
            self._stopping.set()
            await self._finish_in_flight()
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            await self._leases.release_all()
            if owns_client:
                await client.aclose()

    async def _claim_until(self, stop: asyncio.Event, client: httpx.AsyncClient) -> None:
        while not stop.is_set():
            claimed = await self._claim_and_start(client)
            if claimed:
                continue
            self._wake.clear()
            waiters = [
                asyncio.ensure_future(self._wake.wait()),
                asyncio.ensure_future(stop.wait()),
            ]
            await asyncio.wait(
                [*waiters, *self._in_flight],
                timeout=self.config.poll_interval,
                return_when=asyncio.FIRST_COMPLETED,
            )
            for waiter in waiters:
                waiter.cancel()

    async def _claim_and_start(self, client: httpx.AsyncClient) -> bool:
        free = self.config.concurrency - len(self._in_flight)
        if free <= 0:
            return False
        token = secrets.token_hex(16)
        try:
            claims = await self._db(self._claim, token, free)
        except Exception:
            log.exception("claiming due webhook deliveries failed; retrying")
            await asyncio.sleep(self.config.poll_interval)
            return False
        for claim in claims:
            self._leases.hold(claim.directory_id, token)
            task = asyncio.create_task(self._deliver_directory(client, claim, token))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        return len(claims) == free

    def _claim(self, token: str, limit: int) -> list[store.Claim]:
        with unit_of_work.write(self.engine) as connection:
            return store.claim_due(
                connection,
                owner=self.config.owner,
                token=token,
                now=self.clock.now(),
                lease=self.config.lease,
                limit=limit,
            )

    async def _finish_in_flight(self) -> None:
        """Let in-flight deliveries end their current event, up to ``shutdown_timeout``."""
        tasks = set(self._in_flight)
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=self.config.shutdown_timeout)
        if pending:
            log.warning(
                "stopping: abandoned %d webhook deliveries still in flight after %g s; "
                "their events are sent again by the next worker",
                len(pending),
                self.config.shutdown_timeout,
            )
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    # ----------------------------------------------------------------- one directory

    async def _deliver_directory(
        self, client: httpx.AsyncClient, claim: store.Claim, token: str
    ) -> None:
        directory_id = claim.directory_id
        sequence = claim.last_acked_sequence + 1
        head: store.HeadEvent | None = None
        try:
            while True:
                head = None
                if self._stopping.is_set():  # take no further event
                    await self._db(self._release, directory_id, token)
                    return
                head = await self._db(self._head, directory_id, sequence)
                if head is None:
                    await self._db(self._release, directory_id, token)
                    return
                outcome = await self.post(client, head)
                metrics.record_delivery(outcome.status_code, outcome.error)
                if not outcome.ok:
                    await self._db(self._fail, claim, head, token, outcome)
                    return
                if not await self._db(self._acknowledge, claim, head, token, outcome):
                    return  # the lease was lost: another worker owns this directory now
                await self._recovery.delivered(head.url)
                sequence += 1
        except Exception as error:
            log.exception("delivery for directory %s failed unexpectedly", directory_id)
            await self._give_up(claim, head, token, error)
        finally:
            self._leases.drop(directory_id, token)

    async def _give_up(
        self,
        claim: store.Claim,
        head: store.HeadEvent | None,
        token: str,
        error: Exception,
    ) -> None:
        """After an unexpected error: a failed attempt when an event was being delivered
        (so it follows the retry schedule instead of looping), else release the lease."""
        try:
            if head is not None:
                text = f"unexpected error: {type(error).__name__}: {error}"
                await self._db(self._fail, claim, head, token, Outcome(None, text, None, 0))
            else:
                await self._db(self._release, claim.directory_id, token)
        except Exception:
            log.warning(
                "could not record the failure of directory %s; its lease expires",
                claim.directory_id,
                exc_info=True,
            )

    def _head(self, directory_id: str, sequence: int) -> store.HeadEvent | None:
        with unit_of_work.read(self.engine) as connection:
            return store.head_event(connection, directory_id, sequence)

    def _release(self, directory_id: str, token: str) -> None:
        with unit_of_work.write(self.engine) as connection:
            store.release(connection, directory_id, token)

    # ----------------------------------------------------------------- recording

    def _acknowledge(
        self, claim: store.Claim, head: store.HeadEvent, token: str, outcome: Outcome
    ) -> bool:
        now = self.clock.now()
        with unit_of_work.write(self.engine) as connection:
            moved = store.acknowledge(
                connection, claim.directory_id, token, head.sequence, now, self.config.lease
            )
            if moved:
                store.record_attempt(
                    connection,
                    attempt_record(
                        head,
                        self._attempt_number(claim, head),
                        "scheduled",
                        outcome,
                        now,
                    ),
                )
        return moved

    def _attempt_number(self, claim: store.Claim, head: store.HeadEvent) -> int:
        return claim.failures + 1 if head.sequence == claim.last_acked_sequence + 1 else 1

    def _fail(
        self, claim: store.Claim, head: store.HeadEvent, token: str, outcome: Outcome
    ) -> None:
        now = self.clock.now()
        first_attempt_of_event = head.sequence != claim.last_acked_sequence + 1
        failures = 1 if first_attempt_of_event else claim.failures + 1
        first_failure = (
            now
            if first_attempt_of_event or claim.first_failure_at is None
            else claim.first_failure_at
        )
        delay = self.config.schedule.next_delay(
            failures, overloaded=outcome.overloaded, retry_after=outcome.retry_after
        )
        state = (
            "disabled"
            if outcome.gone
            else ("failing" if self.config.schedule.exhausted(failures) else "active")
        )
        error = outcome.error or f"HTTP {outcome.status_code}"
        with unit_of_work.write(self.engine) as connection:
            recorded = store.fail(
                connection,
                claim.directory_id,
                token,
                failures=failures,
                first_failure_at=first_failure,
                next_attempt_at=now + timedelta(seconds=delay),
                state=state,
                error=error,
            )
            if recorded:
                store.record_attempt(
                    connection,
                    attempt_record(head, failures, "scheduled", outcome, now),
                )
        if state != "active":
            log.warning(
                "webhook of directory %s is %s after %d failures: %s",
                claim.directory_id,
                state,
                failures,
                error,
            )

    # ----------------------------------------------------------------- HTTP

    async def post(self, client: httpx.AsyncClient, head: store.HeadEvent) -> Outcome:
        """One signed POST; never raises for anything that goes wrong, it reports it."""
        return await send(
            client,
            head,
            secret_box=self.secret_box,
            clock=self.clock,
            total_timeout=self.config.total_timeout,
        )


__all__ = ["DeliveryWorker", "Outcome", "WorkerConfig", "attempt_record"]
