"""Shared helpers of the hand-run benchmarks in ``bench/`` (never imported by the tests).

What lives here: starting and stopping real ``scimbridge serve`` / ``scimbridge worker``
processes (each in its own process group, always stopped in ``finally``), a fast webhook
receiver in a separate process, latency statistics, the machine description and Markdown
tables. All traffic goes to 127.0.0.1 only; every wait has a deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import multiprocessing
import multiprocessing.connection
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if "sniffio" not in sys.modules:
    try:
        import sniffio  # noqa: F401
    except ImportError:
        # httpcore imports sniffio on every pool lock; without it installed each failed
        # import scans sys.path again (a third of the client's CPU per request, as
        # scim_load.py notes). The client only runs on asyncio, so a stub is exact.
        _stub = types.ModuleType("sniffio")
        _stub.current_async_library = lambda: "asyncio"  # type: ignore[attr-defined]
        sys.modules["sniffio"] = _stub

import httpx

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SCIM_JSON = "application/scim+json"


# --------------------------------------------------------------------------- statistics


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (the same definition as scim_load.py)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100.0 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float | None) -> str:
    """Seconds → a millisecond cell of a table."""
    return "-" if seconds is None else f"{seconds * 1000:.1f}"


def rate(count: float, seconds: float) -> str:
    return "-" if seconds <= 0 else f"{count / seconds:.1f}"


@dataclass
class Latencies:
    """Latency and outcome of every request of one phase."""

    name: str
    samples: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    wall: float = 0.0

    def add(self, seconds: float, ok: bool, sample: str | None = None) -> None:
        self.samples.append(seconds)
        if not ok:
            self.errors += 1
            if sample and len(self.error_samples) < 3:
                self.error_samples.append(sample[:300])

    def row(self) -> list[str]:
        worst = max(self.samples) if self.samples else None
        return [
            self.name,
            str(len(self.samples)),
            str(self.errors),
            f"{self.wall:.2f}",
            rate(len(self.samples), self.wall),
            ms(percentile(self.samples, 50)),
            ms(percentile(self.samples, 99)),
            ms(worst),
            "YES" if worst is not None and worst > 1.0 else "no",
        ]

    HEADERS = (
        "phase",
        "requests",
        "errors",
        "wall s",
        "req/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        ">1 s",
    )


# --------------------------------------------------------------------------- output


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(c) for c in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    rule = "| " + " | ".join("-" * w for w in widths) + " |"
    return "\n".join([line(cells[0]), rule, *[line(r) for r in cells[1:]]])


def machine_description() -> str:
    """nproc, CPU model, RAM, Python, date: what a reader needs to compare runs."""
    model = "unknown"
    with contextlib.suppress(OSError):
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                model = text.split(":", 1)[1].strip()
                break
    ram = "unknown"
    with contextlib.suppress(OSError, ValueError, IndexError):
        for text in Path("/proc/meminfo").read_text().splitlines():
            if text.startswith("MemTotal:"):
                ram = f"{int(text.split()[1]) / 1024 / 1024:.1f} GiB"
    now = datetime.now(UTC).isoformat(timespec="seconds")
    return (
        f"machine: nproc={os.cpu_count()}, CPU={model}, RAM={ram}, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}; "
        f"date: {now}"
    )


def describe_database(url: str) -> str:
    if url.startswith("sqlite"):
        return "SQLite"
    return "PostgreSQL"


# --------------------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its living descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def process_tree_rss_kib(pid: int) -> int:
    """VmRSS (KiB) of ``pid`` plus all its descendants, read from /proc/<pid>/status."""
    total = 0
    for current in process_tree(pid):
        with contextlib.suppress(OSError, ValueError):
            for text in Path(f"/proc/{current}/status").read_text().splitlines():
                if text.startswith("VmRSS:"):
                    total += int(text.split()[1])
    return total


def process_tree_cpu_seconds(pid: int) -> float:
    """User+system CPU seconds of ``pid`` and its living descendants, from /proc."""
    total = 0.0
    for current in process_tree(pid):
        try:
            rest = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        total += (int(rest[11]) + int(rest[12])) / os.sysconf("SC_CLK_TCK")
    return total


@dataclass
class Deployment:
    """The scimbridge processes of one benchmark run and how to reach them."""

    base_url: str
    admin_token: str
    database_url: str
    server: subprocess.Popen[bytes]
    workers: list[subprocess.Popen[bytes]]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def pids(self) -> list[int]:
        return [self.server.pid, *(w.pid for w in self.workers)]

    def rss_kib(self) -> int:
        return sum(process_tree_rss_kib(pid) for pid in self.pids)

    def cpu_seconds(self) -> float:
        return sum(process_tree_cpu_seconds(pid) for pid in self.pids)

    def start_worker(self) -> subprocess.Popen[bytes]:
        """One more ``scimbridge worker`` of this deployment (stopped with the others)."""
        process = _start(["worker"], self.env, self.log_path)
        self.workers.append(process)
        return process

    def log_tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "scimbridge", *args],
            env=env,
            stdout=output,
            stderr=output,
            cwd=log.parent,  # no stray .env of the caller's directory is read
            start_new_session=True,  # its own process group, stopped as a whole
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group, SIGKILL it if it lingers."""
    if process.poll() is not None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # leftover children, if any
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextlib.contextmanager
def database_url_or_temp(url: str | None) -> Iterator[str]:
    """The given URL, or a fresh SQLite file in a temporary directory removed at the end."""
    if url:
        yield url
        return
    with tempfile.TemporaryDirectory(prefix="scimbridge-bench-db-") as folder:
        yield f"sqlite:///{folder}/bench.db"


@contextlib.contextmanager
def deployment(
    database_url: str,
    *,
    server_processes: int = 1,
    external_worker: bool = False,
    workers_at_start: int = 1,
    extra_env: dict[str, str] | None = None,
    ready_timeout: float = 90.0,
) -> Iterator[Deployment]:
    """``scimbridge serve`` (embedded worker, or ``--no-worker`` + one ``scimbridge worker``)
    on a free port of 127.0.0.1; every process is stopped when the block ends."""
    admin_token = "sbadm_bench_" + secrets.token_hex(16)
    port = free_port()
    env = {
        **os.environ,
        "SCIMBRIDGE_DATABASE_URL": database_url,
        "SCIMBRIDGE_ADMIN_TOKEN": admin_token,
        "SCIMBRIDGE_SECRET_KEY": "bench-secret-key-" + secrets.token_hex(8),
        "SCIMBRIDGE_WEBHOOK_ALLOW_PRIVATE": "true",
        "SCIMBRIDGE_LOG_LEVEL": "warning",
        **(extra_env or {}),
    }
    env.pop("SCIMBRIDGE_PUBLIC_URL", None)
    with tempfile.TemporaryDirectory(prefix="scimbridge-bench-run-") as folder:
        log = Path(folder) / "processes.log"
        serve_args = ["serve", "--host", HOST, "--port", str(port)]
        serve_args += ["--workers", str(server_processes)]
        if external_worker:
            serve_args.append("--no-worker")
        server = _start(serve_args, env, log)
        workers: list[subprocess.Popen[bytes]] = []
        base_url = f"http://{HOST}:{port}"
        dep = Deployment(base_url, admin_token, database_url, server, workers, log, env)
        try:
            _wait_ready(dep, ready_timeout)
            if external_worker and workers_at_start:
                for _ in range(workers_at_start):
                    workers.append(_start(["worker"], env, log))
                time.sleep(0.5)
                if any(w.poll() is not None for w in workers):
                    raise RuntimeError(f"scimbridge worker exited:\n{dep.log_tail()}")
            yield dep
        finally:
            for process in [*workers, server]:
                _stop(process)


def server_parser(doc: str) -> argparse.ArgumentParser:
    """A benchmark's options, starting with the two every run against a server takes."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp dir")
    parser.add_argument("--workers", type=int, default=1, help="server processes (1)")
    return parser


@contextlib.contextmanager
def served(args: argparse.Namespace, **options: Any) -> Iterator[tuple[str, Deployment]]:
    """``args.database_url`` (or a temporary SQLite file) served by a :func:`deployment` of
    ``args.workers`` server processes; ``options`` go to :func:`deployment`."""
    with (
        database_url_or_temp(args.database_url) as database_url,
        deployment(database_url, server_processes=args.workers, **options) as dep,
    ):
        yield database_url, dep


def _wait_ready(dep: Deployment, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if dep.server.poll() is not None:
            raise RuntimeError(
                f"scimbridge serve exited with {dep.server.returncode}:\n{dep.log_tail()}"
            )
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{dep.base_url}/readyz", timeout=1).status_code == 200:
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"scimbridge serve not ready after {timeout}s:\n{dep.log_tail()}")
        time.sleep(0.1)


def admin_headers(dep: Deployment) -> dict[str, str]:
    return {"Authorization": f"Bearer {dep.admin_token}"}


def create_directory(dep: Deployment, name: str, webhook_url: str | None = None) -> dict[str, Any]:
    """A directory through the admin API; the answer holds ``id`` and ``scim_token``."""
    body: dict[str, Any] = {"name": name, "tenant": name.lower(), "provider": "generic"}
    if webhook_url:
        body["webhook_url"] = webhook_url
    response = httpx.post(
        f"{dep.base_url}/api/v1/directories", json=body, headers=admin_headers(dep), timeout=30
    )
    if response.status_code != 201:
        raise RuntimeError(f"creating a directory: {response.status_code} {response.text[:300]}")
    data: dict[str, Any] = response.json()
    return data


def scim_headers(token: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {token}",
        "Content-Type": SCIM_JSON,
        "Accept": f"{SCIM_JSON}, application/json",
    }


def async_client(concurrency: int, headers: dict[str, str], timeout: float) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(headers=headers, limits=limits, timeout=timeout)


class RawResponse:
    """What :class:`RawClient` answers: the few things the benchmarks read of httpx's."""

    def __init__(self, status_code: int, headers: dict[str, str], content: bytes) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.content)


class RawClient:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams (``--client raw``).

    On a 2-core machine httpx costs the client ~1-2 ms of CPU per request, so with it
    the client, not the server, sets the rate and the latency at concurrency 16. This one
    costs ~0.2 ms (the same idea as ``scim_load.py --client raw``). It speaks only what
    scimbridge answers: ``Content-Length`` bodies on one host; a request that meets a
    kept-alive connection the server has closed meanwhile is sent again on another one.
    """

    def __init__(self, base_url: str, headers: dict[str, str], timeout: float) -> None:
        host, _, port = base_url.removeprefix("http://").partition(":")
        self.host, self.port = host, int(port or 80)
        self.timeout = timeout
        self.headers = dict(headers)
        self.head_tail = "".join(
            f"{k}: {v}\r\n" for k, v in {"Host": f"{host}:{self.port}", **headers}.items()
        )
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def __aenter__(self) -> RawClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        for _, writer in self.idle:
            writer.close()
        self.idle.clear()

    async def request(self, method: str, url: str, content: bytes | None = None) -> RawResponse:
        return await asyncio.wait_for(self._request(method, url, content), self.timeout)

    async def _request(self, method: str, url: str, content: bytes | None) -> RawResponse:
        target = url.split(f"{self.host}:{self.port}", 1)[-1]
        head = f"{method} {target} HTTP/1.1\r\n{self.head_tail}"
        if content is not None or method in ("POST", "PUT", "PATCH"):
            head += f"Content-Length: {len(content or b'')}\r\n"
        data = (head + "\r\n").encode("latin-1") + (content or b"")
        while True:
            reused = bool(self.idle)
            reader, writer = (
                self.idle.pop() if reused else await asyncio.open_connection(self.host, self.port)
            )
            try:
                writer.write(data)
                await writer.drain()
                response = await self._read(reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                writer.close()
                if reused:
                    continue  # the server closed it while it sat idle (keep-alive timeout)
                raise
            self.idle.append((reader, writer))
            return response

    @staticmethod
    async def _read(reader: asyncio.StreamReader) -> RawResponse:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        body = await reader.readexactly(length) if length else b""
        return RawResponse(status, headers, body)


def scim_client(
    kind: str, base_url: str, concurrency: int, headers: dict[str, str], timeout: float
) -> httpx.AsyncClient | RawClient:
    """``httpx`` or ``raw`` (see :class:`RawClient`): the same calls, different client CPU."""
    if kind == "raw":
        return RawClient(base_url, headers, timeout)
    return async_client(concurrency, headers, timeout)


def user_body(run: str, i: int) -> dict[str, Any]:
    """An Okta-like user, the same shape as scim_load.py sends."""
    email = f"bench.{run}.{i:07d}@example.com"
    return {
        "schemas": [USER_SCHEMA],
        "userName": email,
        "name": {"givenName": f"Bench{i:07d}", "familyName": f"Run{run}"},
        "emails": [{"primary": True, "value": email, "type": "work"}],
        "displayName": f"Bench{i:07d} Run{run}",
        "locale": "en-US",
        "externalId": f"00u{run}{i:07d}",
        "active": True,
    }


# --------------------------------------------------------------------------- receiver


@dataclass(frozen=True)
class Arrival:
    at: float  # time.monotonic() of the receiver process (CLOCK_MONOTONIC, system-wide)
    path: str
    body: bytes

    def event(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data


_OK = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: text/plain\r\n\r\nok"


def _receiver_main(port: int, control: multiprocessing.connection.Connection) -> None:
    """The receiver process: asyncio HTTP/1.1 keep-alive server that answers 200 at once.

    Arrival time is taken when the whole body has been read, before answering. The
    parent asks over ``control``: ``"count"`` → number received, ``"drain"`` → every
    ``(at, path, body)`` received so far (and forgets them), ``"stop"`` → exit.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    arrivals: list[tuple[float, str, bytes]] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1] if " " in lines[0] else "/"
                length = 0
                for text in lines[1:]:
                    name, _, value = text.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value.strip())
                body = await reader.readexactly(length) if length else b""
                arrivals.append((time.monotonic(), path, body))
                writer.write(_OK)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ValueError, IndexError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, HOST, port, backlog=1024)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        def on_control() -> None:
            try:
                command = control.recv()
            except EOFError:
                stop.set()
                return
            if command == "count":
                control.send(len(arrivals))
            elif command == "drain":
                control.send(list(arrivals))
                arrivals.clear()
            else:
                stop.set()

        loop.add_reader(control.fileno(), on_control)
        control.send("ready")
        async with server:
            await stop.wait()

    asyncio.run(main())


class ReceiverProcess:
    """Handle of the receiver process (see :func:`webhook_receiver`)."""

    def __init__(self, url: str, control: multiprocessing.connection.Connection) -> None:
        self.url = url
        self._control = control
        self.received: list[Arrival] = []

    def count(self) -> int:
        """How many deliveries arrived so far (including already drained ones)."""
        self._control.send("count")
        return int(self._control.recv()) + len(self.received)

    def drain(self) -> list[Arrival]:
        """Move everything received so far into :attr:`received`; return the new ones."""
        self._control.send("drain")
        new = [Arrival(at, path, body) for at, path, body in self._control.recv()]
        self.received.extend(new)
        return new

    def wait_for(self, total: int, timeout: float, poll: float = 0.002) -> bool:
        """Until ``total`` deliveries arrived (True) or ``timeout`` seconds passed (False)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.count() >= total:
                return True
            time.sleep(poll)
        return self.count() >= total


@contextlib.contextmanager
def webhook_receiver(port: int | None = None) -> Iterator[ReceiverProcess]:
    """A fast receiver in its own process, so its CPU does not share the client's GIL
    (on ``port``, e.g. one that was refusing connections until now, or a free one)."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    port = port or free_port()
    process = context.Process(target=_receiver_main, args=(port, child), daemon=True)
    process.start()
    try:
        if not parent.poll(30) or parent.recv() != "ready":
            raise RuntimeError("the webhook receiver did not start")
        yield ReceiverProcess(f"http://{HOST}:{port}", parent)
    finally:
        with contextlib.suppress(OSError, BrokenPipeError):
            parent.send("stop")
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join(5)
