"""Directory administration: create, list, update, delete, rotate the SCIM token.

Tokens are returned only by the call that creates them and stored only as SHA-256
hashes; webhook secrets are stored encrypted (``secrets_box``).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection

from scimbridge import ids
from scimbridge.clock import isoformat
from scimbridge.connectors import registry
from scimbridge.connectors.base import SourceError
from scimbridge.directory.attribute_map import (
    MAX_NAME_LENGTH,
    AttributeMapError,
    check_attribute_map,
)
from scimbridge.directory.deprovision import DEPROVISION_POLICIES, default_policy
from scimbridge.directory.models import DirectoryRecord
from scimbridge.directory.normalize import effective_attribute_map
from scimbridge.errors import InvalidRequest, NotFound, ProviderNotAvailable
from scimbridge.runtime import Runtime
from scimbridge.services import audit, cursors, webhook_urls
from scimbridge.services.audit import Actor
from scimbridge.services.lookups import require_directory
from scimbridge.services.sync_runs import latest_run
from scimbridge.store import deliveries as delivery_store
from scimbridge.store import directories as store
from scimbridge.store import sync_runs as sync_store
from scimbridge.store import unit_of_work
from scimbridge.store.tables import PROVIDERS
from scimbridge.store.tables import PULL_PROVIDERS as PULL_PROVIDERS  # re-exported

# A pull provider is available once its connector is registered (``connectors.registry``):
# without one, a directory would look active, with a SCIM URL, and never receive data.


@dataclass(frozen=True)
class DirectoryInput:
    name: str
    tenant: str
    provider: str
    webhook_url: str | None = None
    webhook_secret: str | None = None
    attribute_map: dict[str, str] | None = None
    connection: dict[str, Any] | None = None
    deprovision_policy: str | None = None
    sync_interval_seconds: int | None = None
    guard_percent: int | None = None
    guard_min_users: int | None = None
    portal_attribute_allowlist: list[str] | None = None


def directory_identity(record: DirectoryRecord) -> dict[str, Any]:
    """The fields that name a directory, first in every view of one (API and console)."""
    return {
        "id": record.id,
        "name": record.name,
        "tenant": record.tenant,
        "provider": record.provider,
        "state": record.state,
    }


def directory_object(
    runtime: Runtime, connection: Connection, record: DirectoryRecord
) -> dict[str, Any]:
    user_count, group_count = store.resource_counts(connection, record.id)
    return {
        **directory_identity(record),
        "scim_base_url": runtime.scim_base_url(record.id),
        "webhook_url": record.webhook_url,
        "attribute_map": effective_attribute_map(record),
        "deprovision_policy": record.deprovision_policy,
        "portal_attribute_allowlist": list(record.portal_attribute_allowlist),
        "created_at": isoformat(record.created_at),
        "updated_at": isoformat(record.updated_at),
        "user_count": user_count,
        "group_count": group_count,
        "last_sync_at": isoformat(record.last_sync_at) if record.last_sync_at else None,
        "webhook_status": webhook_status(connection, record),
        **pull_fields(runtime, connection, record),
    }


def pull_fields(
    runtime: Runtime, connection: Connection, record: DirectoryRecord
) -> dict[str, Any]:
    """A pull directory's ``connection`` (secrets masked) and ``sync`` settings with its last
    run: extensions of the contract's directory object (README, "Pull sources")."""
    if record.provider not in PULL_PROVIDERS:
        return {}
    settings = sync_store.directory_settings(connection, record.id)
    if settings is None:
        return {}
    return {
        "connection": registry.masked_connection(
            record.provider, decrypted_connection(runtime, settings.connection_ciphertext)
        ),
        "sync": {
            "interval_seconds": settings.sync_interval_seconds,
            "guard_percent": settings.guard_percent,
            "guard_min_users": settings.guard_min_users,
            "last_run": latest_run(connection, record.id),
        },
    }


def webhook_status(connection: Connection, record: DirectoryRecord) -> dict[str, Any] | None:
    """Delivery health, an extension of the contract's directory object (see README)."""
    cursor = delivery_store.cursor_state(connection, record.id)
    if cursor is None or record.webhook_url is None:
        return None
    return {
        "state": cursor.state,
        "pending_events": max(0, record.last_sequence - int(cursor.last_acked_sequence)),
        "last_delivered_sequence": int(cursor.last_acked_sequence),
        "consecutive_failures": int(cursor.failures),
        "last_error": cursor.last_error,
        "next_attempt_at": isoformat(cursor.next_attempt_at) if cursor.failures else None,
    }


def available_providers() -> tuple[str, ...]:
    """The providers a directory can be created with today, in the contract's order."""
    registered = registry.registered_providers()
    return tuple(p for p in PROVIDERS if p not in PULL_PROVIDERS or p in registered)


def validate_provider(provider: str) -> str:
    available = ", ".join(available_providers())
    if provider not in PROVIDERS:
        raise InvalidRequest(f"provider must be one of {available}")
    if provider not in available_providers():
        pull = ", ".join(p for p in PROVIDERS if p in PULL_PROVIDERS)
        raise ProviderNotAvailable(
            f"provider {provider!r} is a pull source whose connector is not available yet "
            f"(pull sources: {pull}); available providers: {available}"
        )
    return provider


def validate_webhook_url(runtime: Runtime, url: str) -> str:
    """The same policy at save time as at delivery (``services.webhook_urls``)."""
    return webhook_urls.validate_webhook_url(
        url, allow_private=runtime.settings.webhook_allow_private
    )


def validate_webhook_secret(secret: str) -> str:
    """A Standard Webhooks secret: ``whsec_`` + base64 of 24 to 64 bytes."""
    if not secret.startswith("whsec_"):
        raise InvalidRequest("webhook_secret must look like whsec_<base64>")
    try:
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequest("webhook_secret must be whsec_ followed by base64") from None
    if not 24 <= len(key) <= 64:
        raise InvalidRequest("webhook_secret must encode 24 to 64 bytes")
    return secret


def validate_connection(provider: str, connection: object) -> dict[str, Any] | None:
    """A pull provider's ``connection``, checked by its connector; push providers have none."""
    connector = registry.connector_for(provider)
    if connector is None:
        if connection is not None:
            raise InvalidRequest(f"provider {provider!r} takes no connection")
        return None
    if connection is None:
        connection = {}
    if not isinstance(connection, dict):
        raise InvalidRequest("connection must be an object")
    try:
        return connector.validate_connection(connection)
    except (ValueError, SourceError) as error:  # connectors raise either for bad settings
        raise InvalidRequest(f"connection: {error}") from None


def initial_connection(provider: str, connection: object) -> dict[str, Any] | None:
    """The connection a directory is created with. A pull directory may be created
    without one (the console asks for it on the next page): when the connector cannot
    work from an empty connection (google, ldap), nothing is stored and the directory is
    not scheduled until a connection is saved (:func:`update_directory`)."""
    if connection is None and provider in PULL_PROVIDERS:
        try:
            return validate_connection(provider, None)
        except InvalidRequest:
            return None
    return validate_connection(provider, connection)


def decrypted_connection(runtime: Runtime, ciphertext: str | None) -> dict[str, Any]:
    """The stored connection in clear, for the engine only (never for an answer)."""
    if not ciphertext:
        return {}
    value = orjson.loads(runtime.secret_box.decrypt(ciphertext))
    return value if isinstance(value, dict) else {}


# Settings of a pull directory's schedule and mass-deletion guard, with their bounds (the
# database's CHECKs say the same): syncing more often than every 5 minutes would only
# spend the source's API quota.
SYNC_SETTINGS: dict[str, tuple[int, int]] = {
    "sync_interval_seconds": (300, 7 * 86400),
    "guard_percent": (0, 100),
    "guard_min_users": (0, 10_000_000),
}


def validate_sync_setting(key: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidRequest(f"{key} must be an integer from {low} to {high}")
    return value


def validate_deprovision_policy(policy: object) -> str:
    """``deactivate`` or ``delete`` (directory/deprovision.py says what each means)."""
    if policy not in DEPROVISION_POLICIES:
        raise InvalidRequest(f"deprovision_policy must be one of {', '.join(DEPROVISION_POLICIES)}")
    return str(policy)


def validate_attribute_map(mapping: dict[str, str]) -> dict[str, str]:
    """Every path must name a user attribute (``directory.attribute_map``): a typo is a 400."""
    try:
        return check_attribute_map(mapping)
    except AttributeMapError as error:
        raise InvalidRequest(str(error)) from None


MAX_PORTAL_ALLOWLIST = 50


def validate_portal_allowlist(names: object) -> list[str]:
    """The ``custom_attributes`` names the setup portal may map (issue 13 §4).

    Names follow the ``attribute_map`` key rules (``directory.attribute_map``); a short
    list, since each is one field of the portal's form.
    """
    if not isinstance(names, list) or len(names) > MAX_PORTAL_ALLOWLIST:
        raise InvalidRequest(
            f"portal_attribute_allowlist must be a list of at most {MAX_PORTAL_ALLOWLIST} names"
        )
    checked: list[str] = []
    for name in names:
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME_LENGTH:
            raise InvalidRequest(
                "portal_attribute_allowlist entries must be non-empty names of at most "
                f"{MAX_NAME_LENGTH} characters; got {name!r}"
            )
        if name not in checked:
            checked.append(name)
    return checked


def create_directory(runtime: Runtime, data: DirectoryInput, *, actor: Actor) -> dict[str, Any]:
    validate_provider(data.provider)
    policy = validate_deprovision_policy(
        default_policy(data.provider)
        if data.deprovision_policy is None
        else data.deprovision_policy
    )
    if not data.name.strip() or not data.tenant.strip():
        raise InvalidRequest("name and tenant must not be empty")
    sync_values = {
        key: validate_sync_setting(key, getattr(data, key), low, high)
        for key, (low, high) in SYNC_SETTINGS.items()
        if getattr(data, key) is not None
    }
    webhook_url = validate_webhook_url(runtime, data.webhook_url) if data.webhook_url else None
    generated_secret = None
    secret = validate_webhook_secret(data.webhook_secret) if data.webhook_secret else None
    if webhook_url and secret is None:
        secret = generated_secret = ids.webhook_secret()
    token = ids.scim_token()
    directory_id = ids.directory_id()
    box = runtime.secret_box
    checked_connection = initial_connection(data.provider, data.connection)
    with unit_of_work.write(runtime.engine) as connection:
        store.insert_directory(
            connection,
            directory_id=directory_id,
            name=data.name.strip(),
            tenant=data.tenant.strip(),
            provider=data.provider,
            scim_token_hash=ids.hash_token(token),
            webhook_url=webhook_url,
            webhook_secret_ciphertext=box.encrypt(secret) if secret else None,
            attribute_map=validate_attribute_map(data.attribute_map or {}),
            connection_ciphertext=_encrypt_json(runtime, checked_connection),
            now=runtime.clock.now(),
            deprovision_policy=policy,
            portal_attribute_allowlist=validate_portal_allowlist(
                data.portal_attribute_allowlist or []
            ),
        )
        delivery_store.create_cursor(connection, directory_id, 0, runtime.clock.now())
        if sync_values:
            store.update_directory(connection, directory_id, sync_values)
        if data.provider in PULL_PROVIDERS and checked_connection is not None:
            sync_store.ensure_schedule(connection, directory_id, runtime.clock.now())
        record = require_directory(connection, directory_id)
        audit.record(
            connection,
            runtime.clock.now(),
            actor,
            "directory.created",
            directory_id=directory_id,
            details=audit.created_details(record, secret is not None, data.connection is not None),
        )
        body = directory_object(runtime, connection, record)
    body["scim_token"] = token
    if generated_secret:
        body["webhook_secret"] = generated_secret
    return body


def _encrypt_json(runtime: Runtime, value: dict[str, Any] | None) -> str | None:
    if value is None:
        return None
    return runtime.secret_box.encrypt(orjson.dumps(value).decode("utf-8"))


def get_directory(runtime: Runtime, directory_id: str) -> dict[str, Any]:
    with unit_of_work.read(runtime.engine) as connection:
        return directory_object(runtime, connection, require_directory(connection, directory_id))


def list_directories(
    runtime: Runtime, *, tenant: str | None, after: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    after = cursors.directory_cursor(after)
    with unit_of_work.read(runtime.engine) as connection:
        records = store.list_directories(connection, tenant=tenant, after=after, limit=limit + 1)
        page, next_after = cursors.split_page(records, limit)
        data = [directory_object(runtime, connection, r) for r in page]
    return data, next_after


def update_directory(
    runtime: Runtime, directory_id: str, changes: dict[str, Any], *, actor: Actor
) -> dict[str, Any]:
    """Apply a partial update; only the fields present in ``changes`` are touched."""
    values: dict[str, Any] = {}
    generated_secret = None
    for key in ("name", "tenant"):
        if key in changes:
            if not isinstance(changes[key], str) or not changes[key].strip():
                raise InvalidRequest(f"{key} must be a non-empty string")
            values[key] = changes[key].strip()
    if "state" in changes:
        if changes["state"] not in ("active", "inactive"):
            raise InvalidRequest("state can be set to active or inactive")
        values["state"] = changes["state"]
    if "deprovision_policy" in changes:
        values["deprovision_policy"] = validate_deprovision_policy(changes["deprovision_policy"])
    if "attribute_map" in changes:
        values["attribute_map"] = validate_attribute_map(dict(changes["attribute_map"] or {}))
    for key, (low, high) in SYNC_SETTINGS.items():
        if changes.get(key) is not None:
            values[key] = validate_sync_setting(key, changes[key], low, high)
    if "portal_attribute_allowlist" in changes:
        allowlist = changes["portal_attribute_allowlist"] or []
        values["portal_attribute_allowlist"] = validate_portal_allowlist(allowlist)
    if changes.get("webhook_url"):
        # Before the transaction: resolving the host must not hold the write lock.
        validate_webhook_url(runtime, changes["webhook_url"])
    with unit_of_work.write(runtime.engine) as connection:
        current = require_directory(connection, directory_id)
        now = runtime.clock.now()
        if "connection" in changes:
            stored = sync_store.directory_settings(connection, directory_id)
            previous = decrypted_connection(
                runtime, stored.connection_ciphertext if stored else None
            )
            incoming = registry.unmasked_connection(
                current.provider, changes["connection"], previous
            )
            checked = validate_connection(current.provider, incoming)
            values["connection_ciphertext"] = _encrypt_json(runtime, checked)
            if checked is not None:
                # The first connection of a directory created without one: due now.
                sync_store.ensure_schedule(connection, directory_id, now)
        if "webhook_url" in changes:
            url = changes["webhook_url"]
            values["webhook_url"] = url or None
            if url and current.webhook_url is None:
                # A webhook added now starts with new events; the history is in the feed.
                delivery_store.restart_cursor(connection, directory_id, current.last_sequence, now)
            elif url:
                delivery_store.resume_cursor(connection, directory_id, now)
            has_secret = store.webhook_secret_ciphertext(connection, directory_id) is not None
            if url and not has_secret and not changes.get("webhook_secret"):
                generated_secret = ids.webhook_secret()
                values["webhook_secret_ciphertext"] = runtime.secret_box.encrypt(generated_secret)
        if changes.get("webhook_secret"):
            secret = validate_webhook_secret(changes["webhook_secret"])
            values["webhook_secret_ciphertext"] = runtime.secret_box.encrypt(secret)
            delivery_store.resume_cursor(connection, directory_id, now)
        if values.get("state") == "active":
            delivery_store.resume_cursor(connection, directory_id, now)
        before = sync_store.directory_settings(connection, directory_id)
        sync_before = {key: getattr(before, key) for key in SYNC_SETTINGS} if before else None
        if values:
            values["updated_at"] = now
            store.update_directory(connection, current.id, values)
        audit.record(
            connection,
            runtime.clock.now(),
            actor,
            "directory.updated",
            directory_id=directory_id,
            details={"changed": audit.directory_changes(current, values, sync_before)},
        )
        body = directory_object(runtime, connection, require_directory(connection, directory_id))
    if generated_secret:
        body["webhook_secret"] = generated_secret
    return body


def delete_directory(runtime: Runtime, directory_id: str, *, actor: Actor) -> None:
    with unit_of_work.write(runtime.engine) as connection:
        current = require_directory(connection, directory_id)
        store.delete_directory(connection, directory_id)
        audit.record(
            connection,
            runtime.clock.now(),
            actor,
            "directory.deleted",
            directory_id=directory_id,
            details={"name": current.name, "tenant": current.tenant},
        )


def rotate_scim_token(runtime: Runtime, directory_id: str, *, actor: Actor) -> str:
    """A new SCIM token; the old one fails from the next request on (its hash is gone)."""
    with unit_of_work.write(runtime.engine) as connection:
        return rotate_scim_token_in(connection, runtime, directory_id, actor)


def rotate_scim_token_in(
    connection: Connection, runtime: Runtime, directory_id: str, actor: Actor
) -> str:
    """:func:`rotate_scim_token` inside the caller's transaction (the setup portal's too)."""
    token = ids.scim_token()
    updated = store.update_directory(
        connection,
        directory_id,
        {"scim_token_hash": ids.hash_token(token), "updated_at": runtime.clock.now()},
    )
    if not updated:
        raise NotFound(f"directory {directory_id} not found")
    audit.record(
        connection, runtime.clock.now(), actor, "scim_token.rotated", directory_id=directory_id
    )
    return token
