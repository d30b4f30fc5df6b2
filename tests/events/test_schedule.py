"""The retry schedule (RELIABILITY.md §4)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from scimbridge.events.schedule import DEFAULT_DELAYS, RetrySchedule, parse_retry_after, total_span


def test_delays_follow_the_standard_webhooks_example_within_jitter() -> None:
    schedule = RetrySchedule()
    rng = random.Random(7)
    for failures, base in enumerate(DEFAULT_DELAYS, start=1):
        for _ in range(50):
            delay = schedule.next_delay(failures, rng=rng)
            assert base * 0.8 <= delay <= base * 1.2


def test_schedule_lasts_well_over_24_hours_even_with_jitter() -> None:
    assert total_span(RetrySchedule()) >= timedelta(hours=60)


def test_after_the_schedule_retries_daily_forever() -> None:
    schedule = RetrySchedule()
    assert not schedule.exhausted(len(DEFAULT_DELAYS))
    assert schedule.exhausted(len(DEFAULT_DELAYS) + 1)
    assert schedule.base_delay(100) == 86400


def test_overload_waits_at_least_a_minute() -> None:
    assert RetrySchedule(jitter=0).next_delay(1, overloaded=True) == 60


@pytest.mark.parametrize(("retry_after", "expected"), [(1, 5), (7, 7), (100, 10)])
def test_retry_after_is_clamped_to_base_and_twice_base(retry_after: float, expected: float) -> None:
    assert RetrySchedule().next_delay(1, retry_after=retry_after) == expected


def test_scale_compresses_for_tests() -> None:
    assert RetrySchedule(jitter=0, scale=0.001).next_delay(2) == pytest.approx(0.3)


def test_parse_retry_after() -> None:
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120", now) == 120
    assert parse_retry_after("Tue, 24 Nov 2026 12:01:00 GMT", now) == 60
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None
