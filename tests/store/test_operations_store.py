"""request_log, audit_log and setup_links rows, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from scimbridge import ids
from scimbridge.services import directories as directory_service
from scimbridge.services.audit import list_audit_log
from scimbridge.store import request_log, unit_of_work
from scimbridge.store.tables import audit_log, setup_links
from scimbridge.store.tables import request_log as request_log_table
from tests.support.runtime import TEST_ACTOR, ManualClock, make_runtime, new_directory


def log_row(directory_id: str, clock: ManualClock, **overrides: Any) -> dict[str, Any]:
    status = overrides.get("status", 200)
    return {
        "id": ids.new_id("request"),
        "directory_id": directory_id,
        "received_at": clock.now(),
        "method": "GET",
        "path": f"/scim/v2/{directory_id}/Users",
        "query": None,
        "status": status,
        "failed": status >= 400,
        "duration_us": 1500,
        "scim_type": None,
        "error_detail": None,
        "user_agent": None,
        "idp": None,
        "resource_id": None,
        "request_body": None,
        "request_bytes": 0,
        "request_truncated": False,
        "response_body": None,
        "response_bytes": 0,
        "response_truncated": False,
        **overrides,
    }


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def directory_id(engine: Engine, clock: ManualClock) -> str:
    return str(new_directory(make_runtime(engine, clock))["id"])


def insert(engine: Engine, rows: list[dict[str, Any]]) -> None:
    with unit_of_work.write(engine) as connection:
        request_log.insert_rows(connection, rows)


class TestRequestLogPages:
    def test_newest_first_with_cursor_and_filters(
        self, engine: Engine, clock: ManualClock, directory_id: str
    ) -> None:
        rows = []
        for status in (200, 201, 409, 200, 400, 401):
            rows.append(log_row(directory_id, clock, status=status))
            clock.advance(milliseconds=5)
        # ULID ids are time-ordered only across milliseconds; force a strict order.
        for index, row in enumerate(rows):
            row["id"] = f"request_{index:026d}"
        insert(engine, rows)
        with unit_of_work.read(engine) as connection:
            first = request_log.list_requests(connection, directory_id, after=None, limit=4)
            rest = request_log.list_requests(connection, directory_id, after=first[-1].id, limit=4)
            errors = request_log.list_requests(
                connection, directory_id, after=None, limit=10, errors_only=True
            )
            conflicts = request_log.list_requests(
                connection, directory_id, after=None, limit=10, status=409
            )
        assert [r.status for r in first] == [401, 400, 200, 409]
        assert [r.status for r in rest] == [201, 200]
        assert [r.status for r in errors] == [401, 400, 409]
        assert [r.status for r in conflicts] == [409]
        assert not hasattr(first[0], "request_body")  # pages carry no bodies

    def test_failed_must_match_status(self, engine: Engine, clock: ManualClock, directory_id: str):
        with pytest.raises(IntegrityError):
            insert(engine, [log_row(directory_id, clock, status=500, failed=False)])

    def test_rows_go_with_their_directory(
        self, engine: Engine, clock: ManualClock, directory_id: str
    ) -> None:
        insert(engine, [log_row(directory_id, clock)])
        directory_service.delete_directory(
            make_runtime(engine, clock), directory_id, actor=TEST_ACTOR
        )
        with unit_of_work.read(engine) as connection:
            count = connection.execute(
                select(func.count()).select_from(request_log_table)
            ).scalar_one()
        assert count == 0


class TestPrune:
    def test_deletes_only_old_rows_in_bounded_batches(
        self, engine: Engine, clock: ManualClock, directory_id: str
    ) -> None:
        old = [log_row(directory_id, clock) for _ in range(5)]
        clock.advance(days=20)
        recent = [log_row(directory_id, clock) for _ in range(2)]
        insert(engine, old + recent)
        cutoff = clock.now() - timedelta(days=14)
        with unit_of_work.write(engine) as connection:
            assert request_log.prune(connection, before=cutoff, batch=3) == 3
        with unit_of_work.write(engine) as connection:
            assert request_log.prune(connection, before=cutoff, batch=3) == 2
        with unit_of_work.write(engine) as connection:
            assert request_log.prune(connection, before=cutoff, batch=3) == 0
        with unit_of_work.read(engine) as connection:
            left = request_log.list_requests(connection, directory_id, after=None, limit=10)
        assert {r.id for r in left} == {r["id"] for r in recent}


class TestAuditLog:
    def test_rows_outlive_their_directory(
        self, engine: Engine, clock: ManualClock, directory_id: str
    ) -> None:
        runtime = make_runtime(engine, clock)
        directory_service.delete_directory(runtime, directory_id, actor=TEST_ACTOR)
        data, cursor = list_audit_log(runtime, after=None, limit=10, directory_id=directory_id)
        assert [entry["action"] for entry in data] == ["directory.deleted", "directory.created"]
        assert cursor is None

    def test_unknown_actor_kind_is_refused(self, engine: Engine, directory_id: str) -> None:
        with pytest.raises(IntegrityError), unit_of_work.write(engine) as connection:
            connection.execute(
                audit_log.insert().values(
                    id="audit_x",
                    occurred_at=ManualClock().now(),
                    actor_kind="nobody",
                    actor_id="x",
                    action="directory.updated",
                    details={},
                )
            )


def test_setup_link_must_expire_after_creation(
    engine: Engine, clock: ManualClock, directory_id: str
) -> None:
    with pytest.raises(IntegrityError), unit_of_work.write(engine) as connection:
        connection.execute(
            setup_links.insert().values(
                id="setuplink_x",
                directory_id=directory_id,
                token_hash="0" * 64,
                created_at=clock.now(),
                expires_at=clock.now(),
                created_by="cli:x",
            )
        )
