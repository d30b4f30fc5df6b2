"""The sync engine on SQLite and PostgreSQL: a fake source in, the write path's events out."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, update

from scimbridge.connectors.base import SourceError, SourceUser
from scimbridge.errors import Conflict
from scimbridge.runtime import Runtime
from scimbridge.services import directories as directory_service
from scimbridge.services import sync_approval, syncs
from scimbridge.services.audit import cli_actor
from scimbridge.store import sync_runs as sync_store
from scimbridge.store import unit_of_work
from scimbridge.store.tables import sync_schedules
from tests.connectors.fakes import (
    FakeSource,
    make_pull_directory,
    make_runtime,
    person,
    stored_events,
    team,
)


@pytest.fixture
def runtime(engine: Engine, database_url: str) -> Runtime:
    return make_runtime(engine, database_url)


def sync(runtime: Runtime, directory_id: str, source: FakeSource, **options: Any) -> dict[str, Any]:
    return syncs.sync_directory(
        runtime, directory_id, trigger="manual", owner="test", source=source, **options
    )


def types(runtime: Runtime, directory_id: str, since: int = 0) -> list[str]:
    return [e["type"] for e in stored_events(runtime.engine, directory_id)[since:]]


def company(size: int = 3) -> FakeSource:
    return FakeSource(
        people=[person(n) for n in range(size)],
        teams=[team(1), team(2)],
        membership={"grp-001": ["src-00000", "src-00001"], "grp-002": ["src-00002", "nobody"]},
    )


class TestFirstAndSecondRun:
    def test_first_run_creates_users_groups_and_memberships(self, runtime: Runtime) -> None:
        directory_id = make_pull_directory(runtime)
        source = company()
        run = sync(runtime, directory_id, source)
        assert run["outcome"] == "succeeded"
        assert run["counts"]["seen_users"] == 3
        assert run["counts"]["created"] == 3
        assert run["counts"]["groups_created"] == 2
        assert run["counts"]["memberships_added"] == 3  # "nobody" is not a user: ignored
        assert run["counts"]["events"] == 8
        assert run["counts"]["pages_fetched"] == source.pages > 0
        assert source.closed
        assert types(runtime, directory_id) == ["user.created"] * 3 + [
            "group.created",
            "group.created",
            "group.user_added",
            "group.user_added",
            "group.user_added",
        ]
        body = directory_service.get_directory(runtime, directory_id)
        assert body["state"] == "active"
        assert body["last_sync_at"] is not None
        assert body["user_count"] == 3

    def test_a_second_identical_run_emits_nothing(self, runtime: Runtime) -> None:
        directory_id = make_pull_directory(runtime)
        sync(runtime, directory_id, company())
        before = len(types(runtime, directory_id))
        run = sync(runtime, directory_id, company())
        assert run["outcome"] == "succeeded"
        changes = {
            k: v
            for k, v in run["counts"].items()
            if k not in ("seen_users", "seen_groups", "pages_fetched")
        }
        assert set(changes.values()) == {0}
        assert len(types(runtime, directory_id)) == before


class TestChanges:
    def test_update_deactivate_reactivate_and_membership_changes(self, runtime: Runtime) -> None:
        directory_id = make_pull_directory(runtime)
        sync(runtime, directory_id, company(4))
        start = len(types(runtime, directory_id))
        source = company(4)
        source.people[0] = person(0, displayName="Renamed")
        source.people[1] = person(1, active=False)
        source.membership["grp-001"] = ["src-00000", "src-00003"]
        run = sync(runtime, directory_id, source)
        assert run["counts"]["updated"] == 1
        assert run["counts"]["deactivated"] == 1
        assert run["counts"]["memberships_added"] == 1
        assert run["counts"]["memberships_removed"] == 1
        assert types(runtime, directory_id, start) == [
            "user.updated",
            "user.deactivated",
            "group.user_added",
            "group.user_removed",
        ]
        source.people[1] = person(1)
        run = sync(runtime, directory_id, source)
        assert run["counts"]["reactivated"] == 1
        assert types(runtime, directory_id, start + 4) == ["user.reactivated"]

    @pytest.mark.parametrize(
        ("policy", "event", "count"),
        [("deactivate", "user.deactivated", "deactivated"), ("delete", "user.deleted", "deleted")],
    )
    def test_a_user_gone_from_the_source_follows_the_policy(
        self, runtime: Runtime, policy: str, event: str, count: str
    ) -> None:
        directory_id = make_pull_directory(runtime, deprovision_policy=policy)
        sync(runtime, directory_id, company(4))
        start = len(types(runtime, directory_id))
        source = company(4)
        del source.people[3]
        source.teams = [team(1)]
        run = sync(runtime, directory_id, source)
        assert run["counts"][count] == 1
        assert run["counts"]["groups_deleted"] == 1
        assert types(runtime, directory_id, start) == ["group.deleted", event]
        again = sync(runtime, directory_id, source)
        assert again["counts"]["events"] == 0

    def test_a_row_the_write_path_refuses_is_counted_and_the_rest_applied(
        self, runtime: Runtime
    ) -> None:
        directory_id = make_pull_directory(runtime)
        source = company(3)
        source.people[2] = person(2, userName="user0@example.com")  # taken by src-00000
        run = sync(runtime, directory_id, source)
        assert run["outcome"] == "succeeded"
        assert run["counts"]["created"] == 2
        assert run["counts"]["rejected"] == 1
        assert run["error"]["kind"] == "rejected"
        assert "src-00002" in run["error"]["message"]


class TestFailures:
    def test_a_fetch_that_fails_mid_stream_applies_nothing(self, runtime: Runtime) -> None:
        directory_id = make_pull_directory(runtime)
        source = company(5)
        source.fail_after = 3
        run = sync(runtime, directory_id, source)
        assert run["outcome"] == "failed"
        assert run["error"] == {"kind": "unreachable", "message": "the source went away"}
        assert types(runtime, directory_id) == []
        body = directory_service.get_directory(runtime, directory_id)
        assert body["state"] == "error"
        assert body["user_count"] == 0
        assert source.closed
        good = sync(runtime, directory_id, company(5))
        assert good["outcome"] == "succeeded"
        assert directory_service.get_directory(runtime, directory_id)["state"] == "active"

    def test_a_duplicate_source_id_fails_the_run_as_invalid_data(self, runtime: Runtime) -> None:
        directory_id = make_pull_directory(runtime)
        source = company(2)
        source.people.append(person(0))
        run = sync(runtime, directory_id, source)
        assert run["outcome"] == "failed"
        assert run["error"]["kind"] == "invalid_data"
        assert types(runtime, directory_id) == []

    def test_one_run_at_a_time_per_directory(self, runtime: Runtime) -> None:
        directory_id = make_pull_directory(runtime)
        token = syncs.acquire(runtime, directory_id, "other-worker")
        with pytest.raises(Conflict):
            sync(runtime, directory_id, company())
        syncs.release(
            runtime, directory_id, token, 1800, failures=0, claimed_at=runtime.clock.now()
        )
        assert sync(runtime, directory_id, company())["outcome"] == "succeeded"


class TestGuard:
    def test_a_mass_deactivation_is_held_until_approved(self, runtime: Runtime) -> None:
        directory_id = make_pull_directory(runtime)
        sync(runtime, directory_id, company(20))
        start = len(types(runtime, directory_id))
        run = sync(runtime, directory_id, company(8))
        assert run["outcome"] == "held"
        assert run["counts"]["deactivated"] == 12
        assert run["directory_users"] == 20
        assert "12 of 20" in run["error"]["message"]
        assert types(runtime, directory_id, start) == []
        assert directory_service.get_directory(runtime, directory_id)["state"] == "held"
        approved = sync_approval.approve(runtime, directory_id, run["id"], cli_actor())
        assert approved["outcome"] == "approved"
        assert approved["counts"]["deactivated"] == 12
        assert types(runtime, directory_id, start) == ["user.deactivated"] * 12
        assert directory_service.get_directory(runtime, directory_id)["state"] == "active"
        with pytest.raises(Conflict):
            sync_approval.approve(runtime, directory_id, run["id"], cli_actor())

    def test_below_the_minimum_count_is_applied(self, runtime: Runtime) -> None:
        directory_id = make_pull_directory(runtime)
        sync(runtime, directory_id, company(20))
        run = sync(runtime, directory_id, company(11))  # 9 users: under 10
        assert run["outcome"] == "succeeded"
        assert run["counts"]["deactivated"] == 9

    def test_an_empty_answer_is_always_held(self, runtime: Runtime) -> None:
        directory_id = make_pull_directory(runtime)
        sync(runtime, directory_id, company(2))
        plan = sync(runtime, directory_id, FakeSource(), dry_run=True)
        assert "no users" in plan["would_be_held"]
        run = sync(runtime, directory_id, FakeSource())
        assert run["outcome"] == "held"
        assert "no users" in run["error"]["message"]

    def test_approval_is_refused_when_the_directory_changed_since(self, runtime: Runtime) -> None:
        directory_id = make_pull_directory(runtime)
        sync(runtime, directory_id, company(20))
        held = sync(runtime, directory_id, company(8))
        changed = company(20)
        changed.people[0] = person(0, displayName="Changed")
        # The next run re-checks: still held, and it supersedes the earlier held run.
        again = sync(runtime, directory_id, company(8))
        assert again["outcome"] == "held"
        with pytest.raises(Conflict):
            sync_approval.approve(runtime, directory_id, held["id"], cli_actor())
        assert syncs.get_run(runtime, directory_id, held["id"])["outcome"] == "superseded"

    def test_a_dry_run_counts_without_writing(self, runtime: Runtime) -> None:
        directory_id = make_pull_directory(runtime)
        sync(runtime, directory_id, company(4))
        source = company(5)
        source.people[0] = person(0, displayName="Renamed")
        plan = sync(runtime, directory_id, source, dry_run=True)
        assert plan["dry_run"] is True
        assert plan["would_be_held"] is None
        assert plan["counts"]["created"] == 1
        assert plan["counts"]["updated"] == 1
        assert {c["change"] for c in plan["changes"]} == {"created", "updated"}
        assert len(types(runtime, directory_id)) == 4 + 2 + 3


def test_source_errors_are_failures_not_exceptions(runtime: Runtime) -> None:
    directory_id = make_pull_directory(runtime)
    source = company(1)
    source.fail_after = 0
    source.failure = SourceError("rate_limited", "slow down", retry_after=120)
    run = sync(runtime, directory_id, source)
    assert run["error"]["kind"] == "rate_limited"


def test_a_run_whose_lease_was_taken_over_stops_writing(runtime: Runtime) -> None:
    """Fencing: the lease expired and another worker took the directory; the first run's
    next page finds its token gone and stops without applying it."""
    directory_id = make_pull_directory(runtime)

    class TakenOver(FakeSource):
        def users(self) -> Iterator[SourceUser]:
            yield from super().users()
            with unit_of_work.write(runtime.engine) as connection:
                connection.execute(
                    update(sync_schedules)
                    .where(sync_schedules.c.directory_id == directory_id)
                    .values(lease_token="someone-else")
                )

    run = sync(runtime, directory_id, TakenOver(people=[person(1)]))
    assert run["outcome"] == "failed"
    assert run["error"]["kind"] == "superseded"
    assert types(runtime, directory_id) == []
    assert directory_service.get_directory(runtime, directory_id)["state"] == "active"


def test_a_run_left_running_by_a_dead_process_is_marked_interrupted(runtime: Runtime) -> None:
    directory_id = make_pull_directory(runtime)
    with unit_of_work.write(runtime.engine) as connection:
        sync_store.insert_run(
            connection,
            run_id="sync_dead",
            directory_id=directory_id,
            trigger="scheduled",
            mode="snapshot",
            now=runtime.clock.now(),
        )
    sync(runtime, directory_id, company())
    dead = syncs.get_run(runtime, directory_id, "sync_dead")
    assert dead["outcome"] == "failed"
    assert dead["error"]["kind"] == "interrupted"
