"""Outgoing HTTP for webhooks: resolution pinned and checked at connect time.

httpx resolves host names inside httpcore when it connects, so checking a webhook URL
when it is saved is not enough: DNS can answer a public address then and a private one
at delivery (rebinding). :class:`GuardedBackend` is an httpcore network backend that
resolves the name itself, refuses it unless *every* answer passes ``ssrf.is_allowed``,
and connects to the checked IP literal; TLS SNI, certificate checks and the ``Host``
header still use the name, because httpcore passes those separately (RELIABILITY.md §5).
Redirects are never followed (a 3xx is a failed delivery), and timeouts are explicit.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import zlib
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import httpcore
import httpx

from scimbridge.events import ssrf

Resolver = Callable[[str, int], Awaitable[list[str]]]


class BlockedAddress(httpcore.ConnectError):
    """The webhook host resolves to an address deliveries may not reach."""


class UnresolvableHost(httpcore.ConnectError):
    """The webhook host name does not resolve.

    ``getaddrinfo`` fails with ``socket.gaierror``, an ``OSError`` that httpx does not map
    to one of its own errors; raised as an httpcore error it reaches the delivery's error
    handling as an ``httpx.ConnectError`` like every other connection failure.
    """


async def system_resolver(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class GuardedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, *, allow_private: bool, resolver: Resolver = system_resolver) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._allow_private = allow_private
        self._resolve = resolver

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await self._resolve(host, port)
        except OSError as error:  # socket.gaierror, or a resolver that cannot be reached
            reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
            raise UnresolvableHost(f"{host} does not resolve ({reason})") from error
        if not addresses:
            raise UnresolvableHost(f"{host} does not resolve (no address)")
        refused = [
            a for a in addresses if not ssrf.is_allowed(a, allow_private=self._allow_private)
        ]
        if refused:
            raise BlockedAddress(
                f"{host} resolves to {refused[0]}, a private or reserved address "
                "(set SCIMBRIDGE_WEBHOOK_ALLOW_PRIVATE=true to allow it)"
            )
        return await self._inner.connect_tcp(
            addresses[0],
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks are never delivered over unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, with its connection pool built on :class:`GuardedBackend`.

    httpx has no ``network_backend`` argument, so the pool it builds is replaced by an
    identical one that uses our backend; request and response mapping stay httpx's.
    """

    def __init__(
        self,
        backend: GuardedBackend,
        *,
        max_connections: int = 100,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        context = httpx.create_ssl_context() if ssl_context is None else ssl_context
        # Given a context, httpx's own init does not load the CA bundle a second time.
        super().__init__(verify=context, retries=0)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=30.0,
            network_backend=backend,
        )


# The request extension naming the pool a request goes to (see :class:`PooledTransports`).
POOL_EXTENSION = "scimbridge.pool"
POOLS = 16
CONNECTIONS_PER_POOL = 8


def pool_of(directory_id: str) -> int:
    """A directory's pool: stable, so its deliveries keep reusing the same connections."""
    return zlib.crc32(directory_id.encode("utf-8"))


class PooledTransports(httpx.AsyncBaseTransport):
    """Several small connection pools in place of one large one.

    On every request and every release, httpcore 1.0's pool walks all its connections and,
    for each idle one, walks them all again (``AsyncConnectionPool.
    _assign_requests_to_connections``), checking each socket with a system call: O(n²) in
    the pool's size. With 64 deliveries in flight to one receiver (the usual deployment:
    one application endpoint for every directory) that was 39 % of the server's CPU
    (py-spy). A request carrying :data:`POOL_EXTENSION` goes to the pool its value picks,
    so each pool stays at :data:`CONNECTIONS_PER_POOL` connections.
    """

    def __init__(self, transports: Sequence[httpx.AsyncBaseTransport]) -> None:
        if not transports:
            raise ValueError("at least one transport is needed")
        self._transports = list(transports)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        key = request.extensions.get(POOL_EXTENSION, 0)
        transport = self._transports[int(key) % len(self._transports)]
        return await transport.handle_async_request(request)

    async def aclose(self) -> None:
        for transport in self._transports:
            await transport.aclose()


def webhook_client(
    *,
    allow_private: bool,
    connect_timeout: float = 5.0,
    total_timeout: float = 15.0,
    resolver: Resolver = system_resolver,
) -> httpx.AsyncClient:
    backend = GuardedBackend(allow_private=allow_private, resolver=resolver)
    context = httpx.create_ssl_context()  # the CA bundle is loaded once (~30 ms), not per pool
    pools = [
        GuardedTransport(backend, max_connections=CONNECTIONS_PER_POOL, ssl_context=context)
        for _ in range(POOLS)
    ]
    return httpx.AsyncClient(
        transport=PooledTransports(pools),
        timeout=httpx.Timeout(total_timeout, connect=connect_timeout),
        follow_redirects=False,
        headers={"user-agent": "scimbridge-webhooks"},
        trust_env=False,
    )
