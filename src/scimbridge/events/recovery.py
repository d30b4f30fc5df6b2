"""A receiver back from an outage: retry the directories that wait on it soon.

Usually one application endpoint receives the webhooks of many directories. When it is
down, each directory that had an event fails and backs off on its own schedule (5 s,
then 5 min, …), so after a 30-second outage most of them would wait the 5 minutes of
the second step although the receiver has long been back. A successful delivery is the
proof that the endpoint answers again: after one, the directories in backoff on the same
*origin* (scheme, host and port, RFC 6454 §4) get their next attempt pulled in, spread
over :attr:`RecoveryPolicy.spread` seconds and at most :attr:`RecoveryPolicy.batch` at a
time, so the recovered receiver is not hit by every directory at once. Each pulled-in
delivery that succeeds can pull in the next batch. A failure never pulls anything in:
for an endpoint that stays down the schedule is unchanged. A worker checks an origin at
most once per :attr:`RecoveryPolicy.check_interval`, so a healthy endpoint delivering
hundreds of events a second costs one indexed query a second, not one per event.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import Engine

from scimbridge.clock import Clock
from scimbridge.observability import redaction
from scimbridge.store import calls, unit_of_work
from scimbridge.store import recovery as store

log = redaction.logger("scimbridge.webhooks")

DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Origin:
    scheme: str
    host: str
    port: int

    def url_forms(self) -> tuple[str, ...]:
        """How a stored URL of this origin can begin, lower-cased (with the default port
        written out or left implicit)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        forms = [f"{self.scheme}://{host}:{self.port}"]
        if DEFAULT_PORTS.get(self.scheme) == self.port:
            forms.append(f"{self.scheme}://{host}")
        return tuple(forms)

    def url_prefixes(self) -> tuple[str, ...]:
        """Prefixes of URLs with a path, query or fragment after the authority."""
        return tuple(form + end for form in self.url_forms() for end in "/?#")


def origin_of(url: str) -> Origin | None:
    """The origin of a webhook URL; None for one that has none (then nothing is pulled in)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname
    if not host or scheme not in DEFAULT_PORTS:
        return None
    return Origin(scheme, host, port if port is not None else DEFAULT_PORTS[scheme])


@dataclass(frozen=True)
class RecoveryPolicy:
    batch: int = 20
    spread: float = 5.0
    check_interval: float = 1.0

    def times(self, now: datetime, count: int) -> list[datetime]:
        """``count`` attempt times evenly spread over the next :attr:`spread` seconds."""
        step = self.spread / count if count else 0.0
        return [now + timedelta(seconds=step * i) for i in range(count)]


class RecoveryChecks:
    """Which origins may be checked now: at most once per ``interval`` seconds each."""

    def __init__(self, interval: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._interval = interval
        self._monotonic = monotonic
        self._last: dict[Origin, float] = {}

    def due(self, origin: Origin) -> bool:
        now = self._monotonic()
        last = self._last.get(origin)
        if last is not None and now - last < self._interval:
            return False
        if len(self._last) > 10_000:  # forget origins not seen for a while
            self._last = {o: t for o, t in self._last.items() if now - t < self._interval}
        self._last[origin] = now
        return True


class RecoveryTrigger:
    """Run by the worker after every successful delivery (cheap unless a check is due)."""

    def __init__(
        self, engine: Engine, clock: Clock, policy: RecoveryPolicy, *, inline_database: bool
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._policy = policy
        self._inline = inline_database
        self._checks = RecoveryChecks(policy.check_interval)

    async def delivered(self, url: str) -> None:
        """``url`` just acknowledged a delivery: retry soon the directories waiting on it."""
        if self._policy.batch <= 0:  # turned off (SCIMBRIDGE_WEBHOOK_RECOVERY_BATCH=0)
            return
        origin = origin_of(url)
        if origin is None or not self._checks.due(origin):
            return
        try:
            moved = await calls.run(self._inline, self.pull_in, origin)
        except Exception:
            log.warning("pulling in the retries waiting on %s failed", url, exc_info=True)
            return
        if moved:
            log.info(
                "%s://%s:%d answers again: %d directories waiting on it retry within %g s",
                origin.scheme,
                origin.host,
                origin.port,
                moved,
                self._policy.spread,
            )

    def pull_in(self, origin: Origin) -> int:
        """One batch: read who waits (no write lock unless someone does), then move them."""
        now = self._clock.now()
        with unit_of_work.read(self._engine) as connection:
            waiting = store.waiting_on(
                connection,
                exact=origin.url_forms(),
                prefixes=origin.url_prefixes(),
                later_than=now + timedelta(seconds=self._policy.spread),
                limit=self._policy.batch,
            )
        chosen = [w.directory_id for w in waiting if origin_of(w.url) == origin]
        if not chosen:
            return 0
        times = self._policy.times(now, len(chosen))
        with unit_of_work.write(self._engine) as connection:
            return store.pull_in(connection, list(zip(chosen, times, strict=True)))
