"""Rows written straight through the store, for tests below the services."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from scimbridge.store import directories, unit_of_work


def insert_directory(engine: Engine, directory_id: str, **overrides: Any) -> str:
    """A directory row with neutral values; ``overrides`` set any column argument."""
    values: dict[str, Any] = {
        "name": "Test",
        "tenant": "t",
        "provider": "generic",
        "scim_token_hash": f"hash-{directory_id}",
        "webhook_url": None,
        "webhook_secret_ciphertext": None,
        "attribute_map": {},
        "connection_ciphertext": None,
        "now": datetime.now(UTC),
        **overrides,
    }
    with unit_of_work.write(engine) as connection:
        directories.insert_directory(connection, directory_id=directory_id, **values)
    return directory_id
