"""What the customer's setup portal shows and changes, scoped to one setup link.

Every function resolves the link first (``setup_links.resolve_setup_link``) in its own
transaction, so an unknown, expired or revoked link reads and changes nothing, and every
read is scoped to the link's directory: a link can never show another directory's data.

The IT admin may edit only the ``attribute_map`` keys the SaaS team put on the
directory's ``portal_attribute_allowlist``; the rest of the map is neither shown nor
changed. A change is validated like the admin API's (``validate_attribute_map``) and
audited as the setup link.

Two abuse limits (README "Customer setup portal"):

* **Probing** (:func:`lookup_guard`): lookups of an unknown, expired or revoked link are
  counted per client address; past ``SCIMBRIDGE_PORTAL_FAILED_LOOKUPS_PER_MINUTE`` the
  address gets 429 for every link, good ones included (otherwise a prober would still
  learn which guesses hit). The 256-bit token space makes guessing hopeless anyway; this
  keeps a scanner from costing a database probe per request and says "too many attempts"
  early. The count is kept in memory, per process (``ratelimit.SlidingWindow``): with N
  processes or replicas an address gets up to N times the limit, which is still far
  from useful against 256 bits, and needs no shared store.
* **SCIM token issuance** (:func:`issue_scim_token`): each issue rotates the directory's
  token, so a leaked link could keep the IdP disconnected by issuing in a loop. A link
  may issue ``SCIMBRIDGE_PORTAL_TOKEN_ISSUES_PER_HOUR`` tokens per hour, counted from
  its own ``scim_token.rotated`` audit rows in the issuing transaction, under a lock on
  the link's row: every replica sees the same count and two cannot both take the last
  one. No new column: the audit row already records each issue.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from scimbridge.directory.models import DirectoryRecord
from scimbridge.directory.normalize import (
    DEFAULT_ATTRIBUTE_MAP,
    custom_attributes,
    effective_attribute_map,
    user_object,
)
from scimbridge.errors import InvalidRequest, TooManyRequests
from scimbridge.ratelimit import SlidingWindow, retry_after, wait_seconds
from scimbridge.runtime import Runtime
from scimbridge.services import audit
from scimbridge.services.directories import rotate_scim_token_in, validate_attribute_map
from scimbridge.services.operations_log import summary
from scimbridge.services.setup_links import (
    SetupLink,
    SetupLinkExpired,
    SetupLinkNotFound,
    SetupLinkRevoked,
    connection_status,
    resolve_setup_link,
)
from scimbridge.store import audit_log as audit_store
from scimbridge.store import directories as directory_store
from scimbridge.store import portal_reads, unit_of_work
from scimbridge.store import request_log as request_log_store
from scimbridge.store import setup_links as link_store

LOG_PAGE = 25
# What a lookup of a link that cannot be used raises (404, 410, 410).
LINK_ERRORS = (SetupLinkNotFound, SetupLinkExpired, SetupLinkRevoked)
LOOKUP_WINDOW = 60.0
ISSUE_WINDOW = timedelta(hours=1)
ISSUE_ACTION = "scim_token.rotated"
_LIMITER_KEY = "setup_portal.failed_lookups"


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


class TooManyAttempts(TooManyRequests):
    """429 for an address that looked up too many unusable links (the page names it)."""

    code = "too_many_attempts"


def _lookup_limiter(runtime: Runtime) -> SlidingWindow | None:
    """This process's failed-lookup log, made on first use (``None``: limit switched off)."""
    limit = runtime.settings.portal_failed_lookups_per_minute
    if limit == 0:
        return None
    limiter = runtime.extras.get(_LIMITER_KEY)
    if limiter is None:
        made = SlidingWindow(limit, LOOKUP_WINDOW, clock=lambda: runtime.clock.now().timestamp())
        limiter = runtime.extras.setdefault(_LIMITER_KEY, made)
    assert isinstance(limiter, SlidingWindow)
    return limiter


@contextmanager
def lookup_guard(runtime: Runtime, address: str | None) -> Iterator[None]:
    """Around one portal request: refuse an address over the limit before any lookup,
    and count the request against it when the link turns out unusable."""
    limiter = _lookup_limiter(runtime)
    key = address or "unknown"
    if limiter is not None:
        wait = limiter.wait(key)
        if wait > 0:
            raise TooManyAttempts(
                "too many attempts with setup links that cannot be used; "
                f"try again in {retry_after(wait)} seconds",
                retry_after(wait),
            )
    try:
        yield
    except LINK_ERRORS:
        if limiter is not None:
            limiter.hit(key)
        raise


def issue_scim_token(runtime: Runtime, token: str, address: str | None) -> dict[str, Any]:
    """Issue (or rotate) the directory's SCIM token, audited as the setup link.

    Refused with 429 once the link issued its hourly allowance; ``Retry-After`` says when
    the oldest counted issue leaves the hour.
    """
    limit = runtime.settings.portal_token_issues_per_hour
    now = runtime.clock.now()
    with unit_of_work.write(runtime.engine) as connection:
        link, record = resolve_setup_link(connection, token, now)
        if limit:
            link_store.lock_link(connection, link.id)
            issued = audit_store.issued_since(
                connection,
                directory_id=record.id,
                actor_id=link.id,
                action=ISSUE_ACTION,
                since=now - ISSUE_WINDOW,
            )
            wait = wait_seconds(
                [moment.timestamp() for moment in issued],
                limit=limit,
                window=ISSUE_WINDOW.total_seconds(),
                now=now.timestamp(),
            )
            if wait > 0:
                minutes = -(-retry_after(wait) // 60)
                raise TooManyRequests(
                    f"this link issued {limit} SCIM tokens in the last hour, the most it "
                    f"may; try again in {minutes} minute{'s' if minutes != 1 else ''}, or "
                    "keep using the last token issued",
                    retry_after(wait),
                )
        actor = audit.setup_link_actor(link.id, address)
        scim_token = rotate_scim_token_in(connection, runtime, record.id, actor)
    return {"scim_token": scim_token, "scim_base_url": runtime.scim_base_url(record.id)}
