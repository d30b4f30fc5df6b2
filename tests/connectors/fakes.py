"""An in-memory pull source and a runtime for engine tests (the real connectors have their
own tests against a fake Google API and a real slapd; the engine needs only the protocol)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Engine, select

from scimbridge.bootstrap import ensure_credentials
from scimbridge.clock import SystemClock
from scimbridge.connectors.base import SourceError, SourceGroup, SourceUser
from scimbridge.runtime import Runtime
from scimbridge.services import directories as directory_service
from scimbridge.store import unit_of_work
from scimbridge.store.tables import events
from tests.conftest import make_settings
from tests.support.runtime import TEST_ACTOR


def person(n: int, **overrides: Any) -> SourceUser:
    resource: dict[str, Any] = {
        "userName": f"user{n}@example.com",
        "name": {"givenName": f"Given{n}", "familyName": f"Family{n}"},
        "emails": [{"value": f"user{n}@example.com", "type": "work", "primary": True}],
        "active": True,
        **overrides,
    }
    return SourceUser(f"src-{n:05d}", resource)


def team(n: int, **overrides: Any) -> SourceGroup:
    return SourceGroup(f"grp-{n:03d}", {"displayName": f"Team {n}", **overrides})


@dataclass
class FakeSource:
    """Yields what it is given; ``fail_after`` users raises ``failure`` mid-stream."""

    people: list[SourceUser] = field(default_factory=list)
    teams: list[SourceGroup] = field(default_factory=list)
    membership: dict[str, list[str]] = field(default_factory=dict)
    fail_after: int | None = None
    failure: SourceError = field(
        default_factory=lambda: SourceError("unreachable", "the source went away")
    )
    pages: int = 0
    closed: bool = False

    def users(self) -> Iterator[SourceUser]:
        for index, user in enumerate(self.people):
            if self.fail_after is not None and index >= self.fail_after:
                raise self.failure
            if index % 100 == 0:
                self.pages += 1
            yield user

    def groups(self) -> Iterator[SourceGroup]:
        self.pages += 1
        yield from self.teams

    def members(self, group: SourceGroup) -> Iterator[str]:
        self.pages += 1
        yield from self.membership.get(group.source_id, [])

    @property
    def pages_fetched(self) -> int:
        return self.pages

    def close(self) -> None:
        self.closed = True


def make_runtime(engine: Engine, database_url: str, **settings: Any) -> Runtime:
    config = make_settings(database_url, **settings)
    credentials = ensure_credentials(config, engine)
    return Runtime(
        settings=config,
        engine=engine,
        clock=SystemClock(),
        admin_token_hash=credentials.admin_token_hash,
        secret_box=credentials.box(),
        inline_database=False,
    )


def make_pull_directory(runtime: Runtime, provider: str = "csv", **fields: Any) -> str:
    body = directory_service.create_directory(
        runtime,
        directory_service.DirectoryInput(name="Pull", tenant="pull", provider=provider, **fields),
        actor=TEST_ACTOR,
    )
    return str(body["id"])


def stored_events(engine: Engine, directory_id: str) -> list[dict[str, Any]]:
    with unit_of_work.read(engine) as connection:
        bodies = connection.execute(
            select(events.c.body)
            .where(events.c.directory_id == directory_id)
            .order_by(events.c.sequence)
        ).scalars()
        return [orjson.loads(body) for body in bodies]
