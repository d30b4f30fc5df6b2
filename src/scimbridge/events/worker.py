"""The webhook worker: claim due directories, deliver their head events in order, record.

Per directory, at most one request is in flight and event n+1 is sent only after event n
was acknowledged with a 2xx (contract). Many directories are delivered concurrently, so
one dead endpoint holds back only its own directory. The cursor lives in the database
(``store.deliveries``): a worker killed at any point loses nothing; its lease expires and
the next claim re-sends the unacknowledged event with the same ``webhook-id``.

Database calls are synchronous SQLAlchemy run in threads; HTTP is asynchronous httpx, so
one process keeps hundreds of deliveries in flight.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from sqlalchemy import Engine

from scimbridge.clock import Clock
from scimbridge.events.schedule import RetrySchedule, parse_retry_after
from scimbridge.events.signing import signature_headers
from scimbridge.events.transport import POOL_EXTENSION, pool_of, webhook_client
from scimbridge.observability import metrics, redaction
from scimbridge.secrets_box import SecretBox
from scimbridge.store import calls, unit_of_work
from scimbridge.store import deliveries as store

log = redaction.logger("scimbridge.webhooks")

RESPONSE_READ_LIMIT = 4096


@dataclass(frozen=True)
class WorkerConfig:
    allow_private: bool = False
    lease: timedelta = timedelta(seconds=60)
    concurrency: int = 64
    poll_interval: float = 1.0
    connect_timeout: float = 5.0
    total_timeout: float = 15.0
    schedule: RetrySchedule = field(default_factory=RetrySchedule)
    owner: str = field(
        default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
    )


@dataclass(frozen=True)
class Outcome:
    """What one HTTP attempt gave."""

    status_code: int | None
    error: str | None
    excerpt: str | None
    duration_ms: int
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def overloaded(self) -> bool:
        return self.status_code == 429 or (self.error or "").startswith("timeout")

    @property
    def gone(self) -> bool:
        """410 Gone: the receiver asks us to stop (Standard Webhooks)."""
        return self.status_code == 410


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
        self._loop: asyncio.AbstractEventLoop | None = None
        self._in_flight: set[asyncio.Task[None]] = set()

    # ----------------------------------------------------------------- waking

    def wake(self, _directory_id: str | None = None) -> None:
        """Thread-safe: deliver now rather than at the next poll."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake.set)

    # ----------------------------------------------------------------- main loop

    async def run(self, stop: asyncio.Event) -> None:
        self._loop = asyncio.get_running_loop()
        owns_client = self._client is None
        client = self._client or webhook_client(
            allow_private=self.config.allow_private,
            connect_timeout=self.config.connect_timeout,
            total_timeout=self.config.total_timeout,
        )
        try:
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
        finally:
            if self._in_flight:
                await asyncio.gather(*self._in_flight, return_exceptions=True)
            if owns_client:
                await client.aclose()

    async def _claim_and_start(self, client: httpx.AsyncClient) -> bool:
        free = self.config.concurrency - len(self._in_flight)
        if free <= 0:
            return False
        token = secrets.token_hex(16)
        try:
            claims = await calls.run(self.inline_database, self._claim, token, free)
        except Exception:
            log.exception("claiming due webhook deliveries failed; retrying")
            await asyncio.sleep(self.config.poll_interval)
            return False
        for claim in claims:
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

    # ----------------------------------------------------------------- one directory

    async def _deliver_directory(
        self, client: httpx.AsyncClient, claim: store.Claim, token: str
    ) -> None:
        sequence = claim.last_acked_sequence + 1
        try:
            while True:
                head = await calls.run(
                    self.inline_database, self._head, claim.directory_id, sequence
                )
                if head is None:
                    await calls.run(self.inline_database, self._release, claim.directory_id, token)
                    return
                outcome = await self.post(client, head)
                metrics.record_delivery(outcome.status_code, outcome.error)
                if outcome.ok:
                    acknowledged = await calls.run(
                        self.inline_database, self._acknowledge, claim, head, token, outcome
                    )
                    if not acknowledged:
                        return  # the lease was lost: another worker owns this directory now
                    sequence += 1
                    continue
                await calls.run(self.inline_database, self._fail, claim, head, token, outcome)
                return
        except Exception:
            log.exception("delivery for directory %s failed unexpectedly", claim.directory_id)

    def _head(self, directory_id: str, sequence: int) -> store.HeadEvent | None:
        with unit_of_work.read(self.engine) as connection:
            return store.head_event(connection, directory_id, sequence)

    def _release(self, directory_id: str, token: str) -> None:
        with unit_of_work.write(self.engine) as connection:
            store.release(connection, directory_id, token)

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
        """One signed POST; never raises for network trouble, it reports it."""
        started = time.perf_counter()
        if not head.secret_ciphertext:
            return Outcome(None, "no webhook secret configured", None, 0)
        secret = self.secret_box.decrypt(head.secret_ciphertext)
        headers = signature_headers([secret], head.event_id, head.body, self.clock.now())
        try:
            async with client.stream(
                "POST",
                head.url,
                content=head.body.encode("utf-8"),
                headers=headers,
                extensions={POOL_EXTENSION: pool_of(head.directory_id)},
            ) as response:
                excerpt = await _read_limited(response)
                retry_after = parse_retry_after(
                    response.headers.get("retry-after"), self.clock.now()
                )
                return Outcome(
                    response.status_code, None, excerpt, _elapsed_ms(started), retry_after
                )
        except httpx.TimeoutException as error:
            return Outcome(None, f"timeout: {type(error).__name__}", None, _elapsed_ms(started))
        except httpx.HTTPError as error:
            return Outcome(None, f"{type(error).__name__}: {error}", None, _elapsed_ms(started))


def attempt_record(
    head: store.HeadEvent, number: int, kind: str, outcome: Outcome, started: datetime
) -> store.Attempt:
    return store.Attempt(
        directory_id=head.directory_id,
        event_id=head.event_id,
        sequence=head.sequence,
        attempt=number,
        kind=kind,
        url=head.url,
        started_at=started,
        duration_ms=outcome.duration_ms,
        status_code=outcome.status_code,
        error=outcome.error,
        response_excerpt=outcome.excerpt,
    )


async def _read_limited(response: httpx.Response) -> str:
    """At most :data:`RESPONSE_READ_LIMIT` bytes of the body: receivers can be hostile."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_raw():
        chunks.append(chunk)
        size += len(chunk)
        if size >= RESPONSE_READ_LIMIT:
            break
    return b"".join(chunks)[:RESPONSE_READ_LIMIT].decode("utf-8", errors="replace")


def _elapsed_ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
