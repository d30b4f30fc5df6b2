"""A service-level runtime on a real database, with a clock the test moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from scimbridge.runtime import Runtime
from scimbridge.secrets_box import SecretBox
from scimbridge.services import directories
from scimbridge.services.audit import Actor
from tests.conftest import ADMIN_TOKEN, make_settings

TEST_ACTOR = Actor("admin_token", "fingerprint0", "127.0.0.1")


class ManualClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


def make_runtime(engine: Engine, clock: ManualClock | None = None, **settings: Any) -> Runtime:
    from scimbridge.ids import hash_token

    return Runtime(
        settings=make_settings(engine.url.render_as_string(hide_password=False), **settings),
        engine=engine,
        clock=clock or ManualClock(),
        admin_token_hash=hash_token(ADMIN_TOKEN),
        secret_box=SecretBox("test-secret-key"),
    )


def new_directory(runtime: Runtime, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"name": "Acme", "tenant": "acme", "provider": "okta", **overrides}
    return directories.create_directory(
        runtime, directories.DirectoryInput(**values), actor=TEST_ACTOR
    )
