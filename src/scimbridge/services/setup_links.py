"""Customer setup links: create, list, revoke, and what the setup portal may do with one.

A setup link lets a customer's IT admin connect their IdP without the admin token. Its
token is ``sbsetup_`` + 32 random bytes (``ids.new_token``), shown once in the link URL
``{public_url}/setup/{token}`` and stored only as its SHA-256, like SCIM tokens; the
lookup is one unique-index probe by that hash, so its timing says nothing about valid
tokens. There are 256 bits to guess; the portal still limits failed lookups per address
and token issues per link (``services/setup_portal.py``), as hygiene. A link opens
exactly one directory (the one it was made for), expires (7 days unless 1-30 are asked
for) and can be revoked; an expired or revoked link answers 410 with a reason, an
unknown one 404, so the portal can tell the IT admin what to ask for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row

from scimbridge import ids
from scimbridge.clock import isoformat
from scimbridge.directory.models import DirectoryRecord
from scimbridge.errors import Gone, InvalidRequest, NotFound
from scimbridge.runtime import Runtime
from scimbridge.services import audit
from scimbridge.services.audit import Actor
from scimbridge.services.lookups import require_directory
from scimbridge.store import directories as directory_store
from scimbridge.store import request_log as request_log_store
from scimbridge.store import setup_links as store
from scimbridge.store import unit_of_work

TOKEN_PREFIX = "sbsetup"  # noqa: S105 (a prefix, not a secret)
DEFAULT_DAYS = 7
MAX_DAYS = 30
ERROR_WINDOW = timedelta(hours=1)


class SetupLinkNotFound(NotFound):
    code = "setup_link_not_found"


class SetupLinkExpired(Gone):
    code = "setup_link_expired"


class SetupLinkRevoked(Gone):
    code = "setup_link_revoked"


@dataclass(frozen=True)
class SetupLink:
    id: str
    directory_id: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    created_by: str

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if now >= self.expires_at else "active"

    def to_json(self, now: datetime) -> dict[str, Any]:
        return {
            "id": self.id,
            "directory_id": self.directory_id,
            "state": self.state(now),
            "created_at": isoformat(self.created_at),
            "expires_at": isoformat(self.expires_at),
            "revoked_at": isoformat(self.revoked_at) if self.revoked_at else None,
            "created_by": self.created_by,
        }


def _link(row: Row[Any]) -> SetupLink:
    return SetupLink(
        id=row.id,
        directory_id=row.directory_id,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        created_by=row.created_by,
    )


def create_setup_link(
    runtime: Runtime, directory_id: str, *, days: int = DEFAULT_DAYS, actor: Actor
) -> dict[str, Any]:
    """A new link; the response is the only place its token (inside ``url``) appears."""
    if not 1 <= days <= MAX_DAYS:
        raise InvalidRequest(f"expires_in_days must be between 1 and {MAX_DAYS}")
    token = ids.new_token(TOKEN_PREFIX)
    link_id = ids.new_id("setuplink")
    now = runtime.clock.now()
    expires_at = now + timedelta(days=days)
    with unit_of_work.write(runtime.engine) as connection:
        require_directory(connection, directory_id)
        store.insert_link(
            connection,
            link_id=link_id,
            directory_id=directory_id,
            token_hash=ids.hash_token(token),
            created_at=now,
            expires_at=expires_at,
            created_by=actor.label[:200],
        )
        audit.record(
            connection,
            now,
            actor,
            "setup_link.created",
            directory_id=directory_id,
            target_id=link_id,
            details={"expires_at": isoformat(expires_at)},
        )
    return {
        "id": link_id,
        "url": f"{runtime.settings.base_url()}/setup/{token}",
        "expires_at": isoformat(expires_at),
    }


def list_setup_links(runtime: Runtime, directory_id: str) -> list[dict[str, Any]]:
    """The directory's newest 100 links, active, expired and revoked (never a token)."""
    now = runtime.clock.now()
    with unit_of_work.read(runtime.engine) as connection:
        require_directory(connection, directory_id)
        return [_link(row).to_json(now) for row in store.list_links(connection, directory_id)]


def revoke_setup_link(
    runtime: Runtime, directory_id: str, link_id: str, *, actor: Actor
) -> dict[str, Any]:
    """Revoke a link at once; revoking a revoked link changes nothing and is not audited."""
    now = runtime.clock.now()
    with unit_of_work.write(runtime.engine) as connection:
        row = store.get_link(connection, directory_id, link_id)
        if row is None:
            raise NotFound(f"setup link {link_id} not found in directory {directory_id}")
        link = _link(row)
        if link.revoked_at is None:
            store.revoke_link(connection, directory_id, link_id, now)
            audit.record(
                connection,
                now,
                actor,
                "setup_link.revoked",
                directory_id=directory_id,
                target_id=link_id,
            )
            link = _replace_revoked(link, now)
    return link.to_json(now)


def _replace_revoked(link: SetupLink, now: datetime) -> SetupLink:
    return SetupLink(
        link.id, link.directory_id, link.created_at, link.expires_at, now, link.created_by
    )


def resolve_setup_link(
    connection: Connection, token: str, now: datetime
) -> tuple[SetupLink, DirectoryRecord]:
    """The link and its directory, or a clear error for an unknown, expired or revoked one.

    The portal's pages and JSON endpoints call this first, in their own transaction.
    """
    row = store.link_for_token_hash(connection, ids.hash_token(token))
    if row is None or not token.startswith(TOKEN_PREFIX + "_"):
        raise SetupLinkNotFound("this setup link does not exist; ask for a new one")
    link = _link(row)
    state = link.state(now)
    if state == "revoked":
        raise SetupLinkRevoked("this setup link was revoked; ask for a new one")
    if state == "expired":
        raise SetupLinkExpired("this setup link has expired; ask for a new one")
    record = directory_store.get_directory(connection, link.directory_id)
    if record is None:  # the row cascades away with its directory; a race at most
        raise SetupLinkNotFound("this setup link does not exist; ask for a new one")
    return link, record


CONNECTION_MESSAGES = {
    "waiting": "waiting for the first request",
    "receiving": "receiving",
    "errors": "errors in the last hour",
}


def connection_status(connection: Connection, directory_id: str, now: datetime) -> dict[str, Any]:
    """From the request log, with two index seeks (newest request, newest failure)."""
    last = request_log_store.latest_received_at(connection, directory_id)
    last_failure = request_log_store.latest_received_at(connection, directory_id, failed_only=True)
    if last is None:
        state = "waiting"
    elif last_failure is not None and last_failure >= now - ERROR_WINDOW:
        state = "errors"
    else:
        state = "receiving"
    return {
        "state": state,
        "message": CONNECTION_MESSAGES[state],
        "last_request_at": isoformat(last) if last else None,
        "last_error_at": isoformat(last_failure) if last_failure else None,
    }


def setup_status(runtime: Runtime, token: str) -> dict[str, Any]:
    """What the portal shows and polls: the directory, its SCIM URL, the connection."""
    now = runtime.clock.now()
    with unit_of_work.read(runtime.engine) as connection:
        link, record = resolve_setup_link(connection, token, now)
        status = connection_status(connection, record.id, now)
    return {
        "directory": {"id": record.id, "name": record.name, "provider": record.provider},
        "scim_base_url": runtime.scim_base_url(record.id),
        "expires_at": isoformat(link.expires_at),
        "connection": status,
    }
