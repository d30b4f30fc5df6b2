"""Who did what: the actor of an admin action and the audit row that records it.

Every admin action (admin API, CLI, and later the console and the setup portal) calls
:func:`record` with the connection of its own write transaction, so an action and its
audit row commit together or not at all (``store/unit_of_work.py``). Rows never carry a
secret: a changed webhook secret or connection is recorded as ``"changed"`` only, and an
admin credential is named by a short fingerprint of its stored hash.
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import Connection

from scimbridge import ids
from scimbridge.clock import isoformat
from scimbridge.directory.models import DirectoryRecord
from scimbridge.observability.redact import redact_query
from scimbridge.runtime import Runtime
from scimbridge.services import cursors
from scimbridge.store import audit_log as store
from scimbridge.store import unit_of_work

CHANGED = "changed"
_AUDIT_IDS = ids.MonotonicIds("audit")
FINGERPRINT_LENGTH = 12


@dataclass(frozen=True)
class Actor:
    """``kind`` is one of ``admin_token``, ``cli``, ``setup_link``, ``session``."""

    kind: str
    id: str
    address: str | None = None

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.id}"


def admin_token_actor(token_hash: str, address: str | None) -> Actor:
    """The admin token, named by the first characters of its SHA-256 (not the token)."""
    return Actor("admin_token", token_hash[:FINGERPRINT_LENGTH], address)


def cli_actor() -> Actor:
    """The command line, named by the operating-system user that ran it."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        user = "unknown"
    return Actor("cli", user)


def setup_link_actor(link_id: str, address: str | None) -> Actor:
    return Actor("setup_link", link_id, address)


def record(
    connection: Connection,
    now: datetime,
    actor: Actor,
    action: str,
    *,
    directory_id: str | None = None,
    target_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one audit row inside the caller's transaction."""
    store.insert_entry(
        connection,
        entry_id=_AUDIT_IDS.new(),
        occurred_at=now,
        actor_kind=actor.kind,
        actor_id=actor.id[:200],
        action=action,
        directory_id=directory_id,
        target_id=target_id,
        details=details or {},
        address=actor.address,
    )


def list_audit_log(
    runtime: Runtime, *, after: str | None, limit: int, directory_id: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """A newest-first page; the cursor is the last entry's id, ``None`` on the last page."""
    with unit_of_work.read(runtime.engine) as connection:
        rows = store.list_entries(
            connection, after=after, limit=limit + 1, directory_id=directory_id
        )
    page, next_after = cursors.split_page(rows, limit)
    data = [
        {
            "id": row.id,
            "occurred_at": isoformat(row.occurred_at),
            "actor": {"kind": row.actor_kind, "id": row.actor_id},
            "action": row.action,
            "directory_id": row.directory_id,
            "target_id": row.target_id,
            "details": row.details,
            "address": row.address,
        }
        for row in page
    ]
    return data, next_after


# Columns whose values are secrets: the audit log says only that they changed.
_SECRET_COLUMNS = {
    "webhook_secret_ciphertext": "webhook_secret",
    "connection_ciphertext": "connection",
}


def directory_changes(
    current: DirectoryRecord, values: dict[str, Any], previous: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """``{field: {"old", "new"}}`` for plain fields, ``{field: "changed"}`` for secrets.
    ``previous`` holds the old values of columns the record does not carry (a pull
    directory's sync settings)."""
    changed: dict[str, Any] = {}
    for column, new in values.items():
        if column == "updated_at":
            continue
        if column in _SECRET_COLUMNS:
            changed[_SECRET_COLUMNS[column]] = CHANGED
            continue
        old = previous[column] if previous and column in previous else getattr(current, column)
        if isinstance(old, tuple):  # portal_attribute_allowlist: a list once written
            old = list(old)
        if old != new:
            if column == "webhook_url":
                old, new = safe_url(old), safe_url(new)
            changed[column] = {"old": old, "new": new}
    return changed


def safe_url(url: str | None) -> str | None:
    """A webhook URL with secret-named query parameters (``?token=…``) redacted.

    Credentials in the authority are refused when the URL is set, but a receiver may
    still authenticate by a query parameter, which must not reach the audit log.
    """
    if not url:
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=redact_query(parts.query) or ""))


def created_details(
    record: DirectoryRecord, has_secret: bool, has_connection: bool
) -> dict[str, Any]:
    details: dict[str, Any] = {
        "name": record.name,
        "tenant": record.tenant,
        "provider": record.provider,
        "webhook_url": safe_url(record.webhook_url),
    }
    if has_secret:
        details["webhook_secret"] = CHANGED
    if has_connection:
        details["connection"] = CHANGED
    return details
