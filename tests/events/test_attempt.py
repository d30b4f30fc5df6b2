"""Every way one delivery can fail is an attempt (issue 11 §2).

Each case drives a real worker against a real database and a real endpoint on
127.0.0.1 (or a stub resolver, so no name is ever looked up outside this machine) and
checks the three places an operator looks: the attempt log has the attempt with a clear
``error``, the cursor counts it in ``failures`` (``webhook_status.consecutive_failures``),
and the next attempt follows the retry schedule, with the lease released.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from scimbridge.events.attempt import RESPONSE_READ_LIMIT, failure_text
from scimbridge.events.schedule import RetrySchedule
from scimbridge.events.transport import webhook_client
from scimbridge.secrets_box import SecretBox
from scimbridge.store.deliveries import RESPONSE_EXCERPT_LIMIT
from tests.support.delivery import attempts, cursor, run_worker, setup_directory
from tests.support.postgres import free_port
from tests.support.receiver import Answer, raw_receiver, webhook_receiver

# The first retry 30 s out, no jitter: "follows the schedule" is then exact.
SCHEDULE = RetrySchedule(delays=(30, 300), jitter=0, overload_minimum=60)


@dataclass
class Endpoint:
    url: str
    client: httpx.AsyncClient | None = None
    config: dict[str, Any] = field(default_factory=dict)
    secret_ciphertext: str | None = None


async def unresolvable(host: str, port: int) -> list[str]:
    """What ``getaddrinfo`` does for a ``.invalid`` name (RFC 6761 §6.4): EAI_NONAME."""
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


async def broken_resolver(host: str, port: int) -> list[str]:
    raise RuntimeError("resolver crashed")


@contextmanager
def dns() -> Iterator[Endpoint]:
    client = webhook_client(allow_private=True, resolver=unresolvable)
    yield Endpoint("https://hooks.example.invalid/hook", client)


@contextmanager
def unexpected() -> Iterator[Endpoint]:
    client = webhook_client(allow_private=True, resolver=broken_resolver)
    yield Endpoint("https://hooks.example.test/hook", client)


@contextmanager
def tls() -> Iterator[Endpoint]:
    with webhook_receiver() as receiver:  # plain HTTP, asked for a TLS handshake
        yield Endpoint(receiver.url.replace("http://", "https://"))


@contextmanager
def refused() -> Iterator[Endpoint]:
    yield Endpoint(f"http://127.0.0.1:{free_port()}/hook")  # nothing listens there


@contextmanager
def timeout() -> Iterator[Endpoint]:
    with webhook_receiver(lambda _: Answer(200, delay=3)) as receiver:
        yield Endpoint(receiver.url, config={"total_timeout": 0.3})


@contextmanager
def address_policy() -> Iterator[Endpoint]:
    with webhook_receiver() as receiver:
        yield Endpoint(receiver.url, config={"allow_private": False})


@contextmanager
def oversized_head() -> Iterator[Endpoint]:
    big = {f"x-filler-{i}": "a" * 1000 for i in range(200)}  # 200 KB of headers
    with webhook_receiver(lambda _: Answer(200, headers=big)) as receiver:
        yield Endpoint(receiver.url)


@contextmanager
def undecryptable_secret() -> Iterator[Endpoint]:
    with webhook_receiver() as receiver:
        other_key = SecretBox("a-key-this-deployment-does-not-have")
        yield Endpoint(receiver.url, secret_ciphertext=other_key.encrypt("whsec_x"))


@contextmanager
def trickle() -> Iterator[Endpoint]:
    """Headers at once, then one byte of body every 50 ms: each read is quick, so only a
    deadline on the whole request ends it."""

    def serve(connection: socket.socket) -> None:
        connection.recv(65536)
        connection.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n")
        for _ in range(1000):
            connection.sendall(b"x")
            time.sleep(0.05)

    with raw_receiver(serve) as url:
        yield Endpoint(url, config={"total_timeout": 0.5})


CASES: dict[str, tuple[Callable[[], AbstractContextManager[Endpoint]], str]] = {
    "dns": (dns, "DNS: hooks.example.invalid does not resolve (Name or service not known)"),
    "tls": (tls, "TLS: [SSL"),
    "refused": (refused, "connect: connection refused"),
    "timeout": (timeout, "timeout: "),
    "address policy": (address_policy, "refused by the address policy: 127.0.0.1 resolves"),
    "oversized head": (oversized_head, "answer too large: status line and headers exceed"),
    "secret": (undecryptable_secret, "webhook secret cannot be decrypted"),
    "unexpected": (unexpected, "unexpected error: RuntimeError: resolver crashed"),
    "trickle": (trickle, "timeout: no complete answer within 0.5 s"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_every_failure_is_a_counted_attempt_that_follows_the_schedule(
    engine: Engine, case: str
) -> None:
    endpoint_of, expected_error = CASES[case]
    with endpoint_of() as endpoint:
        directory_id = setup_directory(
            engine, endpoint.url, 2, secret_ciphertext=endpoint.secret_ciphertext
        )
        before = datetime.now(UTC)
        run_worker(
            engine,
            SCHEDULE,
            lambda: cursor(engine, directory_id).failures > 0,
            client=endpoint.client,
            **endpoint.config,
        )
    logged = attempts(engine, directory_id)
    assert len(logged) == 1, "one failure, one attempt, then the wait for the retry"
    assert logged[0].error.startswith(expected_error), logged[0].error
    assert logged[0].status_code is None
    assert (logged[0].sequence, logged[0].attempt) == (1, 1)
    state = cursor(engine, directory_id)
    assert state.failures == 1
    assert state.last_error == logged[0].error
    assert state.last_acked_sequence == 0
    assert state.lease_owner is None
    delay = SCHEDULE.next_delay(1, overloaded=expected_error.startswith("timeout"))
    assert state.next_attempt_at - before >= timedelta(seconds=delay)
    assert state.next_attempt_at - datetime.now(UTC) <= timedelta(seconds=delay)


@pytest.mark.parametrize("status", [200, 500])
def test_a_large_body_is_read_only_up_to_the_limit_and_the_status_decides(
    engine: Engine, status: int
) -> None:
    body = b"y" * 1_000_000
    with webhook_receiver(lambda _: Answer(status, body=body)) as receiver:
        directory_id = setup_directory(engine, receiver.url, 1)
        run_worker(engine, SCHEDULE, lambda: bool(attempts(engine, directory_id)))
    (logged,) = attempts(engine, directory_id)
    assert logged.status_code == status
    assert logged.response_excerpt == "y" * min(RESPONSE_READ_LIMIT, RESPONSE_EXCERPT_LIMIT)
    assert cursor(engine, directory_id).last_acked_sequence == (1 if status == 200 else 0)


def test_the_cause_is_found_through_httpx_and_httpcore_wrapping() -> None:
    refused_error = ConnectionRefusedError(111, "Connect call failed")
    group = ExceptionGroup("attempts", [refused_error])
    inner = OSError("All connection attempts failed")
    inner.__cause__ = group
    outer = httpx.ConnectError("All connection attempts failed")
    outer.__cause__ = inner
    assert failure_text(outer, total_timeout=15) == "connect: connection refused"
    assert failure_text(httpx.ReadTimeout("slow"), total_timeout=15).startswith("timeout")
    assert failure_text(ValueError("boom"), total_timeout=15) == (
        "unexpected error: ValueError: boom"
    )
