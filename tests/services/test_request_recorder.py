"""The request log's batched writer against a real database, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import Engine, select

from scimbridge.observability.redact import REDACTED
from scimbridge.services.request_recorder import (
    CapturedRequest,
    RequestLogMetrics,
    RequestRecorder,
    build_row,
)
from scimbridge.store import unit_of_work
from scimbridge.store.tables import request_log
from tests.support.runtime import ManualClock, make_runtime, new_directory


def captured(directory_id: str, **overrides: Any) -> CapturedRequest:
    body = orjson.dumps({"userName": "jane@acme.com", "password": "hunter2"})
    values: dict[str, Any] = {
        "directory_id": directory_id,
        "received_at": ManualClock().now(),
        "method": "POST",
        "path": f"/scim/v2/{directory_id}/Users",
        "query": "",
        "user_agent": "Okta SCIM Client 1.0.0",
        "resource_id": None,
        "status": 201,
        "duration_us": 2500,
        "request_body": body,
        "request_size": len(body),
        "response_body": b'{"id": "user_1", "userName": "jane@acme.com"}',
        "response_size": 45,
        **overrides,
    }
    return CapturedRequest(**values)


def stored_rows(engine: Engine) -> list[Any]:
    with unit_of_work.read(engine) as connection:
        return list(connection.execute(select(request_log).order_by(request_log.c.id)))


@pytest.fixture
def directory_id(engine: Engine) -> str:
    return str(new_directory(make_runtime(engine))["id"])


class TestBuildRow:
    def test_redacts_and_reads_the_created_id_and_idp(self) -> None:
        row = build_row(captured("directory_x"))
        assert row["resource_id"] == "user_1"
        assert row["idp"] == "okta"
        assert orjson.loads(row["request_body"])["password"] == REDACTED
        assert row["failed"] is False

    def test_reads_the_scim_error(self) -> None:
        error = orjson.dumps(
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": "409",
                "scimType": "uniqueness",
                "detail": "userName jane@acme.com is taken",
            }
        )
        row = build_row(captured("d", status=409, response_body=error, response_size=len(error)))
        assert (row["scim_type"], row["error_detail"]) == (
            "uniqueness",
            "userName jane@acme.com is taken",
        )
        assert row["resource_id"] is None

    def test_a_body_captured_in_part_keeps_its_size_only(self) -> None:
        row = build_row(captured("d", request_body=b'{"a', request_size=5_000_000))
        assert (row["request_body"], row["request_bytes"], row["request_truncated"]) == (
            None,
            5_000_000,
            True,
        )


class TestRecorder:
    def test_run_flushes_everything_on_a_clean_stop(
        self, engine: Engine, directory_id: str
    ) -> None:
        # An interval far beyond the test: only the stop can have written the rows.
        recorder = RequestRecorder(engine, interval=3600)

        async def scenario() -> None:
            stop = asyncio.Event()
            task = asyncio.create_task(recorder.run(stop))
            await asyncio.sleep(0)
            for _ in range(25):
                recorder.submit(captured(directory_id))
            stop.set()
            await asyncio.wait_for(task, timeout=30)

        asyncio.run(scenario())
        rows = stored_rows(engine)
        assert len(rows) == 25
        assert recorder.pending == 0
        assert all("hunter2" not in (row.request_body or "") for row in rows)

    def test_a_full_batch_is_written_without_waiting_for_the_interval(
        self, engine: Engine, directory_id: str
    ) -> None:
        recorder = RequestRecorder(engine, interval=3600, batch_rows=3)

        async def scenario() -> int:
            stop = asyncio.Event()
            task = asyncio.create_task(recorder.run(stop))
            await asyncio.sleep(0)
            for _ in range(3):
                recorder.submit(captured(directory_id))
            written = 0
            for _ in range(3000):  # bounded: at most ~30 s
                written = len(await asyncio.to_thread(stored_rows, engine))
                if written == 3:
                    break
                await asyncio.sleep(0.01)
            stop.set()
            await asyncio.wait_for(task, timeout=30)
            return written

        assert asyncio.run(scenario()) == 3

    def test_full_queue_drops_and_counts_instead_of_blocking(
        self, engine: Engine, directory_id: str
    ) -> None:
        recorder = RequestRecorder(engine, RequestLogMetrics(CollectorRegistry()), max_rows=2)
        accepted = [recorder.submit(captured(directory_id)) for _ in range(5)]
        assert accepted == [True, True, False, False, False]
        assert recorder.dropped_total == 3
        assert recorder.metrics.dropped._value.get() == 3
        assert recorder.flush() == 2

    def test_byte_bound(self, engine: Engine, directory_id: str) -> None:
        recorder = RequestRecorder(engine, max_bytes=150)
        assert recorder.submit(captured(directory_id))
        assert not recorder.submit(captured(directory_id))

    def test_a_flush_writes_in_chunks(
        self, engine: Engine, directory_id: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from scimbridge.services import request_recorder

        monkeypatch.setattr(request_recorder, "CHUNK_ROWS", 2)
        recorder = RequestRecorder(engine)
        for _ in range(5):
            recorder.submit(captured(directory_id))
        recorder.submit(captured("directory_gone"))
        assert recorder.flush() == 5
        assert len(stored_rows(engine)) == 5

    def test_rows_of_unknown_directories_are_not_written(
        self, engine: Engine, directory_id: str
    ) -> None:
        recorder = RequestRecorder(engine)
        recorder.submit(captured(directory_id))
        recorder.submit(captured("directory_does_not_exist", status=401))
        assert recorder.flush() == 1
        assert [row.directory_id for row in stored_rows(engine)] == [directory_id]
