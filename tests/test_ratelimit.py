"""The sliding-window rule and the in-process limiter, on an injected clock."""

from __future__ import annotations

import pytest

from scimbridge.ratelimit import SlidingWindow, retry_after, wait_seconds


class Ticks:
    """A clock the test moves by hand (seconds)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class TestWaitSeconds:
    def test_under_the_limit_waits_nothing(self) -> None:
        assert wait_seconds([], limit=2, window=60, now=100) == 0.0
        assert wait_seconds([90.0], limit=2, window=60, now=100) == 0.0

    def test_at_the_limit_waits_for_the_oldest_counted_to_leave(self) -> None:
        assert wait_seconds([50.0, 90.0], limit=2, window=60, now=100) == 10.0

    def test_only_the_last_limit_events_matter(self) -> None:
        assert wait_seconds([45.0, 50.0, 90.0], limit=2, window=60, now=100) == 10.0

    def test_events_outside_the_window_do_not_count(self) -> None:
        assert wait_seconds([10.0, 40.0, 90.0], limit=2, window=60, now=100) == 0.0

    def test_an_event_exactly_window_ago_has_left(self) -> None:
        assert wait_seconds([40.0, 99.0], limit=2, window=60, now=100) == 0.0


@pytest.mark.parametrize(("wait", "header"), [(0.01, 1), (1.0, 1), (1.2, 2), (59.9, 60)])
def test_retry_after_rounds_up_to_whole_seconds(wait: float, header: int) -> None:
    assert retry_after(wait) == header


class TestSlidingWindow:
    def test_blocks_after_limit_hits_until_the_oldest_leaves(self) -> None:
        clock = Ticks()
        limiter = SlidingWindow(3, 60, clock=clock)
        for _ in range(3):
            assert limiter.wait("a") == 0.0
            limiter.hit("a")
            clock.now += 10
        assert limiter.wait("a") == 30.0  # hits at 1000, 1010, 1020; now 1030
        clock.now += 29
        assert limiter.wait("a") == 1.0
        clock.now += 1
        assert limiter.wait("a") == 0.0

    def test_sliding_not_fixed_window(self) -> None:
        """Hits at the end of one minute still count at the start of the next."""
        clock = Ticks()
        limiter = SlidingWindow(2, 60, clock=clock)
        clock.now = 1059.0
        limiter.hit("a")
        limiter.hit("a")
        clock.now = 1061.0
        assert limiter.wait("a") == 58.0

    def test_keys_are_apart(self) -> None:
        limiter = SlidingWindow(1, 60, clock=Ticks())
        limiter.hit("a")
        assert limiter.wait("a") > 0
        assert limiter.wait("b") == 0.0

    def test_memory_is_bounded_by_max_keys_dropping_the_least_recent(self) -> None:
        clock = Ticks()
        limiter = SlidingWindow(1, 60, clock=clock, max_keys=3)
        for key in ("a", "b", "c"):
            limiter.hit(key)
        limiter.hit("a")  # a is the most recent now; b the least
        limiter.hit("d")
        assert len(limiter) == 3
        assert limiter.wait("b") == 0.0  # forgotten
        assert limiter.wait("a") > 0
        assert limiter.wait("d") > 0

    def test_expired_keys_are_forgotten_when_asked(self) -> None:
        clock = Ticks()
        limiter = SlidingWindow(2, 60, clock=clock)
        limiter.hit("a")
        clock.now += 61
        assert limiter.wait("a") == 0.0
        assert len(limiter) == 0

    @pytest.mark.parametrize(
        ("limit", "window", "max_keys"), [(0, 60.0, 10), (1, 0.0, 10), (1, 60.0, 0)]
    )
    def test_nonsense_is_refused(self, limit: int, window: float, max_keys: int) -> None:
        with pytest.raises(ValueError, match="at least 1"):
            SlidingWindow(limit, window, max_keys=max_keys)
