"""The webhook address policy, row by row (RELIABILITY.md §5)."""

from __future__ import annotations

import pytest

from scimbridge.events.ssrf import is_allowed

BLOCKED = [
    "127.0.0.1",
    "127.1.2.3",
    "10.0.0.1",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "255.255.255.255",
    "198.18.0.1",
    "192.0.2.1",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "2001:db8::1",
    "64:ff9b::7f00:1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:10.0.0.1",
    "not-an-ip",
    "",
]
ALLOWED = ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "172.32.0.1"]


@pytest.mark.parametrize("address", BLOCKED)
def test_blocked(address: str) -> None:
    assert not is_allowed(address, allow_private=False)


@pytest.mark.parametrize("address", ALLOWED)
def test_allowed(address: str) -> None:
    assert is_allowed(address, allow_private=False)


def test_allow_private_opens_loopback() -> None:
    assert is_allowed("127.0.0.1", allow_private=True)
    assert not is_allowed("garbage", allow_private=True)
