"""Per-process runtime state, built once at start-up and passed to every service."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from scimbridge.clock import Clock
from scimbridge.config import Settings
from scimbridge.events.signal import CommitSignal
from scimbridge.secrets_box import SecretBox


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine
    clock: Clock
    admin_token_hash: str
    secret_box: SecretBox
    signal: CommitSignal = field(default_factory=CommitSignal)
    extras: dict[str, Any] = field(default_factory=dict)

    def scim_base_url(self, directory_id: str) -> str:
        return f"{self.settings.base_url()}/scim/v2/{directory_id}"
