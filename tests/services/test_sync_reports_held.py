"""A held run's report on both databases: the guard's numbers and the users who would
lose access, read from the staged snapshot; the report once approved; the run list."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from scimbridge.runtime import Runtime
from scimbridge.services import sync_approval, sync_reports, syncs
from scimbridge.services.audit import cli_actor
from tests.connectors.fakes import FakeSource, make_pull_directory, make_runtime, person


@pytest.fixture
def runtime(engine: Engine, database_url: str) -> Runtime:
    return make_runtime(engine, database_url)


def sync(runtime: Runtime, directory_id: str, source: FakeSource) -> dict[str, Any]:
    return syncs.sync_directory(
        runtime, directory_id, trigger="manual", owner="test", source=source
    )


def people(count: int, *, inactive: tuple[int, ...] = ()) -> FakeSource:
    return FakeSource(people=[person(n, active=n not in inactive) for n in range(count)])


def test_a_held_report_has_the_numbers_and_who_would_lose_access(runtime: Runtime) -> None:
    directory_id = make_pull_directory(runtime)
    sync(runtime, directory_id, people(40))
    # 40 → 10 listed, 2 of them now inactive: 30 gone + 2 deactivated = 32 of 40.
    held = sync(runtime, directory_id, people(10, inactive=(3, 7)))
    assert held["outcome"] == "held"

    report = sync_reports.run_report(runtime, directory_id, held["id"])
    numbers = report["held"]
    assert numbers["removals"] == 32
    assert numbers["directory_users"] == 40
    assert (numbers["guard_percent"], numbers["guard_min_users"]) == (10, 10)
    assert numbers["policy"] == "deactivate"
    assert numbers["changed_since"] is False
    sample = numbers["sample"]
    assert len(sample) == sync_reports.SAMPLE_SIZE
    names = [u["user_name"] for u in sample]
    assert names == sorted(names)
    assert all(u["gone"] for u in sample)  # 30 gone users fill the first 20
    assert sample[0]["name"] == "Given10 Family10"
    assert report["summary"] == "would deactivate 32"
    assert report["explanation"] == sync_reports.ERROR_EXPLANATIONS["held"]


def test_users_the_source_marks_inactive_are_in_the_sample(runtime: Runtime) -> None:
    directory_id = make_pull_directory(runtime)
    sync(runtime, directory_id, people(12))
    held = sync(runtime, directory_id, people(2, inactive=(0, 1)))  # 10 gone + 2 inactive
    sample = sync_reports.run_report(runtime, directory_id, held["id"])["held"]["sample"]
    assert len(sample) == 12
    assert [u["user_name"] for u in sample if not u["gone"]] == [
        "user0@example.com",
        "user1@example.com",
    ]


def test_once_approved_the_report_has_no_hold_left(runtime: Runtime) -> None:
    directory_id = make_pull_directory(runtime)
    sync(runtime, directory_id, people(20))
    held = sync(runtime, directory_id, people(5))
    sync_approval.approve(runtime, directory_id, held["id"], cli_actor())
    report = sync_reports.run_report(runtime, directory_id, held["id"])
    assert report["outcome"] == "approved"
    assert report["held"] is None
    assert report["error"] is None
    assert report["explanation"] is None
    assert report["summary"] == "15 deactivated"

    runs, cursor = sync_reports.runs_page(runtime, directory_id, after=None, limit=1)
    assert [r["id"] for r in runs] == [held["id"]]
    assert cursor == held["id"]
    older, cursor = sync_reports.runs_page(runtime, directory_id, after=cursor, limit=1)
    assert older[0]["summary"] == "20 created"
    assert cursor is None
