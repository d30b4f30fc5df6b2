"""``/metrics`` with ``scimbridge serve --workers 2``: a scrape counts every process.

Before, each process exposed only its own counters, so a scrape answered by one worker
missed what the other served. Requests here each use a new connection, so the kernel
hands them to both processes; then every scrape, whichever process answers it, must
report all of them.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ADMIN_TOKEN
from tests.factories import user_resource
from tests.support.clients import create_directory, scim_client
from tests.support.postgres import free_port
from tests.support.processes import serve_process, worker_process
from tests.support.receiver import webhook_receiver

pytestmark = pytest.mark.slow

REQUESTS = 60


def healthz_count(base_url: str) -> float:
    text = httpx.get(f"{base_url}/metrics", timeout=10).text
    return sum(
        item.value
        for family in text_string_to_metric_families(text)
        for item in family.samples
        if item.name == "scimbridge_http_requests_total" and item.labels.get("route") == "/healthz"
    )


def hit_healthz(base_url: str) -> None:
    def one(_: int) -> None:
        with httpx.Client(timeout=10) as client:  # a new connection per request
            assert client.get(f"{base_url}/healthz").status_code == 200

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(one, range(REQUESTS)))


def test_every_scrape_sums_both_worker_processes(database_url: str, tmp_path: Path) -> None:
    with serve_process(
        database_url, ADMIN_TOKEN, "--workers", "2", "--no-worker", log=tmp_path / "serve.log"
    ) as base_url:
        hit_healthz(base_url)
        scrapes = {healthz_count(base_url) for _ in range(12)}
    assert scrapes == {REQUESTS}


def test_an_operator_multiproc_dir_is_emptied_at_start_and_shared(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    metrics_dir = tmp_path / "prom"
    metrics_dir.mkdir()
    (metrics_dir / "counter_1.db").write_bytes(b"left over by an earlier run")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir))
    with serve_process(
        database_url, ADMIN_TOKEN, "--workers", "2", "--no-worker", log=tmp_path / "serve.log"
    ) as base_url:
        hit_healthz(base_url)
        assert healthz_count(base_url) == REQUESTS
        writers = {name for name in os.listdir(metrics_dir) if name.startswith("counter_")}
    assert "counter_1.db" not in writers
    assert len(writers) == 2  # both processes served and wrote their counters there


def test_a_standalone_worker_serves_its_delivery_counts(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    with (
        webhook_receiver() as receiver,
        serve_process(database_url, ADMIN_TOKEN, "--no-worker", log=tmp_path / "s.log") as url,
        worker_process(
            database_url, ADMIN_TOKEN, tmp_path / "w.log", extra=("--metrics-port", str(port))
        ),
    ):
        admin = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=30
        )
        directory = create_directory(admin, webhook_url=receiver.url)
        with scim_client(directory) as scim:
            scim.post("/Users", json=user_resource())
        receiver.wait_for(1)
        deadline = time.monotonic() + 30  # the worker counts once the answer is read
        while True:
            text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
            if 'outcome="success"' in text or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        served = httpx.get(f"{url}/metrics", timeout=10).text
        admin.close()
    assert 'scimbridge_webhook_deliveries_total{outcome="success"} 1.0' in text
    assert 'outcome="success"' not in served  # the server delivered nothing itself
