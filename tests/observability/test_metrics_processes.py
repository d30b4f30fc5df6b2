"""``/metrics`` with ``scimbridge serve --workers 2``: a scrape counts every process.

Before, each process exposed only its own counters, so a scrape answered by one worker
missed what the other served. Requests here each use a new connection, so the kernel
hands them to both processes; then every scrape, whichever process answers it, must
report all of them.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ADMIN_TOKEN
from tests.support.processes import serve_process

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
