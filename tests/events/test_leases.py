"""Short leases kept alive by a heartbeat, and a worker's graceful stop (issue 11 §2).

Two in-process workers share one real database: a delivery slower than the lease keeps
its directory because the heartbeat renews it; a stopping worker ends its current event
(or abandons it at the deadline), takes no further event and gives its leases back.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from scimbridge.clock import SystemClock
from scimbridge.events.schedule import RetrySchedule
from scimbridge.events.worker import DeliveryWorker
from scimbridge.store import deliveries, unit_of_work
from scimbridge.store.tables import webhook_cursors
from tests.support.delivery import BOX, cursor, setup_directory, worker_config
from tests.support.receiver import Arrivals, webhook_receiver

SCHEDULE = RetrySchedule(delays=(0.05,), jitter=0, overload_minimum=0)


async def wait_until(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        await asyncio.sleep(0.02)


def test_a_delivery_slower_than_the_lease_keeps_its_directory(engine: Engine) -> None:
    arrivals = Arrivals(delay=4.0)  # more than twice the 1.5 s lease
    with webhook_receiver(arrivals) as receiver:
        directory_id = setup_directory(engine, receiver.url, 1)

        async def main() -> None:
            config = worker_config(SCHEDULE, lease=timedelta(seconds=1.5), total_timeout=10)
            first_stop, second_stop = asyncio.Event(), asyncio.Event()
            first = DeliveryWorker(engine, BOX, SystemClock(), config)
            second = DeliveryWorker(engine, BOX, SystemClock(), worker_config(SCHEDULE))
            first_task = asyncio.create_task(first.run(first_stop))
            await wait_until(lambda: arrivals.sequences())
            # The second worker polls all through the slow delivery; without renewals
            # the lease would expire after 1.5 s and it would send event 1 again.
            second_task = asyncio.create_task(second.run(second_stop))
            await wait_until(lambda: cursor(engine, directory_id).last_acked_sequence == 1)
            first_stop.set()
            second_stop.set()
            await asyncio.gather(first_task, second_task)

        asyncio.run(main())
    assert arrivals.sequences() == [1]


def run_then_stop(engine: Engine, arrivals: Arrivals, **overrides: float) -> float:
    """Start a worker, stop it once the first event is in flight; the stop's duration."""

    async def main() -> float:
        stop = asyncio.Event()
        config = worker_config(SCHEDULE, total_timeout=10, **overrides)
        task = asyncio.create_task(DeliveryWorker(engine, BOX, SystemClock(), config).run(stop))
        await wait_until(lambda: arrivals.sequences())
        started = time.monotonic()
        stop.set()
        await task
        return time.monotonic() - started

    return asyncio.run(main())


def test_stopping_finishes_the_event_in_flight_and_takes_no_other(engine: Engine) -> None:
    arrivals = Arrivals(delay=0.5)
    with webhook_receiver(arrivals) as receiver:
        directory_id = setup_directory(engine, receiver.url, 5)
        run_then_stop(engine, arrivals)  # the default deadline, 10 s
    state = cursor(engine, directory_id)
    assert state.last_acked_sequence == 1, "the event in flight was finished and recorded"
    assert arrivals.sequences() == [1], "no further event was taken after the stop"
    assert state.lease_owner is None
    assert state.lease_expires_at is None


def test_stopping_abandons_a_slow_delivery_at_the_deadline(engine: Engine) -> None:
    arrivals = Arrivals(delay=6.0)
    with webhook_receiver(arrivals) as receiver:
        directory_id = setup_directory(engine, receiver.url, 3)
        took = run_then_stop(engine, arrivals, shutdown_timeout=0.3)
        state = cursor(engine, directory_id)
    assert took < 5, "the stop did not wait for the receiver"
    assert state.lease_owner is None, "released: the next worker may take it at once"
    assert state.last_acked_sequence == 0
    assert state.failures == 0, "an abandoned delivery is not the receiver's failure"
    assert state.next_attempt_at <= datetime.now(UTC)


def test_renewal_and_release_touch_only_the_owners_leases(engine: Engine) -> None:
    now = datetime.now(UTC)
    lease = timedelta(seconds=10)
    mine, also_mine, not_listed, theirs = (
        setup_directory(engine, "https://hooks.example.com/a", 1) for _ in range(4)
    )
    with unit_of_work.write(engine) as connection:
        for directory_id, owner in (
            (mine, "me"),
            (also_mine, "me"),
            (not_listed, "me"),
            (theirs, "them"),
        ):
            connection.execute(
                webhook_cursors.update()
                .where(webhook_cursors.c.directory_id == directory_id)
                .values(lease_owner=owner, lease_token=owner, lease_expires_at=now + lease)
            )
    later = now + timedelta(minutes=5)
    with unit_of_work.write(engine) as connection:
        renewed = deliveries.renew_leases(connection, "me", [mine, also_mine, theirs], later)
    assert renewed == 2
    assert [cursor(engine, d).lease_expires_at for d in (mine, also_mine)] == [later, later]
    assert cursor(engine, not_listed).lease_expires_at == now + lease
    assert cursor(engine, theirs).lease_expires_at == now + lease
    with unit_of_work.write(engine) as connection:
        assert deliveries.release_all(connection, "me") == 3
    assert cursor(engine, theirs).lease_owner == "them"
    assert {cursor(engine, d).lease_owner for d in (mine, also_mine, not_listed)} == {None}
