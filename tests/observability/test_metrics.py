"""``/metrics``: labels, events written, deliveries by outcome and the backlog gauges.

Counters are process-wide and the test server is shared, so every assertion is on the
difference between two scrapes.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from scimbridge.observability.metrics import ProviderCache, delivery_outcome
from tests.factories import group_resource, user_resource
from tests.support.clients import create_directory, scim_client
from tests.support.receiver import Answer, webhook_receiver
from tests.support.server import RunningServer


def scrape(server: RunningServer) -> str:
    response = httpx.get(f"{server.base_url}/metrics")
    assert response.status_code == 200
    return response.text


def sample(text: str, name: str, **labels: str) -> float:
    """The summed value of the samples called ``name`` whose labels include ``labels``."""
    total = 0.0
    for family in text_string_to_metric_families(text):
        for item in family.samples:
            if item.name == name and labels.items() <= item.labels.items():
                total += item.value
    return total


def webhook_status(admin: httpx.Client, directory_id: str) -> dict[str, Any]:
    status: dict[str, Any] = admin.get(f"/api/v1/directories/{directory_id}").json()[
        "webhook_status"
    ]
    return status


def series(text: str, name: str) -> list[dict[str, str]]:
    return [
        item.labels
        for family in text_string_to_metric_families(text)
        for item in family.samples
        if item.name == name
    ]


def grew(before: str, after: str, name: str, **labels: str) -> float:
    """How much the samples matching ``labels`` grew between two scrapes."""
    return sample(after, name, **labels) - sample(before, name, **labels)


def test_scim_requests_by_provider_resource_type_method_and_status_class(
    admin: httpx.Client, server: RunningServer
) -> None:
    before = scrape(server)
    directory = create_directory(admin, provider="entra")
    with scim_client(directory) as scim:
        assert scim.post("/Users", json=user_resource()).status_code == 201
        assert scim.post("/Users", json=user_resource()).status_code == 201
        assert scim.post("/Groups", json=group_resource()).status_code == 201
        assert scim.get("/Users/nope").status_code == 404
    after = scrape(server)
    scim_requests = "scimbridge_scim_requests_total"
    entra = {"provider": "entra"}
    assert grew(before, after, scim_requests, **entra, resource_type="Users", method="POST") == 2
    assert grew(before, after, scim_requests, **entra, resource_type="Groups", method="POST") == 1
    assert (
        grew(before, after, scim_requests, **entra, resource_type="Users", status_class="2xx") == 2
    )
    assert grew(before, after, scim_requests, **entra, method="GET", status_class="4xx") == 1
    route = "/scim/v2/{directory_id}/{endpoint}"
    http = "scimbridge_http_requests_total"
    assert grew(before, after, http, route=route, method="POST", status_class="2xx") >= 3
    assert directory.id not in after


def test_events_written_are_counted_by_type_and_provider(
    admin: httpx.Client, server: RunningServer
) -> None:
    before = scrape(server)
    directory = create_directory(admin, provider="onelogin")
    with scim_client(directory) as scim:
        user = scim.post("/Users", json=user_resource()).json()
        scim.post("/Groups", json=group_resource(members=[{"value": user["id"]}]))
        assert scim.post("/Users", json={"schemas": []}).status_code == 400  # writes nothing
    after = scrape(server)
    written = "scimbridge_events_written_total"
    assert grew(before, after, written, type="user.created", provider="onelogin") == 1
    assert grew(before, after, written, type="group.created", provider="onelogin") == 1
    assert grew(before, after, written, provider="onelogin") >= 2


def test_deliveries_are_counted_by_outcome(admin: httpx.Client, server: RunningServer) -> None:
    before = scrape(server)
    answers = iter([Answer(503), Answer(404)])
    with webhook_receiver(lambda _: next(answers, Answer(200))) as receiver:
        directory = create_directory(admin, webhook_url=receiver.url)
        with scim_client(directory) as scim:
            scim.post("/Users", json=user_resource())
        receiver.wait_for(1)  # the receiver records what it accepted: after two failures
    after = scrape(server)
    for outcome in ("http_5xx", "http_4xx", "success"):
        assert grew(before, after, "scimbridge_webhook_deliveries_total", outcome=outcome) >= 1


def test_backlog_gauges_name_only_directories_behind(
    admin: httpx.Client, server: RunningServer
) -> None:
    with webhook_receiver(lambda _: Answer(503)) as down, webhook_receiver() as up:
        stuck = create_directory(admin, provider="jumpcloud", webhook_url=down.url)
        fine = create_directory(admin, provider="jumpcloud", webhook_url=up.url)
        for directory in (stuck, fine):
            with scim_client(directory) as scim:
                scim.post("/Users", json=user_resource())
        up.wait_for(1)
        labels = {"directory_id": stuck.id, "provider": "jumpcloud"}
        deadline = time.monotonic() + 30  # bounds the wait for the worker's bookkeeping
        while True:
            delivered = webhook_status(admin, fine.id)["pending_events"] == 0
            failed = webhook_status(admin, stuck.id)["consecutive_failures"] >= 1
            if (delivered and failed) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        text = scrape(server)
        failures = sample(text, "scimbridge_webhook_consecutive_failures", **labels)
    assert failures >= 1
    assert labels in series(text, "scimbridge_webhook_pending_events")
    assert sample(text, "scimbridge_webhook_pending_events", **labels) == 1
    assert labels in series(text, "scimbridge_webhook_delivery_lag_seconds")
    assert all(
        found["directory_id"] != fine.id
        for found in series(text, "scimbridge_webhook_pending_events")
    )
    assert sample(text, "scimbridge_webhook_backlog_directories") >= 1


@pytest.mark.parametrize(
    ("status", "error", "outcome"),
    [
        (200, None, "success"),
        (204, None, "success"),
        (410, None, "http_410"),
        (429, None, "http_429"),
        (404, None, "http_4xx"),
        (503, None, "http_5xx"),
        (302, None, "http_other"),
        (None, "timeout: ReadTimeout", "timeout"),
        (
            None,
            "refused by the address policy: h resolves to 10.0.0.1, a private address",
            "blocked_address",
        ),
        (None, "no webhook secret configured", "not_configured"),
        (None, "webhook secret cannot be decrypted with the key", "not_configured"),
        (None, "DNS: hook.invalid does not resolve", "dns_error"),
        (None, "TLS: [SSL: WRONG_VERSION_NUMBER]", "tls_error"),
        (None, "connect: connection refused", "connect_error"),
        (None, "answer too large: status line and headers exceed 100 KiB", "oversized_answer"),
        (None, "unexpected error: ValueError: x", "unexpected_error"),
        (None, "RemoteProtocolError: server disconnected", "network_error"),
    ],
)
def test_delivery_outcome_kinds(status: int | None, error: str | None, outcome: str) -> None:
    assert delivery_outcome(status, error) == outcome


def test_provider_cache_is_bounded() -> None:
    cache = ProviderCache(size=2)
    cache.put("directory_a", "okta")
    cache.put("directory_b", "entra")
    assert cache.get("directory_a") == "okta"  # now the most recently used
    cache.put("directory_c", "ping")
    assert cache.get("directory_b") is None
    assert cache.get("directory_a") == "okta"
    assert cache.get("directory_c") == "ping"
