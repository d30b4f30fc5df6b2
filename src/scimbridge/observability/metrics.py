"""Prometheus metrics: requests, events written, deliveries and the delivery backlog.

Series stay bounded whatever clients send: requests are labelled by route *template*
(``/scim/v2/{directory_id}/Users/{resource_id}``), provider, resource type, method and
status *class*; never by a concrete path or id. Per-directory series exist only in the
backlog gauges, computed at scrape time for at most ``BACKLOG_DIRECTORIES`` directories.

Several server processes (``scimbridge serve --workers N``) each count what they served.
``scimbridge serve`` gives them one private ``PROMETHEUS_MULTIPROC_DIR`` (see ``cli``), so
prometheus-client's multiprocess mode writes every process's counters to files there and
any process's scrape sums them all (``MultiProcessCollector``); a worker that exits is
marked dead (its counters still count). Without that variable at import (one process,
or the test server) the process's own registry is exposed.

Counting is done where a fact is final: events once their transaction committed
(``services``), deliveries once the HTTP attempt ended (``events.worker``), through the
small ``record_*`` functions below, so the pure layers never see Prometheus.
"""

from __future__ import annotations

import os
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
    values,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Directories reported by the per-directory backlog gauges, oldest undelivered event first.
BACKLOG_DIRECTORIES = 100

# prometheus-client chose its storage when first imported, from PROMETHEUS_MULTIPROC_DIR;
# what it chose, not the variable now, says where this process's counters are.
MULTIPROCESS = values.ValueClass is not values.MutexValue
_REGISTRY = CollectorRegistry()

HTTP_REQUESTS = Counter(
    "scimbridge_http_requests",
    "HTTP requests answered, by route template, method and status class (2xx, 4xx, 5xx).",
    ["route", "method", "status_class"],
    registry=_REGISTRY,
)
HTTP_LATENCY = Histogram(
    "scimbridge_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and method.",
    ["route", "method"],
    registry=_REGISTRY,
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
SCIM_REQUESTS = Counter(
    "scimbridge_scim_requests",
    "SCIM requests answered, by the directory's provider, resource type (Users, Groups, "
    "Bulk, search, discovery), method and status class.",
    ["provider", "resource_type", "method", "status_class"],
    registry=_REGISTRY,
)
EVENTS_WRITTEN = Counter(
    "scimbridge_events_written",
    "Events committed, by event type and the directory's provider.",
    ["type", "provider"],
    registry=_REGISTRY,
)
DELIVERIES = Counter(
    "scimbridge_webhook_deliveries",
    "Scheduled webhook delivery attempts, by outcome (success or the kind of failure).",
    ["outcome"],
    registry=_REGISTRY,
)
REQUEST_LOG_DROPPED = Counter(
    "scimbridge_request_log_dropped",
    "SCIM request log rows dropped (queue full or the database refused a batch).",
    registry=_REGISTRY,
)
REQUEST_LOG_WRITTEN = Counter(
    "scimbridge_request_log_written",
    "SCIM request log rows written.",
    registry=_REGISTRY,
)


def status_class(status: int) -> str:
    return f"{status // 100}xx"


def record_events(provider: str, types: Iterable[str]) -> None:
    """Call after the transaction that wrote these events committed."""
    for event_type in types:
        EVENTS_WRITTEN.labels(event_type, provider).inc()


def delivery_outcome(status_code: int | None, error: str | None) -> str:
    """A bounded outcome label for one attempt (``events.worker.Outcome``'s fields)."""
    if status_code is not None:
        if 200 <= status_code < 300:
            return "success"
        if status_code in (410, 429):
            return f"http_{status_code}"  # stop asked (Standard Webhooks) / slow down
        return f"http_{status_code // 100}xx" if 400 <= status_code < 600 else "http_other"
    text = (error or "").casefold()
    # The prefixes events.attempt gives every failure (one per cause, so this stays bounded).
    for prefix, label in (
        ("timeout", "timeout"),
        ("dns:", "dns_error"),
        ("tls:", "tls_error"),
        ("connect:", "connect_error"),
        ("refused by the address policy", "blocked_address"),  # RELIABILITY.md §5
        ("answer too large", "oversized_answer"),
        ("no webhook secret", "not_configured"),
        ("webhook secret cannot be decrypted", "not_configured"),
        ("unexpected error", "unexpected_error"),
    ):
        if text.startswith(prefix):
            return label
    return "network_error"


def record_delivery(status_code: int | None, error: str | None) -> None:
    DELIVERIES.labels(delivery_outcome(status_code, error)).inc()


# --------------------------------------------------------------------------- exposition


BacklogRow = tuple[str, str, int, int, datetime | None]


class _Backlog(Collector):
    """The backlog gauges from one query's rows (``store.backlog``), built per scrape."""

    def __init__(self, rows: Sequence[BacklogRow], total: int, now: datetime) -> None:
        self.rows, self.total, self.now = rows, total, now

    def collect(self) -> Iterable[GaugeMetricFamily]:
        labels = ["directory_id", "provider"]
        pending = GaugeMetricFamily(
            "scimbridge_webhook_pending_events",
            "Events not yet acknowledged by the directory's webhook (directories with a "
            f"backlog or failures only, at most {BACKLOG_DIRECTORIES}).",
            labels=labels,
        )
        lag = GaugeMetricFamily(
            "scimbridge_webhook_delivery_lag_seconds",
            "Age of the oldest event the directory's webhook has not acknowledged.",
            labels=labels,
        )
        failures = GaugeMetricFamily(
            "scimbridge_webhook_consecutive_failures",
            "Failed attempts in a row on the directory's head event.",
            labels=labels,
        )
        for directory_id, provider, pending_events, failed, oldest in self.rows:
            pending.add_metric([directory_id, provider], pending_events)
            failures.add_metric([directory_id, provider], failed)
            age = (self.now - oldest).total_seconds() if oldest else 0.0
            lag.add_metric([directory_id, provider], max(0.0, age))
        yield pending
        yield lag
        yield failures
        yield GaugeMetricFamily(
            "scimbridge_webhook_backlog_directories",
            "Directories with undelivered events or failures (all of them, not only those "
            "the per-directory gauges report).",
            value=self.total,
        )


def render(backlog: tuple[Sequence[BacklogRow], int] | None, now: datetime) -> tuple[bytes, str]:
    """The exposition: every process's counters, then the backlog gauges of this scrape.

    ``backlog`` is None when the database could not be read: the counters still go out,
    and the missing gauges show the gap instead of reporting a false zero.
    """
    if MULTIPROCESS:
        counters = CollectorRegistry()
        multiprocess.MultiProcessCollector(counters)  # type: ignore[no-untyped-call]
    else:
        counters = _REGISTRY
    body = generate_latest(counters)
    if backlog is not None:
        gauges = CollectorRegistry()
        gauges.register(_Backlog(backlog[0], backlog[1], now))
        body += generate_latest(gauges)
    return body, CONTENT_TYPE_LATEST


def serve_standalone(host: str, port: int) -> None:
    """This process's counters on ``http://host:port/metrics`` (a background thread).

    For ``scimbridge worker``: it has no HTTP server of its own, and the deliveries it
    makes are counted here, not in any ``serve`` process.
    """
    start_http_server(port, addr=host, registry=_REGISTRY)


def process_exit() -> None:
    """Tell multiprocess mode this worker is gone (prometheus-client's documented hook)."""
    if MULTIPROCESS:
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


# --------------------------------------------------------------------------- requests


class ProviderCache:
    """directory id → provider, for request labels; a provider never changes (PATCH cannot
    change it), so an entry is never stale, and the cache is bounded (least recently used
    entries go first)."""

    def __init__(self, size: int = 16_384) -> None:
        self.size = size
        self._entries: OrderedDict[str, str] = OrderedDict()

    def get(self, directory_id: str) -> str | None:
        provider = self._entries.get(directory_id)
        if provider is not None:
            self._entries.move_to_end(directory_id)
        return provider

    def put(self, directory_id: str, provider: str) -> None:
        self._entries[directory_id] = provider
        self._entries.move_to_end(directory_id)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)


ProviderLookup = Callable[[Scope, str], Any]  # async: the provider of a directory, or None
_RESOURCE_ENDPOINTS = frozenset({"Users", "Groups", "Bulk"})
_DISCOVERY = ("/ServiceProviderConfig", "/ResourceTypes", "/Schemas")


def scim_resource_type(scope: Scope) -> str:
    """Users and Groups apart; the rest in a few fixed buckets (bounded label values)."""
    endpoint = scope.get("path_params", {}).get("endpoint")
    route = _route_template(scope)
    if endpoint in _RESOURCE_ENDPOINTS:
        return str(endpoint)
    if route.endswith("/Bulk"):
        return "Bulk"
    if route.endswith("/.search"):
        return "search"
    if any(part in route for part in _DISCOVERY):
        return "discovery"
    return "other"


class MetricsMiddleware:
    """ASGI middleware recording the request metrics for every HTTP request.

    SCIM requests are labelled by provider too: looked up by directory id once per process
    (``lookup``), after the response went out, so no request waits for its metrics.
    """

    def __init__(self, app: ASGIApp, lookup: ProviderLookup) -> None:
        self.app = app
        self.lookup = lookup

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            route = _route_template(scope)
            method = str(scope.get("method", ""))
            HTTP_REQUESTS.labels(route, method, status_class(status)).inc()
            HTTP_LATENCY.labels(route, method).observe(time.perf_counter() - started)
            directory_id = scope.get("path_params", {}).get("directory_id")
            if route.startswith("/scim/") and isinstance(directory_id, str):
                try:
                    provider = await self.lookup(scope, directory_id) or "unknown"
                except Exception:  # a label is not worth failing the request's bookkeeping
                    provider = "unknown"
                SCIM_REQUESTS.labels(
                    provider, scim_resource_type(scope), method, status_class(status)
                ).inc()


def _route_template(scope: Scope) -> str:
    """The template of the route that answered: the router records it in the scope."""
    route = scope.get("route")
    return str(getattr(route, "path_format", None) or getattr(route, "path", None) or "unmatched")
