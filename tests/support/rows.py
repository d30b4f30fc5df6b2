"""Rows written straight through the store, for tests below the services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from scimbridge.store import admin_sessions, directories, sync_runs, unit_of_work


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


def insert_session(engine: Engine, id_hash: str, *, expires_at: datetime) -> None:
    """A console session row (only its hash), ending at ``expires_at``."""
    with unit_of_work.write(engine) as connection:
        admin_sessions.insert_session(
            connection,
            id_hash=id_hash,
            created_at=expires_at - timedelta(hours=12),
            expires_at=expires_at,
            admin_generation=1,
            address=None,
        )


def insert_sync_run(
    engine: Engine, directory_id: str, run_id: str, outcome: str, *, staged: int
) -> None:
    """A pull run with ``outcome`` and ``staged`` staged user rows, as a run leaves them."""
    with unit_of_work.write(engine) as connection:
        sync_runs.insert_run(
            connection,
            run_id=run_id,
            directory_id=directory_id,
            trigger="manual",
            mode="snapshot",
            now=datetime.now(UTC),
        )
        sync_runs.stage_rows(
            connection,
            [
                {
                    "run_id": run_id,
                    "kind": "user",
                    "source_id": f"u{index}",
                    "member_id": "",
                    "active": True,
                    "resource": {"userName": f"u{index}"},
                }
                for index in range(staged)
            ],
        )
        if outcome != "running":
            sync_runs.update_run(connection, run_id, {"outcome": outcome})
