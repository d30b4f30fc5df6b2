"""First-start set-up: schema, admin token and secret key.

The admin token is generated on the first start when ``SCIMBRIDGE_ADMIN_TOKEN`` is not
set, printed once by the CLI, and only its hash is kept (contract). The secret key that
encrypts webhook secrets is generated and kept in the database unless
``SCIMBRIDGE_SECRET_KEY`` provides one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import Engine

from scimbridge import ids
from scimbridge.clock import utc_now
from scimbridge.config import Settings
from scimbridge.services import audit
from scimbridge.store import app_settings, migrate, unit_of_work

# Names of rows in app_settings, not secrets.
ADMIN_TOKEN_HASH = "admin_token_hash"  # noqa: S105
SECRET_KEY = "secret_key"  # noqa: S105


@dataclass(frozen=True)
class Credentials:
    admin_token_hash: str
    secret_key: str
    new_admin_token: str | None  # set only on the start that generated it


def ensure_schema(settings: Settings) -> None:
    migrate.upgrade(settings.database_url)


def ensure_credentials(settings: Settings, engine: Engine) -> Credentials:
    with unit_of_work.write(engine) as connection:
        new_token = None
        if settings.admin_token:
            admin_hash = ids.hash_token(settings.admin_token)
        else:
            candidate = ids.admin_token()
            admin_hash, created = app_settings.setting_or_create(
                connection, ADMIN_TOKEN_HASH, ids.hash_token(candidate)
            )
            new_token = candidate if created else None
        secret_key = settings.secret_key
        if not secret_key:
            secret_key, _ = app_settings.setting_or_create(
                connection, SECRET_KEY, secrets.token_urlsafe(32)
            )
    return Credentials(
        admin_token_hash=admin_hash, secret_key=secret_key, new_admin_token=new_token
    )


def reset_admin_token(engine: Engine, *, actor: audit.Actor) -> str:
    """A fresh admin token (``scimbridge admin-token --reset``); the old one stops working."""
    token = ids.admin_token()
    with unit_of_work.write(engine) as connection:
        app_settings.put_setting(connection, ADMIN_TOKEN_HASH, ids.hash_token(token))
        audit.record(connection, utc_now(), actor, "admin_token.reset")
    return token
