"""First-start set-up: schema, admin token and secret key.

The admin token is generated on the first start when ``SCIMBRIDGE_ADMIN_TOKEN`` is not
set, printed once by the CLI, and only its hash is kept (contract). Requests read that
hash from the database (``admin_credential``), so ``scimbridge admin-token --reset``
takes effect at once on every process. The secret key that encrypts webhook secrets
lives outside the database (``secret_keys``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from scimbridge import ids, secret_keys
from scimbridge.clock import utc_now
from scimbridge.config import Settings
from scimbridge.errors import InvalidRequest
from scimbridge.secrets_box import SecretBox
from scimbridge.services import audit
from scimbridge.store import app_settings, migrate, unit_of_work

# Names of rows in app_settings, not secrets.
ADMIN_TOKEN_HASH = "admin_token_hash"  # noqa: S105
# Counts admin token resets: anything derived from the admin credential (a console
# session, say) records the generation it was issued under and ends when it changes.
ADMIN_TOKEN_GENERATION = "admin_token_generation"  # noqa: S105
SECRET_KEY = secret_keys.LEGACY_SECRET_KEY


@dataclass(frozen=True)
class Credentials:
    admin_token_hash: str
    secret_key: str
    new_admin_token: str | None  # set only on the start that generated it
    previous_secret_keys: tuple[str, ...] = ()

    def box(self) -> SecretBox:
        return SecretBox(self.secret_key, self.previous_secret_keys)


@dataclass(frozen=True)
class AdminCredential:
    token_hash: str | None
    generation: int


def ensure_schema(settings: Settings) -> None:
    migrate.upgrade(settings.database_url)


def ensure_credentials(settings: Settings, engine: Engine) -> Credentials:
    ring = secret_keys.load(settings, engine)
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
    return Credentials(
        admin_token_hash=admin_hash,
        secret_key=ring.keys[0],
        new_admin_token=new_token,
        previous_secret_keys=ring.keys[1:],
    )


def _read_admin_credential(connection: Connection) -> AdminCredential:
    found = app_settings.get_settings(connection, [ADMIN_TOKEN_HASH, ADMIN_TOKEN_GENERATION])
    return AdminCredential(
        token_hash=found.get(ADMIN_TOKEN_HASH),
        generation=int(found.get(ADMIN_TOKEN_GENERATION) or 0),
    )


def admin_credential(engine: Engine) -> AdminCredential:
    """The stored admin token hash and generation, read per request (one indexed query)."""
    with unit_of_work.read(engine) as connection:
        return _read_admin_credential(connection)


def reset_admin_token(
    engine: Engine, settings: Settings | None = None, *, actor: audit.Actor
) -> str:
    """A fresh admin token (``scimbridge admin-token --reset``); the old one stops working.

    Refused while ``SCIMBRIDGE_ADMIN_TOKEN`` pins the token: the stored hash is not the
    one in use then, and a reset that changes nothing would mislead the operator.
    """
    if settings is not None and settings.admin_token:
        raise InvalidRequest(
            "SCIMBRIDGE_ADMIN_TOKEN sets the admin token: change it there (and restart) "
            "instead of resetting it"
        )
    token = ids.admin_token()
    with unit_of_work.write(engine) as connection:
        generation = _read_admin_credential(connection).generation + 1
        app_settings.put_setting(connection, ADMIN_TOKEN_HASH, ids.hash_token(token))
        app_settings.put_setting(connection, ADMIN_TOKEN_GENERATION, str(generation))
        audit.record(connection, utc_now(), actor, "admin_token.reset")
    return token
