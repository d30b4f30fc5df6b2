"""The HTTP stack's ceiling: requests/s of ``GET /healthz`` on a real ``scimbridge serve``.

Run by hand (never part of the test suite)::

    .venv/bin/python bench/healthz.py [--database-url URL] [--seconds 10]
        [--concurrency 16] [--workers 1]

``/healthz`` touches neither the database nor authentication, so its rate is what uvicorn,
Starlette/FastAPI and the middleware cost per request on this machine. Measured with the
two client styles of ``scim_load.py`` (so SCIM phases can be reported as a fraction of it):

- ``httpx``: one ``httpx.AsyncClient`` with ``--concurrency`` keep-alive connections;
- ``raw``: a minimal HTTP/1.1 keep-alive client over asyncio streams (standard library),
  which costs the client about 5x less CPU per request; on a small machine client and
  server share the cores, so this one is closer to the server's real ceiling.

The client's and the server's CPU seconds per request are printed too (from /proc).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
from collections.abc import Awaitable, Callable, Sequence

from _common import (
    Deployment,
    Latencies,
    async_client,
    describe_database,
    machine_description,
    markdown_table,
    ms,
    percentile,
    served,
    server_parser,
)


def client_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class RawConnection:
    """One keep-alive HTTP/1.1 connection; reads Content-Length bodies (all /healthz sends)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, request: bytes) -> int:
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(request)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionResetError("closed before an answer")
        length, close = 0, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and "close" in value.lower():
                close = True
        await self.reader.readexactly(length)
        if close:
            self.writer.close()
        return int(status_line.split()[1])

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def measure(
    name: str,
    concurrency: int,
    seconds: float,
    one: Callable[[int], Awaitable[int]],
) -> tuple[Latencies, float]:
    """``concurrency`` loops calling ``one(worker)`` for ``seconds``; latency + client CPU."""
    phase = Latencies(name)
    stop_at = time.monotonic() + seconds

    async def loop(worker: int) -> None:
        while time.monotonic() < stop_at:
            started = time.monotonic()
            try:
                status = await asyncio.wait_for(one(worker), 30)
            except (OSError, TimeoutError, ValueError, asyncio.IncompleteReadError) as error:
                phase.add(time.monotonic() - started, False, repr(error))
                continue
            phase.add(time.monotonic() - started, status == 200, f"status {status}")

    cpu = client_cpu()
    started = time.monotonic()
    await asyncio.gather(*(loop(w) for w in range(concurrency)))
    phase.wall = time.monotonic() - started
    return phase, client_cpu() - cpu


async def run(dep: Deployment, args: argparse.Namespace) -> list[list[str]]:
    url = f"{dep.base_url}/healthz"
    rows = []
    # Warm-up, not measured: connections, first-request imports.
    async with async_client(args.concurrency, {}, 30.0) as client:
        for _ in range(50):
            await client.get(url)

        async def httpx_one(_: int) -> int:
            return (await client.get(url)).status_code

        server_cpu = dep.cpu_seconds()
        phase, cpu = await measure(
            f"httpx.AsyncClient, concurrency {args.concurrency}",
            args.concurrency,
            args.seconds,
            httpx_one,
        )
        rows.append(row(phase, cpu, dep.cpu_seconds() - server_cpu))

    host, port = dep.base_url.removeprefix("http://").split(":")
    request = f"GET /healthz HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    connections = [RawConnection(host, int(port)) for _ in range(args.concurrency)]
    try:

        async def raw_one(worker: int) -> int:
            return await connections[worker].get(request)

        server_cpu = dep.cpu_seconds()
        phase, cpu = await measure(
            f"raw asyncio HTTP/1.1, concurrency {args.concurrency}",
            args.concurrency,
            args.seconds,
            raw_one,
        )
        rows.append(row(phase, cpu, dep.cpu_seconds() - server_cpu))
    finally:
        for connection in connections:
            connection.close()
    return rows


def row(phase: Latencies, client_seconds: float, server_seconds: float) -> list[str]:
    n = max(1, len(phase.samples))
    return [
        phase.name,
        str(len(phase.samples)),
        str(phase.errors),
        f"{len(phase.samples) / phase.wall:.0f}" if phase.wall else "-",
        ms(percentile(phase.samples, 50)),
        ms(percentile(phase.samples, 99)),
        f"{1000 * client_seconds / n:.3f}",
        f"{1000 * server_seconds / n:.3f}",
    ]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = server_parser(__doc__)
    parser.add_argument("--seconds", type=float, default=10.0, help="per client style (10)")
    parser.add_argument("--concurrency", type=int, default=16, help="(16)")
    args = parser.parse_args(argv)
    if not (0 < args.seconds <= 600) or args.concurrency < 1 or args.workers < 1:
        parser.error("--seconds must be in (0, 600], --concurrency and --workers >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with served(args) as (database_url, dep):
        rows = asyncio.run(run(dep, args))
    print(
        f"# GET /healthz ceiling ({describe_database(database_url)}, "
        f"{args.workers} server process(es), {args.seconds:.0f} s per client)\n"
    )
    print(machine_description() + "\n")
    print(
        markdown_table(
            (
                "client",
                "requests",
                "errors",
                "req/s",
                "p50 ms",
                "p99 ms",
                "client CPU ms/req",
                "server CPU ms/req",
            ),
            rows,
        )
    )
    return 1 if any(r[2] != "0" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
