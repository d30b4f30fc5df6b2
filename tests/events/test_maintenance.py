"""The worker's housekeeping: each table's prune, and the loop, on both databases."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from sqlalchemy import Engine, Table, func, select, text

from scimbridge.events.embedded import run_worker
from scimbridge.events.maintenance import (
    PRUNERS,
    prune_admin_sessions,
    prune_audit_log,
    prune_request_log,
    prune_setup_links,
    prune_sync_staged,
    run_once,
)
from scimbridge.services import setup_links
from scimbridge.services.audit import record
from scimbridge.services.request_recorder import RequestRecorder
from scimbridge.store import unit_of_work
from scimbridge.store.tables import admin_sessions, audit_log, request_log, sync_staged
from scimbridge.store.tables import setup_links as setup_links_table
from tests.services.test_request_recorder import captured
from tests.support.rows import insert_session, insert_sync_run
from tests.support.runtime import TEST_ACTOR, ManualClock, make_runtime, new_directory


def count_rows(engine: Engine, table: Table = request_log) -> int:
    with unit_of_work.read(engine) as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def audited(engine: Engine, clock: ManualClock, count: int) -> None:
    with unit_of_work.write(engine) as connection:
        for _ in range(count):
            record(connection, clock.now(), TEST_ACTOR, "event.replayed")


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


class TestAuditLog:
    def test_prunes_rows_past_retention_in_batches(self, engine: Engine) -> None:
        clock = ManualClock()
        runtime = make_runtime(engine, clock, audit_log_days=30)
        audited(engine, clock, 5)
        clock.advance(days=29)
        audited(engine, clock, 2)
        clock.advance(days=2)  # the first five are 31 days old, the last two 2
        assert prune_audit_log(runtime, batch=2) == 5
        assert count_rows(engine, audit_log) == 2

    def test_zero_keeps_every_row(self, engine: Engine) -> None:
        clock = ManualClock()
        runtime = make_runtime(engine, clock, audit_log_days=0)
        audited(engine, clock, 3)
        clock.advance(days=10_000)
        assert prune_audit_log(runtime) == 0
        assert count_rows(engine, audit_log) == 3

    def test_default_is_a_year(self, engine: Engine) -> None:
        clock = ManualClock()
        runtime = make_runtime(engine, clock)
        audited(engine, clock, 1)
        clock.advance(days=364)
        assert prune_audit_log(runtime) == 0
        clock.advance(days=2)
        assert prune_audit_log(runtime) == 1


class TestAdminSessions:
    def test_prunes_sessions_expired_more_than_a_day_ago(self, engine: Engine) -> None:
        clock = ManualClock()
        runtime = make_runtime(engine, clock)
        now = clock.now()
        for index in range(3):
            insert_session(engine, f"old{index}", expires_at=now - timedelta(days=2))
        insert_session(engine, "recent", expires_at=now - timedelta(hours=1))
        insert_session(engine, "live", expires_at=now + timedelta(hours=1))
        assert prune_admin_sessions(runtime, batch=2) == 3
        with unit_of_work.read(engine) as connection:
            left = set(connection.execute(select(admin_sessions.c.id_hash)).scalars())
        assert left == {"recent", "live"}


class TestSetupLinks:
    def test_prunes_links_ended_more_than_30_days_ago(self, engine: Engine) -> None:
        clock = ManualClock()
        runtime = make_runtime(engine, clock)
        directory = new_directory(runtime)["id"]

        def link(days: int) -> str:
            made = setup_links.create_setup_link(runtime, directory, days=days, actor=TEST_ACTOR)
            return str(made["id"])

        expired_long_ago, revoked_long_ago, expired_lately = link(1), link(30), link(30)
        setup_links.revoke_setup_link(runtime, directory, revoked_long_ago, actor=TEST_ACTOR)
        clock.advance(days=31, hours=1)
        active = link(7)
        revoked_lately = link(7)
        setup_links.revoke_setup_link(runtime, directory, revoked_lately, actor=TEST_ACTOR)
        assert prune_setup_links(runtime, batch=1) == 2
        with unit_of_work.read(engine) as connection:
            left = set(connection.execute(select(setup_links_table.c.id)).scalars())
        assert left == {expired_lately, active, revoked_lately}
        assert expired_long_ago not in left


class TestSyncStaged:
    def test_prunes_only_rows_of_finished_runs_not_held(self, engine: Engine) -> None:
        runtime = make_runtime(engine)
        directory = new_directory(runtime, provider="csv")["id"]
        insert_sync_run(engine, directory, "sync_running", "running", staged=2)
        insert_sync_run(engine, directory, "sync_held", "held", staged=2)
        insert_sync_run(engine, directory, "sync_interrupted", "failed", staged=3)
        insert_sync_run(engine, directory, "sync_superseded", "superseded", staged=2)
        assert prune_sync_staged(runtime, batch=2) == 5
        with unit_of_work.read(engine) as connection:
            left = set(connection.execute(select(sync_staged.c.run_id)).scalars())
        assert left == {"sync_running", "sync_held"}


class TestLoop:
    def test_every_table_has_a_pruner(self) -> None:
        assert [pruner.__name__ for pruner in PRUNERS] == [
            "prune_request_log",
            "prune_audit_log",
            "prune_admin_sessions",
            "prune_setup_links",
            "prune_sync_staged",
        ]

    def test_a_failing_pruner_is_logged_and_the_others_run(
        self, engine: Engine, caplog: pytest.LogCaptureFixture
    ) -> None:
        clock = ManualClock()
        runtime = make_runtime(engine, clock, request_log_days=2, audit_log_days=1)
        directory = new_directory(runtime)
        fill(engine, directory["id"], clock, old=2, recent=1)  # moves the clock 3 days
        with engine.begin() as connection:  # a real failure: the table is gone
            connection.execute(text("DROP TABLE admin_sessions"))
        with caplog.at_level(logging.WARNING, logger="scimbridge.maintenance"):
            deleted = run_once(runtime)
        assert deleted["prune_admin_sessions"] is None
        assert deleted["prune_request_log"] == 2
        assert deleted["prune_audit_log"] == 1  # directory.created, 3 days old
        assert deleted["prune_setup_links"] == 0
        assert deleted["prune_sync_staged"] == 0
        assert "prune_admin_sessions failed" in caplog.text
