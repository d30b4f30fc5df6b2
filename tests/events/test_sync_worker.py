"""The sync scheduler on SQLite and PostgreSQL: due directories, the lease, manual requests,
backoff after a failure. A registered test connector stands in for google/ldap (their own
tests use a fake Google API and a real slapd)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, update

from scimbridge.connectors import registry
from scimbridge.connectors.base import Source, SourceError
from scimbridge.errors import InvalidRequest, TooManyRequests
from scimbridge.events.sync_worker import SyncWorker, schedulable_providers
from scimbridge.runtime import Runtime
from scimbridge.services import directories as directory_service
from scimbridge.services import sync_requests
from scimbridge.services.sync_runs import backoff, list_runs
from scimbridge.store import sync_runs as sync_store
from scimbridge.store import unit_of_work
from scimbridge.store.tables import sync_schedules
from tests.connectors.fakes import FakeSource, make_pull_directory, make_runtime, person
from tests.support.runtime import TEST_ACTOR

SOURCES: dict[str, FakeSource] = {}


def _open(connection: Mapping[str, Any]) -> Source:
    return SOURCES[str(connection["name"])]


def _validate(connection: Mapping[str, Any]) -> dict[str, Any]:
    return dict(connection)


TEST_CONNECTOR = registry.PullConnector(
    provider="ldap",
    validate_connection=_validate,
    open_source=_open,
    secret_fields=frozenset({"password"}),
)


@pytest.fixture
def runtime(
    engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Runtime]:
    real = registry.connector_for
    monkeypatch.setattr(
        registry, "connector_for", lambda p: TEST_CONNECTOR if p == "ldap" else real(p)
    )
    monkeypatch.setattr(registry, "_MODULES", {**registry._MODULES, "ldap": "test"})
    yield make_runtime(engine, database_url, sync_cooldown_seconds=60)
    SOURCES.clear()


def ldap_directory(runtime: Runtime, name: str, source: FakeSource) -> str:
    SOURCES[name] = source
    return make_pull_directory(
        runtime, provider="ldap", connection={"name": name, "password": "pw"}
    )


def make_due(runtime: Runtime, directory_id: str) -> None:
    with unit_of_work.write(runtime.engine) as connection:
        connection.execute(
            update(sync_schedules)
            .where(sync_schedules.c.directory_id == directory_id)
            .values(next_sync_at=runtime.clock.now() - timedelta(days=1))
        )


def runs(runtime: Runtime, directory_id: str) -> list[dict[str, Any]]:
    return list_runs(runtime, directory_id, after=None, limit=100)[0]


def test_a_new_pull_directory_is_due_and_synced_once(runtime: Runtime) -> None:
    assert "ldap" in schedulable_providers()
    assert "csv" not in schedulable_providers()  # csv takes imports only
    directory_id = ldap_directory(runtime, "a", FakeSource(people=[person(1), person(2)]))
    worker = SyncWorker(runtime, owner="w1")
    assert worker.run_once() == directory_id
    assert worker.run_once() is None  # next due after the interval
    (run,) = runs(runtime, directory_id)
    assert run["trigger"] == "scheduled"
    assert run["outcome"] == "succeeded"
    assert run["counts"]["created"] == 2


@dataclass
class Gated(FakeSource):
    """Stops in its first page until the test opens the gate: a run holding the lease."""

    gate: threading.Event = field(default_factory=threading.Event)
    entered: threading.Event = field(default_factory=threading.Event)

    def users(self) -> Iterator[Any]:
        self.entered.set()
        assert self.gate.wait(timeout=30)
        yield from super().users()


@contextmanager
def running(worker: SyncWorker, source: Gated) -> Iterator[None]:
    """``worker`` syncs in a thread; the body runs while that run holds the lease."""
    thread = threading.Thread(target=worker.run_once)
    thread.start()
    try:
        assert source.entered.wait(timeout=30)
        yield
    finally:
        source.gate.set()
        thread.join(timeout=30)


def test_two_workers_never_sync_one_directory_at_once(runtime: Runtime) -> None:
    source = Gated(people=[person(1)])
    directory_id = ldap_directory(runtime, "slow", source)
    with running(SyncWorker(runtime, owner="w1"), source):
        make_due(runtime, directory_id)
        assert SyncWorker(runtime, owner="w2").run_once() is None  # leased by w1
    assert [r["outcome"] for r in runs(runtime, directory_id)] == ["succeeded"]


def test_manual_request_cooldown_and_trigger(runtime: Runtime) -> None:
    directory_id = ldap_directory(runtime, "m", FakeSource(people=[person(1)]))
    SyncWorker(runtime).run_once()
    queued = sync_requests.request_sync(runtime, directory_id, actor=TEST_ACTOR)
    assert queued["status"] == "queued"
    with pytest.raises(TooManyRequests) as refused:
        sync_requests.request_sync(runtime, directory_id, actor=TEST_ACTOR)
    assert 1 <= refused.value.retry_after <= 60
    assert SyncWorker(runtime).run_once() == directory_id
    assert runs(runtime, directory_id)[0]["trigger"] == "manual"


def test_a_request_made_during_a_run_is_kept_for_the_next_run(runtime: Runtime) -> None:
    """Releasing the lease sets the next due time; a ``POST …/sync`` that arrived while
    the run held the lease must stay due now instead of being pushed back an interval."""
    source = Gated(people=[person(1)])
    directory_id = ldap_directory(runtime, "during", source)
    worker = SyncWorker(runtime, owner="w1")
    with running(worker, source):
        sync_requests.request_sync(runtime, directory_id, actor=TEST_ACTOR)
    assert worker.run_once() == directory_id
    assert [r["trigger"] for r in runs(runtime, directory_id)] == ["manual", "scheduled"]
    assert worker.run_once() is None  # the request was served once, then the interval


def test_csv_directories_are_not_synced(runtime: Runtime) -> None:
    directory_id = make_pull_directory(runtime)
    with pytest.raises(InvalidRequest, match="import"):
        sync_requests.request_sync(runtime, directory_id, actor=TEST_ACTOR)
    assert SyncWorker(runtime).run_once() is None


def test_a_transient_failure_backs_off_and_honours_retry_after(runtime: Runtime) -> None:
    source = FakeSource(
        people=[person(1)],
        fail_after=0,
        failure=SourceError("rate_limited", "quota exceeded", retry_after=900),
    )
    directory_id = ldap_directory(runtime, "r", source)
    before = runtime.clock.now()
    SyncWorker(runtime).run_once()
    (run,) = runs(runtime, directory_id)
    assert run["outcome"] == "failed"
    assert run["error"] == {"kind": "rate_limited", "message": "quota exceeded"}
    with unit_of_work.read(runtime.engine) as connection:
        row = connection.execute(
            sync_schedules.select().where(sync_schedules.c.directory_id == directory_id)
        ).one()
    assert row.failures == 1
    assert row.lease_token is None
    assert row.next_sync_at >= before + timedelta(seconds=900)


def test_backoff_grows_with_jitter_and_is_capped_by_the_interval() -> None:
    assert backoff(30, 1800, 0, None) == 1800
    for failures in range(1, 12):
        ceiling = min(1800, 30 * 2 ** (failures - 1))
        assert ceiling / 2 <= backoff(30, 1800, failures, None) <= ceiling
    assert backoff(30, 1800, 1, 600) == 600


def test_connection_secrets_are_masked_and_survive_a_round_trip(runtime: Runtime) -> None:
    directory_id = ldap_directory(runtime, "s", FakeSource(people=[person(1)]))
    shown = directory_service.get_directory(runtime, directory_id)
    assert shown["connection"] == {"name": "s", "password": registry.MASK}
    assert "pw" not in str(shown)
    directory_service.update_directory(
        runtime, directory_id, {"connection": shown["connection"]}, actor=TEST_ACTOR
    )
    with unit_of_work.read(runtime.engine) as connection:
        row = sync_store.directory_settings(connection, directory_id)
    assert row is not None
    stored = directory_service.decrypted_connection(runtime, row.connection_ciphertext)
    assert stored == {"name": "s", "password": "pw"}
    # A Fernet token (version byte 0x80), not the JSON: checking that "pw" is absent
    # failed now and then, when two random base64 letters spelled it.
    assert (row.connection_ciphertext or "").startswith("gAAAAA")
