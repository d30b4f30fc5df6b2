"""One delivery attempt: a signed POST whose every failure becomes a clear outcome.

The worker records every attempt in the deliveries log and counts every failure in the
cursor's ``failures``, so :func:`send` never raises for anything that can go wrong with
one delivery (issue 11 §2): an unresolvable name (``socket.gaierror`` from
``getaddrinfo``, which is no httpx error), a TLS handshake that fails, a refused or timed
out connection, an address the SSRF policy refuses, an answer whose head is too large, a
webhook secret that cannot be decrypted, and any unexpected exception. Each gets an
``error`` text that names the cause, so an operator reading ``webhook_status`` knows what
to fix. Only cancellation (the worker stopping) passes through.

httpx's ``Timeout`` bounds each network operation, not the whole request: a receiver
that trickles its answer a byte at a time would hold a delivery for ever. The total
deadline (``total_timeout``, 15 s by default, RELIABILITY.md §4) is enforced around the
whole exchange.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import httpx

from scimbridge.clock import Clock
from scimbridge.events.schedule import parse_retry_after
from scimbridge.events.signing import signature_headers
from scimbridge.events.transport import (
    POOL_EXTENSION,
    BlockedAddress,
    UnresolvableHost,
    pool_of,
)
from scimbridge.observability import redaction
from scimbridge.secrets_box import SecretBox
from scimbridge.store import deliveries as store

log = redaction.logger("scimbridge.webhooks")

RESPONSE_READ_LIMIT = 4096
# httpcore gives h11 this much room for a status line and headers (``HTTP11Connection.
# MAX_INCOMPLETE_EVENT_SIZE``); beyond it h11 raises "Receive buffer too long".
HEAD_LIMIT_KIB = 100


@dataclass(frozen=True)
class Outcome:
    """What one HTTP attempt gave."""

    status_code: int | None
    error: str | None
    excerpt: str | None
    duration_ms: int
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def overloaded(self) -> bool:
        return self.status_code == 429 or (self.error or "").startswith("timeout")

    @property
    def gone(self) -> bool:
        """410 Gone: the receiver asks us to stop (Standard Webhooks)."""
        return self.status_code == 410


async def send(
    client: httpx.AsyncClient,
    head: store.HeadEvent,
    *,
    secret_box: SecretBox,
    clock: Clock,
    total_timeout: float,
) -> Outcome:
    """One signed POST of ``head``; every failure is reported in the outcome, never raised."""
    started = time.perf_counter()
    if not head.secret_ciphertext:
        return Outcome(None, "no webhook secret configured", None, 0)
    try:
        secret = secret_box.decrypt(head.secret_ciphertext)
    except Exception:
        return Outcome(
            None,
            "webhook secret cannot be decrypted with the configured SCIMBRIDGE_SECRET_KEY "
            "(was the key changed?); set the secret again with PATCH",
            None,
            0,
        )
    try:
        async with asyncio.timeout(total_timeout):
            return await _post(client, head, secret, clock, started)
    except TimeoutError:
        error = f"timeout: no complete answer within {total_timeout:g} s"
    except Exception as caught:
        error = failure_text(caught, total_timeout=total_timeout)
        if error.startswith("unexpected"):
            log.exception("delivery of event %s failed unexpectedly", head.event_id)
    return Outcome(None, error, None, _elapsed_ms(started))


async def _post(
    client: httpx.AsyncClient, head: store.HeadEvent, secret: str, clock: Clock, started: float
) -> Outcome:
    headers = signature_headers([secret], head.event_id, head.body, clock.now())
    async with client.stream(
        "POST",
        head.url,
        content=head.body.encode("utf-8"),
        headers=headers,
        extensions={POOL_EXTENSION: pool_of(head.directory_id)},
    ) as response:
        excerpt = await _read_limited(response)
        retry_after = parse_retry_after(response.headers.get("retry-after"), clock.now())
        return Outcome(response.status_code, None, excerpt, _elapsed_ms(started), retry_after)


def failure_text(error: BaseException, *, total_timeout: float) -> str:
    """A short, specific description of why a delivery failed.

    httpx wraps httpcore's exception, which wraps the OS, TLS or resolver error
    (``raise … from …`` and exception groups from anyio's connection attempts), so the
    whole chain is searched for the most specific cause.
    """
    causes = list(_causes(error))
    for cause in causes:
        if isinstance(cause, UnresolvableHost):
            return f"DNS: {cause}"
        if isinstance(cause, BlockedAddress):
            return f"refused by the address policy: {cause}"
    for cause in causes:
        if isinstance(cause, socket.gaierror):
            return f"DNS: {cause.strerror or cause}"
        if isinstance(cause, ssl.SSLError | ssl.CertificateError):
            return f"TLS: {cause}"
        if isinstance(cause, ConnectionRefusedError):
            return "connect: connection refused"
    if isinstance(error, httpx.ConnectTimeout):
        return "timeout: no connection within the connect timeout"
    if isinstance(error, httpx.TimeoutException):
        return f"timeout: {type(error).__name__} (limit {total_timeout:g} s)"
    if isinstance(error, httpx.RemoteProtocolError) and "buffer too long" in str(error):
        return f"answer too large: status line and headers exceed {HEAD_LIMIT_KIB} KiB"
    if isinstance(error, httpx.ConnectError):
        return f"connect: {_innermost_message(causes)}"
    if isinstance(error, httpx.HTTPError):
        return f"{type(error).__name__}: {error}"
    return f"unexpected error: {type(error).__name__}: {error}"


def _causes(error: BaseException) -> Iterator[BaseException]:
    """``error`` and everything it was raised from, depth first, each once."""
    seen: set[int] = set()
    stack = [error]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            stack.extend(reversed(current.exceptions))
        nested = [a for a in current.args if isinstance(a, BaseException)]
        stack.extend(nested)
        for linked in (current.__context__, current.__cause__):
            if linked is not None:
                stack.append(linked)


def _innermost_message(causes: list[BaseException]) -> str:
    for cause in reversed(causes):
        text = str(cause)
        if text:
            return text
    return "connection failed"


def attempt_record(
    head: store.HeadEvent, number: int, kind: str, outcome: Outcome, started: datetime
) -> store.Attempt:
    return store.Attempt(
        directory_id=head.directory_id,
        event_id=head.event_id,
        sequence=head.sequence,
        attempt=number,
        kind=kind,
        url=head.url,
        started_at=started,
        duration_ms=outcome.duration_ms,
        status_code=outcome.status_code,
        error=outcome.error,
        response_excerpt=outcome.excerpt,
    )


async def _read_limited(response: httpx.Response) -> str:
    """At most :data:`RESPONSE_READ_LIMIT` bytes of the body: receivers can be hostile.

    A larger body is not an error: the status decides, and the rest is never read.
    """
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_raw():
        chunks.append(chunk)
        size += len(chunk)
        if size >= RESPONSE_READ_LIMIT:
            break
    return b"".join(chunks)[:RESPONSE_READ_LIMIT].decode("utf-8", errors="replace")


def _elapsed_ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
