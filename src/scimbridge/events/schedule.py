"""When to try a webhook again (RELIABILITY.md §4).

The delays follow the Standard Webhooks example schedule: 5 s, 5 min, 30 min, 2 h, 5 h,
10 h, 14 h, 20 h, 24 h after successive failures (about 75 h in all), each with ±20 %
jitter (Svix ``JITTER_DELTA``) so a recovering receiver is not hit by every directory at
once. A timeout or a 429 waits at least 60 s (Svix ``OVERLOAD_PENALTY_SECS``); a
``Retry-After`` answer is honoured within ``[delay, 2 * delay]``. Past the schedule the
head event keeps being retried every 24 h: nothing is ever skipped.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

DEFAULT_DELAYS: tuple[float, ...] = (5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
JITTER = 0.2
OVERLOAD_MINIMUM = 60.0
AFTER_SCHEDULE = 86400.0


@dataclass(frozen=True)
class RetrySchedule:
    delays: Sequence[float] = DEFAULT_DELAYS
    jitter: float = JITTER
    overload_minimum: float = OVERLOAD_MINIMUM
    scale: float = 1.0  # tests compress the whole schedule, e.g. 0.001

    def exhausted(self, failures: int) -> bool:
        """True once ``failures`` consecutive failures used up the schedule."""
        return failures > len(self.delays)

    def base_delay(self, failures: int) -> float:
        if failures <= 0:
            return 0.0
        if failures > len(self.delays):
            return AFTER_SCHEDULE
        return float(self.delays[failures - 1])

    def next_delay(
        self,
        failures: int,
        *,
        overloaded: bool = False,
        retry_after: float | None = None,
        rng: random.Random | None = None,
    ) -> float:
        """Seconds to wait after the ``failures``-th consecutive failure."""
        base = self.base_delay(failures)
        if overloaded:
            base = max(base, self.overload_minimum)
        if retry_after is not None:
            delay = min(max(retry_after, base), 2 * base) if base else retry_after
        else:
            spread = base * self.jitter
            delay = base + (rng or _JITTER).uniform(-spread, spread)
        return max(0.0, delay) * self.scale


# Not the global generator: jitter needs no shared state, and drawing from that one in
# the delivery worker would disturb anything else that relies on it (Hypothesis
# fails a test whose global random state moves under it).
_JITTER = random.SystemRandom()


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, (moment - now).total_seconds())


def total_span(schedule: RetrySchedule) -> timedelta:
    """The shortest time the schedule can take with the jitter working against it."""
    return timedelta(seconds=sum(schedule.delays) * (1 - schedule.jitter) * schedule.scale)
