"""Sliding-window rate limits: at most ``limit`` events per ``window`` seconds per key.

A sliding log, not a fixed window or a token bucket: the exact timestamps of the last
``limit`` events are kept, so "20 per minute" never lets 40 through across a minute
boundary, and the wait is exact (until the oldest counted event leaves the window),
which is what ``Retry-After`` (RFC 9110 §10.2.3) should say.

:func:`wait_seconds` is the rule as a pure function, shared by the in-process
:class:`SlidingWindow` and by limits counted in the database (the setup portal's SCIM
token issuance counts its audit rows, so every replica shares it). :class:`SlidingWindow`
keeps its log in this process only; its memory is bounded (``max_keys`` keys of at most
``limit`` timestamps each, the least recently used key dropped first), so a flood of
distinct keys costs a fixed amount and at worst forgets the oldest of them.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence

MAX_KEYS = 10_000


def wait_seconds(times: Sequence[float], *, limit: int, window: float, now: float) -> float:
    """Seconds until one more event is allowed (0.0: allowed now).

    ``times`` are the moments of earlier events, oldest first; only those inside
    ``(now - window, now]`` count. With ``limit`` of them counted, the next is allowed once
    the oldest counted one leaves the window.
    """
    recent = [moment for moment in times if moment > now - window]
    if len(recent) < limit:
        return 0.0
    return max(0.0, recent[-limit] + window - now)


def retry_after(wait: float) -> int:
    """A ``Retry-After`` value: whole seconds, rounded up, at least 1."""
    return max(1, math.ceil(wait))


class SlidingWindow:
    """In-process limiter; thread safe (handlers call it from the thread pool too).

    Usage: ask :meth:`wait` before doing the limited thing, and :meth:`hit` when an
    event counts. Splitting the two lets a caller count only the outcomes it limits
    (the portal counts failed lookups, not every lookup).
    """

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_KEYS,
    ) -> None:
        if limit < 1 or window <= 0 or max_keys < 1:
            raise ValueError("limit and max_keys must be at least 1, window positive")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._max_keys = max_keys
        self._log: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def wait(self, key: str) -> float:
        """Seconds until ``key`` may act again (0.0: now)."""
        with self._lock:
            times = self._log.get(key)
            if times is None:
                return 0.0
            now = self._clock()
            wait = wait_seconds(times, limit=self.limit, window=self.window, now=now)
            if wait == 0.0 and not any(moment > now - self.window for moment in times):
                del self._log[key]  # all expired: forget the key
            return wait

    def hit(self, key: str) -> None:
        """Count one event of ``key`` now."""
        with self._lock:
            times = self._log.get(key)
            if times is None:
                times = self._log[key] = deque(maxlen=self.limit)
                while len(self._log) > self._max_keys:
                    self._log.popitem(last=False)
            else:
                self._log.move_to_end(key)
            times.append(self._clock())

    def __len__(self) -> int:
        """How many keys are remembered (for tests of the memory bound)."""
        return len(self._log)
