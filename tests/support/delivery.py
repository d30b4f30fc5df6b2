"""In-process delivery workers against a real database and real receivers.

Builders for a directory with pending events (written through the same store calls as
the SCIM write path), a runner that drives :class:`DeliveryWorker` until a condition
holds, and readers of the cursor and the attempt log.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine, select

from scimbridge import ids
from scimbridge.clock import SystemClock
from scimbridge.directory.models import PendingEvent
from scimbridge.events.schedule import RetrySchedule
from scimbridge.events.worker import DeliveryWorker, WorkerConfig
from scimbridge.secrets_box import SecretBox
from scimbridge.store import deliveries, directories, unit_of_work
from scimbridge.store.resources import SqlDirectoryStore
from scimbridge.store.tables import webhook_cursors

BOX = SecretBox("test-secret-key")
NOW = datetime.now(UTC) - timedelta(seconds=1)


def setup_directory(
    engine: Engine, url: str, events: int, *, secret_ciphertext: str | None = None
) -> str:
    """A directory with a webhook to ``url``, its cursor, and ``events`` pending events."""
    directory_id = ids.directory_id()
    with unit_of_work.write(engine) as connection:
        directories.insert_directory(
            connection,
            directory_id=directory_id,
            name="W",
            tenant="w",
            provider="generic",
            scim_token_hash=ids.hash_token(ids.scim_token()),
            webhook_url=url,
            webhook_secret_ciphertext=secret_ciphertext or BOX.encrypt(ids.webhook_secret()),
            attribute_map={},
            connection_ciphertext=None,
            now=NOW,
        )
        deliveries.create_cursor(connection, directory_id, 0, NOW)
    append_events(engine, directory_id, events)
    return directory_id


def append_events(engine: Engine, directory_id: str, count: int) -> None:
    with unit_of_work.write(engine) as connection:
        store = SqlDirectoryStore(connection, datetime.now(UTC))
        directory = store.lock_directory(directory_id)
        assert directory is not None
        store.append_events(
            directory, [PendingEvent("user.created", {"n": i}) for i in range(count)]
        )


def worker_config(schedule: RetrySchedule, **overrides: Any) -> WorkerConfig:
    values: dict[str, Any] = {"allow_private": True, "poll_interval": 0.05, "schedule": schedule}
    values.update(overrides)
    return WorkerConfig(**values)


def run_worker(
    engine: Engine,
    schedule: RetrySchedule,
    until: Callable[[], bool],
    grace: float = 0.2,
    *,
    client: httpx.AsyncClient | None = None,
    **overrides: Any,
) -> None:
    """Run a worker until ``until()`` holds (20 s at most), then ``grace`` seconds more so
    a delivery that should not happen has the time to show up."""

    async def main() -> None:
        stop = asyncio.Event()
        config = worker_config(schedule, **overrides)
        worker = DeliveryWorker(engine, BOX, SystemClock(), config, client)
        task = asyncio.create_task(worker.run(stop))
        deadline = time.monotonic() + 20
        while not until() and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        await asyncio.sleep(grace)
        stop.set()
        await task

    asyncio.run(main())


def cursor(engine: Engine, directory_id: str) -> Any:
    with unit_of_work.read(engine) as connection:
        return connection.execute(
            select(webhook_cursors).where(webhook_cursors.c.directory_id == directory_id)
        ).one()


def attempts(engine: Engine, directory_id: str) -> list[Any]:
    """The directory's attempt log, oldest first."""
    with unit_of_work.read(engine) as connection:
        rows = deliveries.list_attempts(
            connection, directory_id, after=None, limit=1000, event_id=None
        )
    return list(reversed(rows))
