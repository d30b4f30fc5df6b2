"""A throwaway PostgreSQL server for the test session.

Uses ``SCIMBRIDGE_TEST_POSTGRES_URL`` when set (an existing server; each session creates
its own databases in it). Otherwise it runs ``initdb`` into a temporary folder and starts
``postgres`` on a free port bound to 127.0.0.1, as the ``postgres`` user when the suite
runs as root (PostgreSQL refuses to run as root), and stops it at the end.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg


def _bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


class PostgresCluster:
    """A private ``initdb`` cluster on 127.0.0.1 that a test may stop and start again.

    It keeps its data folder and port across :meth:`stop` and :meth:`start`, as a
    database server restarted by its operator does.
    """

    def __init__(self) -> None:
        initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
        if not initdb or not pg_ctl:
            raise RuntimeError(
                "PostgreSQL server binaries not found: install the 'postgresql' package "
                "(.ci/run does) or set SCIMBRIDGE_TEST_POSTGRES_URL"
            )
        self._pg_ctl = pg_ctl
        self.root = Path(tempfile.mkdtemp(prefix="scimbridge-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.root, user="postgres")
        self.data = self.root / "data"
        self.port = free_port()
        subprocess.run(
            _as_postgres(
                [initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync"]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        command = [self._pg_ctl, "-D", str(self.data), "-o", options]
        subprocess.run(
            _as_postgres([*command, "-l", str(self.root / "log"), "-w", "-t", "60", "start"]),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast`` ends every session, as a restart does)."""
        subprocess.run(
            _as_postgres([self._pg_ctl, "-D", str(self.data), "-m", mode, "-w", "stop"]),
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A started private cluster, removed at the end."""
    cluster = PostgresCluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yields an admin URL (``postgresql://user@127.0.0.1:port/postgres``)."""
    existing = os.environ.get("SCIMBRIDGE_TEST_POSTGRES_URL")
    if existing:
        yield existing
        return
    with postgres_cluster() as cluster:
        yield cluster.admin_url


def create_database(admin_url: str, template: str | None = None) -> str:
    """A new empty (or templated) database; returns its URL."""
    name = f"sb_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        suffix = f" TEMPLATE {template}" if template else ""
        for attempt in range(20):
            try:
                connection.execute(f'CREATE DATABASE "{name}"{suffix}')
                break
            except psycopg.errors.ObjectInUse:
                # The template is briefly in use by another session; retry.
                time.sleep(0.1 * (attempt + 1))
    return admin_url.rsplit("/", 1)[0] + f"/{name}"
