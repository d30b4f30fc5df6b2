"""A receiver back from an outage: waiting directories on the same endpoint retry soon.

The outage is a real receiver answering 503; the schedule's second step stands for the
5 minutes of the real one (600 s here: far longer than any test runs), so a directory
delivered at all after the receiver is back was pulled in.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from scimbridge.events.recovery import Origin, RecoveryChecks, RecoveryPolicy, origin_of
from scimbridge.events.schedule import RetrySchedule
from scimbridge.store import recovery as store
from scimbridge.store import unit_of_work
from scimbridge.store.tables import webhook_cursors
from tests.support.delivery import cursor, run_worker, setup_directory
from tests.support.receiver import Answer, Received, webhook_receiver

# First retry almost at once, the second one out of reach of the test.
OUTAGE = RetrySchedule(delays=(0.01, 600), jitter=0, overload_minimum=0)
POLICY = RecoveryPolicy(batch=20, spread=0.5, check_interval=0.0)


class Switch:
    """A receiver's state: down (503) until switched up."""

    def __init__(self) -> None:
        self.up = False
        self.lock = threading.Lock()
        self.sequences: dict[str, list[int]] = {}

    def __call__(self, item: Received) -> Answer:
        if not self.up:
            return Answer(503)
        event = json.loads(item.body)
        with self.lock:
            self.sequences.setdefault(event["directory_id"], []).append(event["sequence"])
        return Answer(200)


def wait_out_the_outage(engine: Engine, url: str, count: int) -> list[str]:
    """``count`` directories on ``url``, each failed twice: now 600 s into backoff."""
    waiting = [setup_directory(engine, url, 2) for _ in range(count)]
    run_worker(
        engine,
        OUTAGE,
        lambda: all(cursor(engine, d).failures >= 2 for d in waiting),
        grace=0,
        recovery=POLICY,
    )
    for directory_id in waiting:
        assert cursor(engine, directory_id).next_attempt_at > datetime.now(UTC) + timedelta(
            seconds=500
        )
    return waiting


def test_a_success_pulls_in_the_directories_waiting_on_the_same_endpoint(
    engine: Engine,
) -> None:
    switch = Switch()
    with webhook_receiver(switch) as receiver:
        waiting = wait_out_the_outage(engine, receiver.url, 3)
        switch.up = True
        # Another directory's delivery to the same endpoint succeeds: the receiver is back.
        fresh = setup_directory(engine, receiver.url.replace("/hook", "/other?x=1"), 1)
        run_worker(
            engine,
            OUTAGE,
            lambda: all(switch.sequences.get(d) == [1, 2] for d in [*waiting, fresh]),
            recovery=POLICY,
        )
    for directory_id in waiting:
        assert switch.sequences[directory_id] == [1, 2], "delivered in order after the pull-in"
        state = cursor(engine, directory_id)
        assert (state.last_acked_sequence, state.failures) == (2, 0)


def test_a_failure_pulls_nothing_in_and_another_endpoint_does_not_count(
    engine: Engine,
) -> None:
    switch = Switch()
    with webhook_receiver(switch) as receiver, webhook_receiver() as elsewhere:
        waiting = wait_out_the_outage(engine, receiver.url, 2)
        scheduled = {d: cursor(engine, d).next_attempt_at for d in waiting}
        still_down = setup_directory(engine, receiver.url, 1)  # same endpoint, fails again
        other = setup_directory(engine, elsewhere.url.replace("127.0.0.1", "localhost"), 1)
        run_worker(
            engine,
            OUTAGE,
            lambda: (
                cursor(engine, still_down).failures >= 1
                and cursor(engine, other).last_acked_sequence == 1
            ),
            recovery=POLICY,
        )
    assert {d: cursor(engine, d).next_attempt_at for d in waiting} == scheduled


def test_at_most_one_batch_moves_spread_over_the_window(engine: Engine) -> None:
    url = "https://hooks.example.com/a"
    now = datetime.now(UTC)
    later = now + timedelta(hours=1)
    ids = [setup_directory(engine, url, 1) for _ in range(5)]
    # The state a second failure leaves: failures counted, next attempt an hour out.
    with unit_of_work.write(engine) as connection:
        connection.execute(
            webhook_cursors.update()
            .where(webhook_cursors.c.directory_id.in_(ids))
            .values(failures=2, next_attempt_at=later)
        )
    origin = origin_of(url)
    assert origin is not None
    policy = RecoveryPolicy(batch=2, spread=4.0)
    with unit_of_work.read(engine) as connection:
        found = store.waiting_on(
            connection,
            exact=origin.url_forms(),
            prefixes=origin.url_prefixes(),
            later_than=now + timedelta(seconds=policy.spread),
            limit=policy.batch,
        )
    assert len(found) == 2
    moves = list(zip([w.directory_id for w in found], policy.times(now, 2), strict=True))
    with unit_of_work.write(engine) as connection:
        assert store.pull_in(connection, moves) == 2
        assert store.pull_in(connection, moves) == 0  # already pulled in: left alone
    times = sorted(cursor(engine, d).next_attempt_at for d in ids)
    assert times[:2] == [now, now + timedelta(seconds=2)]
    assert times[2:] == [later] * 3


def test_only_the_same_origin_waiting_and_not_disabled_is_found(engine: Engine) -> None:
    now = datetime.now(UTC)
    urls = {
        "same": "https://Hooks.Example.com/a",
        "same, default port written out": "https://hooks.example.com:443/b",
        "other port": "https://hooks.example.com:8443/a",
        "longer host": "https://hooks.example.com.evil.test/a",
        "other scheme": "http://hooks.example.com/a",
        "disabled": "https://hooks.example.com/c",
    }
    ids = {name: setup_directory(engine, url, 1) for name, url in urls.items()}
    with unit_of_work.write(engine) as connection:
        connection.execute(
            webhook_cursors.update()
            .where(webhook_cursors.c.directory_id.in_(list(ids.values())))
            .values(failures=1, next_attempt_at=now + timedelta(hours=1))
        )
        connection.execute(
            webhook_cursors.update()
            .where(webhook_cursors.c.directory_id == ids["disabled"])
            .values(state="disabled")
        )
    origin = Origin("https", "hooks.example.com", 443)
    with unit_of_work.read(engine) as connection:
        found = store.waiting_on(
            connection,
            exact=origin.url_forms(),
            prefixes=origin.url_prefixes(),
            later_than=now,
            limit=100,
        )
    assert {w.directory_id for w in found} == {ids["same"], ids["same, default port written out"]}


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://Hooks.Example.com/a?b#c", Origin("https", "hooks.example.com", 443)),
        ("http://hooks.example.com:8080", Origin("http", "hooks.example.com", 8080)),
        ("HTTP://[::1]:9/x", Origin("http", "::1", 9)),
        ("https://hooks.example.com:99999/", None),
        ("ftp://hooks.example.com/", None),
        ("not a url", None),
    ],
)
def test_origin_of(url: str, origin: Origin | None) -> None:
    assert origin_of(url) == origin


def test_an_origin_is_checked_at_most_once_per_interval() -> None:
    clock = [100.0]
    checks = RecoveryChecks(1.0, monotonic=lambda: clock[0])
    a, b = Origin("https", "a", 443), Origin("https", "b", 443)
    assert checks.due(a)
    assert not checks.due(a)
    assert checks.due(b)
    clock[0] += 1.0
    assert checks.due(a)


def test_url_forms_cover_implicit_and_explicit_default_ports() -> None:
    assert Origin("https", "h", 443).url_forms() == ("https://h:443", "https://h")
    assert Origin("http", "::1", 9).url_forms() == ("http://[::1]:9",)
    assert "https://h/" in Origin("https", "h", 443).url_prefixes()
