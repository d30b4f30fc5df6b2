"""A real webhook receiver on 127.0.0.1 that records what arrives.

``respond`` decides each answer (status, headers, body, optional delay), so tests can
make the receiver fail for a while, redirect, hang or go slow.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"
    delay: float = 0.0


@dataclass
class Receiver:
    url: str
    received: list[Received]
    respond: Callable[[Received], Answer]
    lock: threading.Lock

    def bodies(self) -> list[bytes]:
        with self.lock:
            return [r.body for r in self.received]

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.02)
        with self.lock:
            raise AssertionError(f"expected {count} deliveries, got {len(self.received)}")


class Arrivals:
    """A ``respond`` that notes every POST as it arrives, answered or not (directory,
    sequence, time), and answers 200 after :attr:`delay` seconds (settable meanwhile)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.lock = threading.Lock()
        self.seen: list[tuple[str, int, float]] = []

    def __call__(self, item: Received) -> Answer:
        event = json.loads(item.body)
        with self.lock:
            self.seen.append((event["directory_id"], event["sequence"], item.at))
        return Answer(200, delay=self.delay)

    def sequences(self) -> list[int]:
        with self.lock:
            return [sequence for _, sequence, _ in self.seen]

    def distinct(self) -> dict[str, list[int]]:
        """Per directory, the sequences in arrival order with repeats collapsed."""
        order: dict[str, list[int]] = {}
        with self.lock:
            for directory_id, sequence, _ in self.seen:
                sequences = order.setdefault(directory_id, [])
                if not sequences or sequences[-1] != sequence:
                    sequences.append(sequence)
        return order

    def first_after(self, moment: float) -> float | None:
        """When the first POST later than ``moment`` (time.monotonic) arrived."""
        with self.lock:
            return next((at for _, _, at in self.seen if at > moment), None)


@contextmanager
def webhook_receiver(respond: Callable[[Received], Answer] | None = None) -> Iterator[Receiver]:
    received: list[Received] = []
    lock = threading.Lock()
    state = Receiver("", received, respond or (lambda _: Answer()), lock)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            item = Received(
                self.path,
                {k.lower(): v for k, v in self.headers.items()},
                self.rfile.read(length),
                time.monotonic(),
            )
            answer = state.respond(item)
            if answer.delay:
                time.sleep(answer.delay)
            if 200 <= answer.status < 300:
                with lock:
                    received.append(item)
            try:
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender died mid-request (the kill -9 tests do that on purpose)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def raw_receiver(serve: Callable[[socket.socket], None]) -> Iterator[str]:
    """A TCP server on 127.0.0.1 that hands each connection to ``serve`` (in a thread),
    for answers no well-behaved HTTP server gives; yields an ``http://`` URL."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stopping = threading.Event()

    def accept() -> None:
        while not stopping.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=_serve_one, args=(serve, connection), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/hook"
    finally:
        stopping.set()
        thread.join(timeout=5)
        listener.close()


def _serve_one(serve: Callable[[socket.socket], None], connection: socket.socket) -> None:
    with connection, contextlib.suppress(OSError):  # OSError: the client went away
        serve(connection)
