"""A fake Google Workspace: the OAuth token endpoint and the Directory API v1 list methods,
as a real HTTP server on 127.0.0.1.

Built from Google's published references, not from the connector:

* Token endpoint (``POST /token``): the JWT bearer grant of "Using OAuth 2.0 for Server
  to Server Applications" (RFC 7523): the assertion's RS256 signature is verified with
  the service account's public key, ``aud`` must be Google's token URL, ``exp`` in the future
  and at most an hour after ``iat``, ``sub`` an existing user, every requested ``scope``
  granted to the client under domain-wide delegation (else ``401 unauthorized_client``).
  The ``refresh_token`` grant of RFC 6749 §6 checks client id, secret and token.
* ``users.list``, ``groups.list``, ``members.list``: ``customer``, ``projection``,
  ``maxResults`` (documented maxima 500/200/200), opaque ``pageToken``/``nextPageToken``,
  ``includeDerivedMembership``; the resources carry the reference's field names.
* Errors in Google's JSON error body; the bearer token's scopes are checked per method
  (``403 insufficientPermissions``), a subject that is no admin gets ``403 forbidden``
  "Not Authorized to access this resource/api".

The HTTP side lives in ``tests/support/fake_google_server.py``; start it with
:func:`~tests.support.fake_google_server.fake_google`. Tests change the directory
between runs and queue faults (``429 rateLimitExceeded`` with ``Retry-After``, 5xx, slow
answers) with :meth:`FakeGoogle.fail`.
"""

from __future__ import annotations

import itertools
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

SCOPE = "https://www.googleapis.com/auth/"
USER_SCOPES = {SCOPE + "admin.directory.user.readonly", SCOPE + "admin.directory.user"}
GROUP_SCOPES = {SCOPE + "admin.directory.group.readonly", SCOPE + "admin.directory.group"}
MEMBER_SCOPES = GROUP_SCOPES | {
    SCOPE + "admin.directory.group.member.readonly",
    SCOPE + "admin.directory.group.member",
}
ALL_SCOPES = frozenset(
    SCOPE + s
    for s in (
        "admin.directory.user.readonly",
        "admin.directory.group.readonly",
        "admin.directory.group.member.readonly",
    )
)
# "When making an access token request this value is always
# https://oauth2.googleapis.com/token" (Server to Server Applications, JWT claim set).
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"
# google.rpc.Code names that Google's JSON errors carry in ``status``.
_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    503: "UNAVAILABLE",
}
_ids = itertools.count(100_000_000_000_000_000_001)


def google_error(code: int, message: str, reason: str, status: str) -> dict[str, Any]:
    """Google's JSON error body (Directory API "Standard error responses")."""
    return {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"message": message, "domain": "global", "reason": reason}],
            "status": status,
        }
    }


@dataclass
class Fault:
    status: int
    body: dict[str, Any] | None
    retry_after: str | None
    delay: float
    when: Callable[[str, dict[str, str], int], bool]
    times: int


@dataclass
class Logged:
    path: str
    query: dict[str, str]
    page: int
    status: int = 0


@dataclass
class FakeGoogle:
    """The state behind the server; tests read and change it between runs."""

    url: str = ""
    customer_id: str = "C03az79cb"
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    members: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    admins: set[str] = field(default_factory=set)
    # client_email → (public key, scopes granted under domain-wide delegation)
    service_accounts: dict[str, tuple[rsa.RSAPublicKey, set[str]]] = field(default_factory=dict)
    # refresh token → (client_id, client_secret, subject, granted scopes)
    refresh_tokens: dict[str, tuple[str, str, str, set[str]]] = field(default_factory=dict)
    tokens: dict[str, tuple[str, frozenset[str], float]] = field(default_factory=dict)
    page_tokens: dict[str, tuple[str, int, int]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    # users.list answers no users while the subject still signs in: what a source that
    # "lost" its users looks like to the engine (the mass-deletion guard's empty answer).
    empty_user_list: bool = False
    log: list[Logged] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def token_uri(self) -> str:
        return f"{self.url}/token"

    # -- building the directory ------------------------------------------------------
    def add_user(
        self, email: str, given: str = "Ada", family: str = "Lovelace", **extra: Any
    ) -> dict[str, Any]:
        user_id = str(next(_ids))
        user: dict[str, Any] = {
            "kind": "admin#directory#user",
            "id": user_id,
            "etag": f'"{secrets.token_hex(8)}"',
            "primaryEmail": email,
            "name": {"givenName": given, "familyName": family, "fullName": f"{given} {family}"},
            "isAdmin": False,
            "isDelegatedAdmin": False,
            "agreedToTerms": True,
            "suspended": False,
            "archived": False,
            "changePasswordAtNextLogin": False,
            "ipWhitelisted": False,
            "emails": [{"address": email, "primary": True}],
            "customerId": self.customer_id,
            "orgUnitPath": "/",
            "isMailboxSetup": True,
            "includeInGlobalAddressList": True,
            "creationTime": "2024-01-15T09:30:00.000Z",
            "lastLoginTime": "1970-01-01T00:00:00.000Z",
        }
        user.update(extra)
        with self.lock:
            self.users[user_id] = user
        return user

    def add_admin(self, email: str = "admin@example.com") -> dict[str, Any]:
        self.admins.add(email)
        return self.add_user(email, "Grace", "Hopper", isAdmin=True)

    def add_group(self, email: str, name: str, description: str = "") -> dict[str, Any]:
        group = {
            "kind": "admin#directory#group",
            "id": secrets.token_hex(8),
            "etag": f'"{secrets.token_hex(8)}"',
            "email": email,
            "name": name,
            "directMembersCount": "0",
            "description": description,
            "adminCreated": True,
        }
        with self.lock:
            self.groups[group["id"]] = group
            self.members[group["id"]] = []
        return group

    def add_member(
        self, group: dict[str, Any], member: dict[str, Any] | None, kind: str = "USER"
    ) -> None:
        entry = {
            "kind": "admin#directory#member",
            "etag": f'"{secrets.token_hex(8)}"',
            "id": member["id"] if member else self.customer_id,
            "role": "MEMBER",
            "type": kind,
            "status": "ACTIVE",
        }
        if member is not None:
            entry["email"] = member.get("primaryEmail") or member.get("email")
        with self.lock:
            self.members[group["id"]].append(entry)
            group["directMembersCount"] = str(len(self.members[group["id"]]))

    # -- credentials -----------------------------------------------------------------
    def service_account(
        self,
        key: rsa.RSAPrivateKey,
        scopes: frozenset[str] = ALL_SCOPES,
        email: str = "sync@proj.iam.gserviceaccount.com",
    ) -> dict[str, Any]:
        """Register ``key`` as the account's key (scopes granted by delegation) and
        return the JSON key file Google Cloud would download."""
        with self.lock:
            self.service_accounts[email] = (key.public_key(), set(scopes))
        return service_account_key(key, email, self.token_uri)

    def refresh_token(self, subject: str, scopes: frozenset[str] = ALL_SCOPES) -> dict[str, str]:
        client_id, secret, token = (
            f"{secrets.token_hex(6)}.apps.googleusercontent.com",
            secrets.token_hex(12),
            "1//" + secrets.token_urlsafe(24),
        )
        with self.lock:
            self.refresh_tokens[token] = (client_id, secret, subject, set(scopes))
        return {"client_id": client_id, "client_secret": secret, "refresh_token": token}

    # -- faults and the log ----------------------------------------------------------
    def fail(
        self,
        status: int,
        *,
        reason: str | None = None,
        retry_after: str | None = None,
        delay: float = 0.0,
        times: int = 1,
        path: str = "",
        page: int | None = None,
    ) -> None:
        """The next ``times`` requests whose path contains ``path`` (and, if given, that
        ask for page number ``page``, 0 = first) are answered with ``status`` (Google's
        error body with ``reason``), after ``delay`` seconds; ``200`` only delays."""
        body = None
        if status != 200:
            status_name = _STATUS_NAMES.get(status, "INTERNAL")
            body = google_error(
                status, reason or "Backend Error", reason or "backendError", status_name
            )
        with self.lock:
            self.faults.append(
                Fault(
                    status,
                    body,
                    retry_after,
                    delay,
                    lambda p, q, n: path in p and page in (None, n),
                    times,
                )
            )

    def pages(self, path: str) -> list[tuple[int, int]]:
        """(page number, status) of every request to a path containing ``path``."""
        with self.lock:
            return [(entry.page, entry.status) for entry in self.log if path in entry.path]


def service_account_key(key: rsa.RSAPrivateKey, email: str, token_uri: str) -> dict[str, Any]:
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return {
        "type": "service_account",
        "project_id": "proj",
        "private_key_id": secrets.token_hex(20),
        "private_key": pem,
        "client_email": email,
        "client_id": "10" + str(next(_ids)),
        "token_uri": token_uri,
    }


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)
