"""What the customer's setup portal shows and changes, scoped to one setup link.

Every function resolves the link first (``setup_links.resolve_setup_link``) in its own
transaction, so an unknown, expired or revoked link reads and changes nothing, and every
read is scoped to the link's directory: a link can never show another directory's data.

The IT admin may edit only the ``attribute_map`` keys the SaaS team put on the
directory's ``portal_attribute_allowlist``; the rest of the map is neither shown nor
changed. A change is validated like the admin API's (``validate_attribute_map``) and
audited as the setup link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from scimbridge.directory.models import DirectoryRecord
from scimbridge.directory.normalize import (
    DEFAULT_ATTRIBUTE_MAP,
    custom_attributes,
    effective_attribute_map,
    user_object,
)
from scimbridge.errors import InvalidRequest
from scimbridge.runtime import Runtime
from scimbridge.services import audit
from scimbridge.services.directories import validate_attribute_map
from scimbridge.services.operations_log import summary
from scimbridge.services.setup_links import SetupLink, connection_status, resolve_setup_link
from scimbridge.store import directories as directory_store
from scimbridge.store import portal_reads, unit_of_work
from scimbridge.store import request_log as request_log_store

LOG_PAGE = 25


@dataclass(frozen=True)
class PortalView:
    link: SetupLink
    directory: DirectoryRecord
    scim_base_url: str
    connection: dict[str, Any]
    allowed: dict[str, str]  # allowed key → the path it reads now ("" when unmapped)
    defaults: dict[str, str]  # allowed key → the built-in path an empty field falls back to
    preview: dict[str, Any] | None


def _allowed(record: DirectoryRecord) -> dict[str, str]:
    effective = effective_attribute_map(record)
    return {key: effective.get(key, "") for key in record.portal_attribute_allowlist}


def _preview(connection: Connection, record: DirectoryRecord) -> dict[str, Any] | None:
    """The newest user of the directory as the SaaS app receives it (bounded: one seek)."""
    if not record.portal_attribute_allowlist:
        return None
    user = portal_reads.latest_user(connection, record.id)
    if user is None:
        return None
    shown = user_object(user, record, [])
    allowed_map = {
        key: path
        for key, path in effective_attribute_map(record).items()
        if key in record.portal_attribute_allowlist
    }
    return {
        "username": shown["username"],
        "display_name": shown["display_name"],
        "custom_attributes": custom_attributes(user.attributes, allowed_map),
        "created_at": shown["created_at"],
    }


def _view(runtime: Runtime, connection: Connection, token: str, now: datetime) -> PortalView:
    link, record = resolve_setup_link(connection, token, now)
    return PortalView(
        link=link,
        directory=record,
        scim_base_url=runtime.scim_base_url(record.id),
        connection=connection_status(connection, record.id, now),
        allowed=_allowed(record),
        defaults={
            key: DEFAULT_ATTRIBUTE_MAP[key]
            for key in record.portal_attribute_allowlist
            if key in DEFAULT_ATTRIBUTE_MAP
        },
        preview=_preview(connection, record),
    )


def portal_view(runtime: Runtime, token: str) -> PortalView:
    """Everything the portal page shows, in one read transaction."""
    with unit_of_work.read(runtime.engine) as connection:
        return _view(runtime, connection, token, runtime.clock.now())


def portal_link(runtime: Runtime, token: str) -> SetupLink:
    """The link alone (raises for an unknown, expired or revoked one)."""
    with unit_of_work.read(runtime.engine) as connection:
        link, _ = resolve_setup_link(connection, token, runtime.clock.now())
    return link


def portal_requests(
    runtime: Runtime, token: str, *, after: str | None, limit: int = LOG_PAGE
) -> dict[str, Any]:
    """The newest requests of the link's directory (summaries, no bodies) and its status.

    ``after`` pages back as the admin API does; the portal's poller asks for the newest
    page each time and adds the rows it has not shown yet.
    """
    now = runtime.clock.now()
    with unit_of_work.read(runtime.engine) as connection:
        _, record = resolve_setup_link(connection, token, now)
        rows = request_log_store.list_requests(
            connection, record.id, after=after, limit=max(1, min(limit, 100))
        )
        status = connection_status(connection, record.id, now)
    return {
        "provider": record.provider,
        "connection": status,
        "data": [summary(row) for row in rows],
    }


def map_attributes(
    runtime: Runtime, token: str, values: dict[str, str], address: str | None
) -> PortalView:
    """Set the allowed keys of the directory's ``attribute_map``.

    An empty path removes the directory's own entry, so the key reads its built-in
    default (``normalize.DEFAULT_ATTRIBUTE_MAP``) if it has one, and nothing otherwise.

    A key outside the allow-list is refused (400), so a forged form cannot reach the
    rest of the map.
    """
    now = runtime.clock.now()
    with unit_of_work.write(runtime.engine) as connection:
        link, record = resolve_setup_link(connection, token, now)
        allowed = record.portal_attribute_allowlist
        refused = sorted(set(values) - set(allowed))
        if refused:
            raise InvalidRequest(f"these attributes may not be mapped here: {', '.join(refused)}")
        mapping = dict(record.attribute_map)
        for key, path in values.items():
            if path.strip():
                mapping[key] = path.strip()
            else:
                mapping.pop(key, None)
        mapping = validate_attribute_map(mapping)
        if mapping != record.attribute_map:
            directory_store.update_directory(
                connection, record.id, {"attribute_map": mapping, "updated_at": now}
            )
            audit.record(
                connection,
                now,
                audit.setup_link_actor(link.id, address),
                "directory.updated",
                directory_id=record.id,
                details={
                    "changed": {
                        "attribute_map": {
                            key: {"old": record.attribute_map.get(key), "new": mapping.get(key)}
                            for key in sorted(values)
                            if record.attribute_map.get(key) != mapping.get(key)
                        }
                    }
                },
            )
        return _view(runtime, connection, token, now)
