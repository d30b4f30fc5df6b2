"""The worker's housekeeping prunes the request log by retention, on both databases."""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine, func, select

from scimbridge.events.embedded import run_worker
from scimbridge.events.maintenance import prune_request_log
from scimbridge.services.request_recorder import RequestRecorder
from scimbridge.store import unit_of_work
from scimbridge.store.tables import request_log
from tests.services.test_request_recorder import captured
from tests.support.runtime import ManualClock, make_runtime, new_directory


def count_rows(engine: Engine) -> int:
    with unit_of_work.read(engine) as connection:
        return int(connection.execute(select(func.count()).select_from(request_log)).scalar_one())


def fill(engine: Engine, directory_id: str, clock: ManualClock, old: int, recent: int) -> None:
    recorder = RequestRecorder(engine)
    for _ in range(old):
        recorder.submit(captured(directory_id, received_at=clock.now()))
    clock.advance(days=3)
    for _ in range(recent):
        recorder.submit(captured(directory_id, received_at=clock.now()))
    recorder.flush()


def test_prune_deletes_rows_past_retention_in_batches(engine: Engine) -> None:
    clock = ManualClock()
    runtime = make_runtime(engine, clock, request_log_days=2)
    directory = new_directory(runtime)
    fill(engine, directory["id"], clock, old=7, recent=2)
    assert prune_request_log(runtime, batch=3) == 7
    assert count_rows(engine) == 2


def test_the_worker_runs_the_prune(engine: Engine) -> None:
    clock = ManualClock()
    runtime = make_runtime(engine, clock, request_log_days=2)
    directory = new_directory(runtime)
    fill(engine, directory["id"], clock, old=4, recent=1)

    async def scenario() -> None:
        stop = asyncio.Event()
        worker = asyncio.create_task(run_worker(runtime, stop))
        for _ in range(3000):  # bounded: at most ~30 s
            if await asyncio.to_thread(count_rows, engine) == 1:
                break
            await asyncio.sleep(0.01)
        stop.set()
        await asyncio.wait_for(worker, timeout=30)

    asyncio.run(scenario())
    assert count_rows(engine) == 1
