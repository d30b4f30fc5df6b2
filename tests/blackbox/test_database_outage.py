"""A database outage answers 503 with Retry-After, and the server recovers by itself.

PostgreSQL: a private cluster (not the session's shared one) is stopped under a running
server and started again; SQLite: another process holds the write lock past the
server's busy timeout. IdPs retry a 503 (RFC 9110 §15.6.4) where a 500 is a failed push.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from scimbridge.store import migrate
from tests.conftest import make_settings
from tests.factories import user_resource
from tests.support.assertions import assert_scim_error
from tests.support.clients import Directory, admin_client, create_directory, scim_client
from tests.support.postgres import PostgresCluster, create_database, postgres_cluster
from tests.support.server import running_server


@pytest.fixture
def cluster() -> Iterator[PostgresCluster]:
    with postgres_cluster() as started:
        yield started


def _assert_unavailable_scim(response: httpx.Response) -> None:
    assert_scim_error(response, 503)
    assert int(response.headers["Retry-After"]) > 0


def _assert_unavailable_admin(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "unavailable"
    assert int(response.headers["Retry-After"]) > 0


def test_postgresql_restart_answers_503_then_recovers(cluster: PostgresCluster) -> None:
    url = create_database(cluster.admin_url)
    migrate.upgrade(url)
    settings = make_settings(url, embedded_worker=False)
    with running_server(settings) as server, admin_client(server) as admin:
        directory = create_directory(admin)
        with scim_client(directory) as scim:
            created = scim.post("/Users", json=user_resource())
            assert created.status_code == 201, created.text

            cluster.stop()
            _assert_unavailable_scim(scim.get(f"/Users/{created.json()['id']}"))
            _assert_unavailable_scim(scim.post("/Users", json=user_resource()))
            _assert_unavailable_scim(scim.get("/Users", params={"filter": 'userName eq "x"'}))
            _assert_unavailable_admin(admin.get("/api/v1/directories"))
            ready = admin.get("/readyz")
            assert ready.status_code == 503, ready.text

            cluster.start()  # the same server process, no restart
            assert admin.get("/readyz").status_code == 200
            assert scim.get(f"/Users/{created.json()['id']}").status_code == 200
            assert scim.post("/Users", json=user_resource()).status_code == 201
            assert scim.get("/Users").json()["totalResults"] == 2
            assert admin.get("/api/v1/directories").status_code == 200


def test_sqlite_locked_past_busy_timeout_answers_503_then_recovers(
    sqlite_template: Path, tmp_path: Path
) -> None:
    path = tmp_path / "locked.db"
    path.write_bytes(sqlite_template.read_bytes())
    settings = make_settings(f"sqlite:///{path}", embedded_worker=False, sqlite_busy_timeout_ms=50)
    with running_server(settings) as server, admin_client(server) as admin:
        directory: Directory = create_directory(admin)
        with scim_client(directory) as scim:
            assert scim.post("/Users", json=user_resource()).status_code == 201
            holder = sqlite3.connect(path, isolation_level=None)
            try:
                holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
                _assert_unavailable_scim(scim.post("/Users", json=user_resource()))
                assert scim.get("/Users").status_code == 200  # WAL: readers go on
            finally:
                holder.execute("ROLLBACK")
                holder.close()
            assert scim.post("/Users", json=user_resource()).status_code == 201
            assert scim.get("/Users").json()["totalResults"] == 2
