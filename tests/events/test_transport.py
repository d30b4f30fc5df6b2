"""The guarded webhook transport against a real receiver on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from scimbridge.events.transport import (
    POOL_EXTENSION,
    POOLS,
    BlockedAddress,
    PooledTransports,
    pool_of,
    webhook_client,
)
from tests.support.receiver import Answer, webhook_receiver


def post(url: str, *, allow_private: bool, resolver=None) -> httpx.Response:
    async def run() -> httpx.Response:
        kwargs = {"resolver": resolver} if resolver else {}
        async with webhook_client(allow_private=allow_private, **kwargs) as client:
            return await client.post(url, content=b"{}")

    return asyncio.run(run())


def test_loopback_is_refused_by_default() -> None:
    with webhook_receiver() as receiver:
        with pytest.raises(httpx.ConnectError, match="private or reserved"):
            post(receiver.url, allow_private=False)
        assert receiver.received == []


def test_allow_private_reaches_loopback() -> None:
    with webhook_receiver() as receiver:
        assert post(receiver.url, allow_private=True).status_code == 200
        assert len(receiver.received) == 1


@pytest.mark.parametrize("host", ["[::ffff:127.0.0.1]", "2130706433", "0x7f.1", "127.1"])
def test_encoded_loopback_forms_are_refused(host: str) -> None:
    with pytest.raises(httpx.HTTPError):
        post(f"http://{host}:9/hook", allow_private=False)


def test_name_resolving_to_private_is_refused() -> None:
    """A rebinding resolver: only the resolution used to connect is checked, and it fails."""
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    with webhook_receiver() as receiver:
        url = receiver.url.replace("127.0.0.1", "hooks.example.test")
        next(answers)  # the check at save time saw the public answer
        with pytest.raises(httpx.ConnectError) as caught:
            post(url, allow_private=False, resolver=rebinding)
        assert isinstance(
            caught.value.__cause__ or caught.value, (BlockedAddress, httpx.ConnectError)
        )
        assert receiver.received == []


def test_redirects_are_not_followed() -> None:
    with webhook_receiver(
        lambda _: Answer(302, {"location": "http://127.0.0.1:1/elsewhere"})
    ) as receiver:
        response = post(receiver.url, allow_private=True)
    assert response.status_code == 302


def test_requests_go_to_the_pool_their_extension_names() -> None:
    seen: list[tuple[int, str]] = []

    def pool(number: int) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            seen.append((number, request.url.path))
            return httpx.Response(200)

        return httpx.MockTransport(handle)

    async def run() -> None:
        transport = PooledTransports([pool(0), pool(1), pool(2)])
        async with httpx.AsyncClient(transport=transport) as client:
            await client.post("http://x/a", extensions={POOL_EXTENSION: 4})
            await client.post("http://x/b", extensions={POOL_EXTENSION: 4})
            await client.post("http://x/c", extensions={POOL_EXTENSION: 2})
            await client.post("http://x/d")  # no extension: the first pool

    asyncio.run(run())
    assert seen == [(1, "/a"), (1, "/b"), (2, "/c"), (0, "/d")]


def test_a_directory_always_maps_to_the_same_pool() -> None:
    assert pool_of("directory_01ABC") == pool_of("directory_01ABC")
    spread = {pool_of(f"directory_{n}") % POOLS for n in range(200)}
    assert len(spread) == POOLS


def test_pooled_client_delivers_to_a_real_receiver() -> None:
    async def run(url: str) -> list[int]:
        async with webhook_client(allow_private=True) as client:
            return [
                (await client.post(url, content=b"{}", extensions={POOL_EXTENSION: n})).status_code
                for n in range(2 * POOLS)
            ]

    with webhook_receiver() as receiver:
        assert asyncio.run(run(receiver.url)) == [200] * 2 * POOLS
        assert len(receiver.wait_for(2 * POOLS)) == 2 * POOLS


def test_a_name_that_does_not_resolve_is_a_connect_error() -> None:
    """``getaddrinfo``'s ``socket.gaierror`` is no httpx error: it must not escape as one."""

    async def nxdomain(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(httpx.ConnectError, match=r"hooks\.example\.invalid does not resolve"):
        post("https://hooks.example.invalid/hook", allow_private=False, resolver=nxdomain)
