"""The worker's cursor states, driven in-process against a real receiver and database.

A schedule of two short delays stands in for the 75-hour one: after it is used up the
directory's webhook is ``failing`` (retried daily, nothing skipped), a 410 disables it,
and resuming delivers the head event again, in order.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from scimbridge import ids
from scimbridge.clock import SystemClock
from scimbridge.events.schedule import RetrySchedule
from scimbridge.events.worker import DeliveryWorker, WorkerConfig
from scimbridge.store import deliveries, directories, unit_of_work
from tests.support.delivery import BOX, NOW, cursor, run_worker, setup_directory
from tests.support.receiver import Answer, Received, webhook_receiver

SHORT = RetrySchedule(delays=(0.01, 0.01), jitter=0, overload_minimum=0)


def test_exhausted_schedule_marks_failing_and_keeps_the_event(engine: Engine) -> None:
    with webhook_receiver(lambda _: Answer(500)) as receiver:
        directory_id = setup_directory(engine, receiver.url, 2)
        run_worker(engine, SHORT, lambda: cursor(engine, directory_id).state == "failing")
    state = cursor(engine, directory_id)
    assert state.state == "failing"
    assert state.failures == 3
    assert state.last_acked_sequence == 0
    assert state.next_attempt_at - datetime.now(UTC) > timedelta(hours=23)  # retried daily
    assert state.last_error == "HTTP 500"
    with unit_of_work.write(engine) as connection:
        deliveries.resume_cursor(connection, directory_id, datetime.now(UTC))
    with webhook_receiver() as healthy:
        with unit_of_work.write(engine) as connection:
            directories.update_directory(connection, directory_id, {"webhook_url": healthy.url})
        run_worker(engine, SHORT, lambda: len(healthy.received) >= 2)
        assert [json.loads(r.body)["sequence"] for r in healthy.received] == [1, 2]
    assert cursor(engine, directory_id).state == "active"


def test_410_gone_disables_without_retrying(engine: Engine) -> None:
    calls: list[Received] = []

    def gone(item: Received) -> Answer:
        calls.append(item)
        return Answer(410)

    with webhook_receiver(gone) as receiver:
        directory_id = setup_directory(engine, receiver.url, 1)
        run_worker(engine, SHORT, lambda: cursor(engine, directory_id).state == "disabled")
    assert cursor(engine, directory_id).state == "disabled"
    assert len(calls) == 1


def test_a_timeout_counts_as_a_failure_and_waits_at_least_the_overload_minimum(
    engine: Engine,
) -> None:
    with webhook_receiver(lambda _: Answer(200, delay=1.0)) as receiver:
        directory_id = setup_directory(engine, receiver.url, 1)

        async def main() -> None:
            stop = asyncio.Event()
            config = WorkerConfig(
                allow_private=True,
                poll_interval=0.05,
                total_timeout=0.2,
                schedule=RetrySchedule(jitter=0),
            )
            task = asyncio.create_task(DeliveryWorker(engine, BOX, SystemClock(), config).run(stop))
            await asyncio.sleep(0.6)
            stop.set()
            await task

        asyncio.run(main())
    state = cursor(engine, directory_id)
    assert state.failures == 1
    assert state.last_error.startswith("timeout")
    assert state.next_attempt_at - datetime.now(UTC) > timedelta(seconds=55)


def test_secrets_are_encrypted_at_rest(engine: Engine) -> None:
    secret = ids.webhook_secret()
    with unit_of_work.write(engine) as connection:
        directories.insert_directory(
            connection,
            directory_id="directory_secret",
            name="S",
            tenant="s",
            provider="generic",
            scim_token_hash="h",
            webhook_url="https://example.com/hook",
            webhook_secret_ciphertext=BOX.encrypt(secret),
            attribute_map={},
            connection_ciphertext=None,
            now=NOW,
        )
        stored = directories.webhook_secret_ciphertext(connection, "directory_secret")
    assert stored is not None
    assert secret not in stored
    assert secret.removeprefix("whsec_") not in stored
    assert BOX.decrypt(stored) == secret
