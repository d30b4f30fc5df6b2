"""Shared fixtures: both databases, a running server per database, clients and builders.

Database-backed tests run twice, on SQLite and on a real PostgreSQL server started for
the session (``tests/support/postgres.py``). Each test that needs a private database gets
a freshly migrated one (copied from a migrated template, so it is cheap); black-box HTTP
tests share one running server per database and isolate themselves by creating their own
directories, as two customers of one deployment would.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine

from scimbridge.config import Settings
from scimbridge.store import migrate
from scimbridge.store.engine import create_db_engine
from tests.support.clients import Directory, create_directory, scim_client
from tests.support.postgres import create_database, postgres_server

if TYPE_CHECKING:
    from tests.support.server import RunningServer

# Data generation of the recursive filter strategies is slow on a loaded 2-core CI
# machine; Hypothesis's too_slow health check then fails a test whose property holds.
settings.register_profile("scimbridge", suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("scimbridge")

ADMIN_TOKEN = "sbadm_test-admin-token"
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def postgres_template(postgres_admin_url: str) -> str:
    """A database migrated to head, used as the template of every test database."""
    url = create_database(postgres_admin_url)
    migrate.upgrade(url)
    return url.rsplit("/", 1)[1]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


class DatabaseFactory:
    """Makes fresh migrated databases of one backend."""

    def __init__(self, backend: str, request: pytest.FixtureRequest, tmp: Path) -> None:
        self.backend = backend
        self._request = request
        self._tmp = tmp
        self._count = 0

    def new_url(self) -> str:
        self._count += 1
        if self.backend == "sqlite":
            template: Path = self._request.getfixturevalue("sqlite_template")
            path = self._tmp / f"db{self._count}.db"
            shutil.copy(template, path)
            return f"sqlite:///{path}"
        admin_url = self._request.getfixturevalue("postgres_admin_url")
        return create_database(
            admin_url, template=self._request.getfixturevalue("postgres_template")
        )

    def empty_url(self) -> str:
        """An unmigrated database (for migration tests)."""
        self._count += 1
        if self.backend == "sqlite":
            return f"sqlite:///{self._tmp / f'empty{self._count}.db'}"
        return create_database(self._request.getfixturevalue("postgres_admin_url"))


@pytest.fixture(params=BACKENDS)
def databases(request: pytest.FixtureRequest, tmp_path: Path) -> DatabaseFactory:
    return DatabaseFactory(request.param, request, tmp_path)


@pytest.fixture
def database_url(databases: DatabaseFactory) -> str:
    return databases.new_url()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "admin_token": ADMIN_TOKEN,
        "secret_key": "test-secret-key",
        "webhook_allow_private": True,
        # The 75-hour retry schedule compressed ~500x: 5 s → 10 ms, 5 min → 0.6 s.
        "webhook_retry_scale": 0.002,
        "worker_poll_interval": 0.2,
        # The suite's shared servers see many unknown setup links from one address (the
        # fuzzers, the portal's error pages); the limit has tests of its own.
        "portal_failed_lookups_per_minute": 0,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path_factory.mktemp("server-db") / "server.db"
        shutil.copy(template, path)
        url = f"sqlite:///{path}"
    else:
        url = create_database(
            request.getfixturevalue("postgres_admin_url"),
            template=request.getfixturevalue("postgres_template"),
        )
    from tests.support.server import running_server  # imports the whole app

    with running_server(make_settings(url)) as running:
        yield running


@pytest.fixture
def admin(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=server.base_url,
        headers={"Authorization": f"Bearer {server.admin_token}"},
        timeout=30,
    ) as client:
        yield client


@pytest.fixture
def directory(admin: httpx.Client) -> Directory:
    return create_directory(admin)


@pytest.fixture
def scim(directory: Directory) -> Iterator[httpx.Client]:
    with scim_client(directory) as client:
        yield client
