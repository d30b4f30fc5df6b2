"""Fixtures for the Google connector: a running fake Google, a throwaway service account
key, and a fast retry policy that records how long the connector chose to wait.

Not a ``conftest.py``: the other connectors' tests share this folder, so the Google test
modules import these fixtures by name (pytest finds fixtures imported into a module)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from scimbridge.connectors.google import GoogleSource, RetryPolicy, validate_connection
from tests.support.fake_google import FakeGoogle, new_key
from tests.support.fake_google_server import fake_google


@dataclass
class Waits:
    """Every wait the connector asked for; really sleeps a bounded sliver of it."""

    asked: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        time.sleep(min(seconds, 0.02))


@pytest.fixture(scope="session")
def sa_key() -> rsa.RSAPrivateKey:
    return new_key()


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    with fake_google() as fake:
        fake.add_admin("admin@example.com")
        yield fake


@pytest.fixture
def waits() -> Waits:
    return Waits()


@pytest.fixture
def retry(waits: Waits) -> RetryPolicy:
    return RetryPolicy(attempts=4, base=0.01, cap=0.05, max_wait=5.0, sleep=waits)


def sa_connection(fake: FakeGoogle, key: rsa.RSAPrivateKey, **extra: Any) -> dict[str, Any]:
    """A service-account connection as an admin would enter it, pointed at the fake."""
    return {
        "service_account": fake.service_account(key),
        "subject": "admin@example.com",
        "api_base_url": fake.url,
        "token_uri": fake.token_uri,
        **extra,
    }


@pytest.fixture
def open_google(
    retry: RetryPolicy,
) -> Iterator[Any]:
    opened: list[GoogleSource] = []

    def open_(connection: dict[str, Any]) -> GoogleSource:
        source = GoogleSource(validate_connection(connection), retry=retry)
        opened.append(source)
        return source

    yield open_
    for source in opened:
        source.close()
