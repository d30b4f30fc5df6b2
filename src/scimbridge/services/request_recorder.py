"""The SCIM request log's writer: a bounded in-memory queue flushed in batches.

Why a background writer and not the request's own transaction: reads (most of an IdP's
traffic: its existence probes and GETs) have no write transaction, and giving each one
would put every GET behind SQLite's single writer lock; even for writes, an extra INSERT
of up to 16 KiB of redacted bodies per request, and the redaction itself (parsing and
re-serialising both bodies), would sit on the IdP's latency. Instead the SCIM route only
appends what it saw (bytes it already holds, a few timestamps) to a list under a lock,
and this writer, every :data:`FLUSH_INTERVAL` seconds or as soon as :data:`BATCH_ROWS`
are waiting, redacts them in a thread and inserts them in transactions of 100 rows.

What that costs and guarantees:
* A request shows up in the log up to ~0.5 s after it was answered.
* A clean shutdown (the server's lifespan ends after the last request was answered)
  flushes everything that is queued. A crash loses at most the last half-second.
* The queue is bounded (:data:`MAX_ROWS` rows and :data:`MAX_BYTES` of captured bodies).
  When it is full, or the database refuses a batch, rows are dropped and counted in
  ``scimbridge_request_log_dropped_total``; the IdP is never made to wait for the log.
* Rows whose directory does not exist (a 401 for an invented id, or a directory deleted
  meanwhile) are not written: only a real directory's failures help its owner.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from scimbridge import ids
from scimbridge.observability import metrics, redact
from scimbridge.observability.user_agents import idp_from_user_agent
from scimbridge.scim.errors import ERROR_SCHEMA
from scimbridge.store import request_log as store
from scimbridge.store import unit_of_work

log = logging.getLogger("scimbridge.request_log")
_REQUEST_IDS = ids.MonotonicIds("request")

FLUSH_INTERVAL = 0.5
BATCH_ROWS = 500
# Rows per transaction: SCIM writers on SQLite wait for the single write lock while a
# chunk is inserted (~30 µs a row), so a flush takes it in short turns.
CHUNK_ROWS = 100
MAX_ROWS = 10_000
MAX_BYTES = 64 * 1024 * 1024
# Bodies longer than this are not even captured: they cannot be redacted unparsed.
CAPTURE_LIMIT = redact.PARSE_LIMIT + 1
MAX_PATH = 2048
MAX_USER_AGENT = 512
MAX_DETAIL = 2048


@dataclass(slots=True)
class CapturedRequest:
    """What a SCIM route saw, unredacted; lives only in memory until the next flush."""

    directory_id: str
    received_at: datetime
    method: str
    path: str
    query: str
    user_agent: str | None
    resource_id: str | None
    status: int
    duration_us: int
    request_body: bytes
    request_size: int
    response_body: bytes
    response_size: int
    request_id: str = ""


def _truncated_body(body: bytes, size: int, *, parse: bool = False) -> redact.StoredBody:
    if size > len(body):  # captured partly: too large to redact, keep the size only
        return redact.StoredBody(None, size, True)
    return redact.redact_body(body, parse=parse)


def build_row(captured: CapturedRequest) -> dict[str, Any]:
    """The stored, redacted row of one captured request."""
    request = _truncated_body(captured.request_body, captured.request_size)
    # The answer is read only for its SCIM error or a created resource's id.
    wanted = captured.status >= 400 or (captured.method == "POST" and captured.status == 201)
    response = _truncated_body(captured.response_body, captured.response_size, parse=wanted)
    document = response.document if isinstance(response.document, dict) else {}
    scim_type = detail = None
    if captured.status >= 400 and ERROR_SCHEMA in (document.get("schemas") or ()):
        scim_type = document.get("scimType")
        detail = document.get("detail")
    resource_id = captured.resource_id
    if resource_id is None and captured.method == "POST" and captured.status == 201:
        resource_id = document.get("id") if isinstance(document.get("id"), str) else None
    user_agent = captured.user_agent
    return {
        "id": captured.request_id,
        "directory_id": captured.directory_id,
        "received_at": captured.received_at,
        "method": captured.method[:10],
        "path": redact.scrub_text(captured.path)[:MAX_PATH],
        "query": redact.redact_query(captured.query),
        "status": captured.status,
        "failed": captured.status >= 400,
        "duration_us": max(0, captured.duration_us),
        "scim_type": redact.scrub_text(str(scim_type))[:40] if scim_type else None,
        "error_detail": redact.scrub_text(str(detail))[:MAX_DETAIL] if detail else None,
        "user_agent": redact.scrub_text(user_agent)[:MAX_USER_AGENT] if user_agent else None,
        "idp": idp_from_user_agent(user_agent),
        "resource_id": redact.scrub_text(resource_id)[:512] if resource_id else None,
        "request_body": request.text,
        "request_bytes": request.size,
        "request_truncated": request.truncated,
        "response_body": response.text,
        "response_bytes": response.size,
        "response_truncated": response.truncated,
    }


class RequestLogMetrics:
    """The writer's counters: the process's (``observability.metrics``, so ``/metrics``
    shows them, summed over ``serve --workers N``), or a private registry's in tests."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        if registry is None:
            self.dropped = metrics.REQUEST_LOG_DROPPED
            self.written = metrics.REQUEST_LOG_WRITTEN
            return
        self.dropped = Counter(
            "scimbridge_request_log_dropped",
            "SCIM request log rows dropped (queue full or the database refused a batch).",
            registry=registry,
        )
        self.written = Counter(
            "scimbridge_request_log_written",
            "SCIM request log rows written.",
            registry=registry,
        )


class RequestRecorder:
    """The per-process queue and its flushing task (see the module docstring)."""

    def __init__(
        self,
        engine: Engine,
        metrics: RequestLogMetrics | None = None,
        *,
        max_rows: int = MAX_ROWS,
        max_bytes: int = MAX_BYTES,
        batch_rows: int = BATCH_ROWS,
        interval: float | None = None,
    ) -> None:
        self.engine = engine
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self.batch_rows = batch_rows
        self.interval = FLUSH_INTERVAL if interval is None else interval
        self._lock = threading.Lock()
        self._pending: list[CapturedRequest] = []
        self._pending_bytes = 0
        self._wake: asyncio.Event | None = None
        self.dropped_total = 0
        self.written_total = 0
        self.metrics = metrics or RequestLogMetrics()

    def submit(self, captured: CapturedRequest) -> bool:
        """Queue one request (never blocks on I/O); False when it was dropped."""
        size = len(captured.request_body) + len(captured.response_body)
        with self._lock:
            if len(self._pending) >= self.max_rows or self._pending_bytes + size > self.max_bytes:
                self._drop(1)
                return False
            self._pending.append(captured)
            self._pending_bytes += size
            full = len(self._pending) >= self.batch_rows
        if full and self._wake is not None:
            self._wake.set()
        return True

    def _drop(self, count: int) -> None:
        self.dropped_total += count
        self.metrics.dropped.inc(count)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def flush(self) -> int:
        """Write everything queued, in transactions of ``CHUNK_ROWS``; rows written."""
        with self._lock:
            batch, self._pending, self._pending_bytes = self._pending, [], 0
        if not batch:
            return 0
        # Ids are made here, in queue order, off the event loop: they sort as the requests
        # were answered (``received_at`` keeps the exact time).
        for captured in batch:
            captured.request_id = _REQUEST_IDS.new()
        rows = []
        for captured in batch:
            try:
                rows.append(build_row(captured))
            except Exception:  # one request the redactor cannot handle costs only its row
                log.exception("request log row dropped: it could not be redacted")
                self._drop(1)
        written = 0
        for start in range(0, len(rows), CHUNK_ROWS):
            written += self._write(rows[start : start + CHUNK_ROWS])
        return written

    def _write(self, rows: list[dict[str, Any]]) -> int:
        """One transaction of at most ``CHUNK_ROWS`` rows (SQLite's write lock held briefly)."""
        try:
            with unit_of_work.write(self.engine) as connection:
                known = store.existing_directory_ids(connection, (r["directory_id"] for r in rows))
                kept = [row for row in rows if row["directory_id"] in known]
                store.insert_rows(connection, kept)
        except (SQLAlchemyError, sqlite3.Error):  # BEGIN IMMEDIATE raises sqlite3's own
            log.warning("request log batch of %d rows dropped", len(rows), exc_info=True)
            self._drop(len(rows))
            return 0
        self.written_total += len(kept)
        self.metrics.written.inc(len(kept))
        return len(kept)

    async def run(self, stop: asyncio.Event) -> None:
        """Flush every ``interval`` or when a batch is full; drain everything on stop."""
        self._wake = asyncio.Event()
        try:
            while not stop.is_set():
                stopping = asyncio.ensure_future(stop.wait())
                waking = asyncio.ensure_future(self._wake.wait())
                await asyncio.wait(
                    {stopping, waking}, timeout=self.interval, return_when="FIRST_COMPLETED"
                )
                for task in (stopping, waking):
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                self._wake.clear()
                await asyncio.to_thread(self._flush_safely)
        finally:
            while self.pending:
                await asyncio.to_thread(self._flush_safely)

    def _flush_safely(self) -> None:
        """:meth:`flush`, but a batch that cannot be written is dropped (and counted),
        never the writer: one bad row must not end recording for the process's life."""
        try:
            self.flush()
        except Exception:
            log.exception("request log batch dropped after an unexpected error")
