"""Console sign-in sessions (issue 13 §3): admin token in, server-side session out.

The cookie carries a random value; the database keeps only its SHA-256 (like SCIM and
setup-link tokens), so a leaked database holds no usable session. Each row records the
admin credential *generation* (``bootstrap.admin_credential``) it was issued under:
``scimbridge admin-token --reset`` bumps the generation, and every session issued before
fails on its next request, on every process, with no restart. The CSRF token is derived
from the session value with HMAC (OWASP "synchronizer token" bound to the session): it
is per session, needs no storage, and cannot be computed from the stored hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from scimbridge.bootstrap import admin_credential
from scimbridge.errors import Unauthorized
from scimbridge.ids import hash_token
from scimbridge.runtime import Runtime
from scimbridge.services import audit
from scimbridge.store import admin_sessions as store
from scimbridge.store import unit_of_work

SESSION_LIFETIME = timedelta(hours=12)
COOKIE_NAME = "scimbridge_session"


@dataclass(frozen=True)
class ConsoleSession:
    """A live session: the cookie value (to derive the CSRF token) and its actor."""

    value: str
    actor: audit.Actor

    @property
    def csrf_token(self) -> str:
        return csrf_token_for(self.value)


def csrf_token_for(session_value: str) -> str:
    return hmac.new(session_value.encode(), b"scimbridge-console-csrf", hashlib.sha256).hexdigest()


def session_actor(id_hash: str, address: str | None) -> audit.Actor:
    """A session is named by a fingerprint of its stored hash, never the cookie."""
    return audit.Actor("session", id_hash[: audit.FINGERPRINT_LENGTH], address)


def _expected_admin_hash(runtime: Runtime) -> tuple[str | None, int]:
    credential = admin_credential(runtime.engine)
    if runtime.settings.admin_token:
        return runtime.admin_token_hash, credential.generation
    return credential.token_hash, credential.generation


def sign_in(runtime: Runtime, token: str, address: str | None) -> ConsoleSession:
    """A new session for the admin token, compared in constant time; audited."""
    expected, generation = _expected_admin_hash(runtime)
    if expected is None or not hmac.compare_digest(hash_token(token.strip()), expected):
        raise Unauthorized("that is not the admin token")
    value = secrets.token_urlsafe(32)
    id_hash = hash_token(value)
    actor = session_actor(id_hash, address)
    now = runtime.clock.now()
    with unit_of_work.write(runtime.engine) as connection:
        store.delete_ended(connection, now, generation)  # keeps the table small
        store.insert_session(
            connection,
            id_hash=id_hash,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
            admin_generation=generation,
            address=address,
        )
        audit.record(connection, now, actor, "console.signed_in")
    return ConsoleSession(value, actor)


def resolve(runtime: Runtime, value: str | None, address: str | None) -> ConsoleSession | None:
    """The live session of a cookie value, or ``None`` (unknown, expired, or reset)."""
    if not value:
        return None
    id_hash = hash_token(value)
    with unit_of_work.read(runtime.engine) as connection:
        row = store.get_session(connection, id_hash)
    if row is None or row.expires_at <= runtime.clock.now():
        return None
    if row.admin_generation != admin_credential(runtime.engine).generation:
        return None
    return ConsoleSession(value, session_actor(id_hash, address))


def sign_out(runtime: Runtime, session: ConsoleSession) -> None:
    with unit_of_work.write(runtime.engine) as connection:
        store.delete_session(connection, hash_token(session.value))
        audit.record(connection, runtime.clock.now(), session.actor, "console.signed_out")


def csrf_matches(session: ConsoleSession, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(session.csrf_token, submitted or "")
