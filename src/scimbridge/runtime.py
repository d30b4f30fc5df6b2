"""Per-process runtime state, built once at start-up and passed to every service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import Engine

from scimbridge.clock import Clock
from scimbridge.config import Settings
from scimbridge.events.signal import CommitSignal
from scimbridge.secrets_box import SecretBox
from scimbridge.store import calls

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine
    clock: Clock
    admin_token_hash: str
    secret_box: SecretBox
    signal: CommitSignal = field(default_factory=CommitSignal)
    extras: dict[str, Any] = field(default_factory=dict)

    # Bounded database calls run on the event loop (see ``run_db``); set for SQLite only.
    inline_database: bool = False

    async def run_db(
        self, bounded: bool, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run a synchronous database call; ``bounded`` ones on the event loop on SQLite.

        See :mod:`scimbridge.store.calls`: calls that can touch unbounded rows (a page
        of a filter scan, a group's members, Bulk) always go to the thread pool, so no
        request stalls the others for long.
        """
        return await calls.run(bounded and self.inline_database, func, *args, **kwargs)

    def scim_base_url(self, directory_id: str) -> str:
        return f"{self.settings.base_url()}/scim/v2/{directory_id}"
