"""The fake Google's HTTP side: the token endpoint and the Directory API list methods
served from a :class:`~tests.support.fake_google.FakeGoogle` (see that module's notes for
the references each behaviour follows)."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from tests.support.fake_google import (
    GOOGLE_TOKEN_AUDIENCE,
    GROUP_SCOPES,
    MEMBER_SCOPES,
    USER_SCOPES,
    FakeGoogle,
    Fault,
    Logged,
    google_error,
)

_LISTS = {
    "users": (500, USER_SCOPES),
    "groups": (200, GROUP_SCOPES),
    "members": (200, MEMBER_SCOPES),
}


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class _Answer(Exception):
    def __init__(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


def _token_error(status: int, error: str, description: str) -> _Answer:
    return _Answer(status, {"error": error, "error_description": description})


def _verify_assertion(fake: FakeGoogle, assertion: str) -> tuple[str, set[str]]:
    """RFC 7523 §3 checks on the service account's JWT; returns (subject, scopes)."""
    try:
        header_b64, payload_b64, signature_b64 = assertion.split(".")
        header = json.loads(_b64url_decode(header_b64))
        claims = json.loads(_b64url_decode(payload_b64))
        signature = _b64url_decode(signature_b64)
    except ValueError as exc:
        raise _token_error(400, "invalid_grant", "Invalid JWT.") from exc
    if header.get("alg") != "RS256":
        raise _token_error(400, "invalid_grant", "Invalid JWT: algorithm must be RS256.")
    with fake.lock:
        account = fake.service_accounts.get(claims.get("iss", ""))
    if account is None:
        raise _token_error(400, "invalid_grant", "Invalid grant: account not found")
    public_key, granted = account
    try:
        public_key.verify(
            signature, f"{header_b64}.{payload_b64}".encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except InvalidSignature as exc:
        raise _token_error(400, "invalid_grant", "Invalid JWT Signature.") from exc
    now = time.time()
    exp, iat = claims.get("exp", 0), claims.get("iat", 0)
    if (
        claims.get("aud") != GOOGLE_TOKEN_AUDIENCE
        or not (iat - 300 <= now < exp)
        or exp - iat > 3600
    ):
        raise _token_error(
            400,
            "invalid_grant",
            "Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
            "reasonable timeframe.",
        )
    subject = claims.get("sub", "")
    with fake.lock:
        known = any(u["primaryEmail"] == subject for u in fake.users.values())
    if not known:
        raise _token_error(400, "invalid_grant", "Invalid email or User ID")
    scopes = set(str(claims.get("scope", "")).split())
    if not scopes or not scopes <= granted:
        raise _token_error(
            401,
            "unauthorized_client",
            "Client is unauthorized to retrieve access tokens using this method, or client "
            "not authorized for any of the scopes requested.",
        )
    return subject, scopes


def _token(fake: FakeGoogle, form: dict[str, str]) -> dict[str, Any]:
    grant = form.get("grant_type")
    if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
        subject, scopes = _verify_assertion(fake, form.get("assertion", ""))
    elif grant == "refresh_token":
        with fake.lock:
            known = fake.refresh_tokens.get(form.get("refresh_token", ""))
        if known is None or known[:2] != (form.get("client_id"), form.get("client_secret")):
            raise _token_error(400, "invalid_grant", "Token has been expired or revoked.")
        subject, scopes = known[2], known[3]
        asked = set(form.get("scope", "").split())
        if asked and not asked <= scopes:
            raise _token_error(400, "invalid_scope", "Bad Request")
        scopes = asked or scopes
    else:
        raise _token_error(400, "unsupported_grant_type", f"Invalid grant_type: {grant}")
    access = "ya29." + secrets.token_urlsafe(32)
    with fake.lock:
        fake.tokens[access] = (subject, frozenset(scopes), time.time() + 3599)
    return {"access_token": access, "expires_in": 3599, "token_type": "Bearer"}


def _authorize(fake: FakeGoogle, header: str | None, needed: set[str]) -> None:
    with fake.lock:
        known = fake.tokens.get((header or "").removeprefix("Bearer ").strip())
    if known is None or known[2] < time.time():
        raise _Answer(
            401,
            google_error(
                401,
                "Request had invalid authentication credentials.",
                "authError",
                "UNAUTHENTICATED",
            ),
        )
    subject, scopes, _ = known
    if not scopes & needed:
        raise _Answer(
            403,
            google_error(
                403,
                "Request had insufficient authentication scopes.",
                "insufficientPermissions",
                "PERMISSION_DENIED",
            ),
        )
    if subject not in fake.admins:
        raise _Answer(
            403,
            google_error(
                403, "Not Authorized to access this resource/api", "forbidden", "PERMISSION_DENIED"
            ),
        )


def _derived(fake: FakeGoogle, group_id: str, seen: set[str]) -> Iterator[dict[str, Any]]:
    """Direct members, then the members of nested groups (includeDerivedMembership)."""
    for member in fake.members.get(group_id, []):
        yield member
        if member["type"] == "GROUP" and member["id"] not in seen:
            seen.add(member["id"])
            yield from _derived(fake, member["id"], seen)


def _collection(
    fake: FakeGoogle, kind: str, group_id: str, query: dict[str, str]
) -> list[dict[str, Any]]:
    if kind == "members":
        if group_id not in fake.groups:
            raise _Answer(
                404, google_error(404, "Resource Not Found: groupKey", "notFound", "NOT_FOUND")
            )
        if query.get("includeDerivedMembership") == "true":
            unique: dict[tuple[str, str], dict[str, Any]] = {}
            for member in _derived(fake, group_id, {group_id}):
                unique.setdefault((member["type"], member["id"]), member)
            return list(unique.values())
        return list(fake.members[group_id])
    if query.get("customer") not in ("my_customer", fake.customer_id):
        raise _Answer(400, google_error(400, "Bad Request", "badRequest", "INVALID_ARGUMENT"))
    if kind == "groups":
        return list(fake.groups.values())
    if fake.empty_user_list:
        return []
    projection = query.get("projection", "basic")
    if projection == "full":
        return list(fake.users.values())
    return [{k: v for k, v in u.items() if k != "customSchemas"} for u in fake.users.values()]


def _list(fake: FakeGoogle, path: str, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
    parts = path.removeprefix("/admin/directory/v1/").split("/")
    kind = parts[-1]
    group_id = parts[1] if kind == "members" and len(parts) == 3 else ""
    if kind not in _LISTS or (kind == "members") != bool(group_id):
        raise _Answer(404, google_error(404, "Not Found", "notFound", "NOT_FOUND"))
    limit = _LISTS[kind][0]
    try:
        size = int(query.get("maxResults", str(limit if kind != "users" else 100)))
    except ValueError:
        size = 0
    if not 1 <= size <= limit:
        raise _Answer(
            400, google_error(400, "Invalid value for maxResults", "invalid", "INVALID_ARGUMENT")
        )
    derived = query.get("includeDerivedMembership", "")
    list_key = f"{kind}:{group_id}:{derived}:{query.get('projection', '')}"
    offset, page = 0, 0
    if "pageToken" in query:
        with fake.lock:
            known = fake.page_tokens.get(query["pageToken"])
        if known is None or known[0] != list_key:
            raise _Answer(
                400, google_error(400, "Invalid page token", "invalid", "INVALID_ARGUMENT")
            )
        _, offset, page = known
    with fake.lock:
        items = _collection(fake, kind, group_id, query)
    body: dict[str, Any] = {"kind": f"admin#directory#{kind}", "etag": f'"{secrets.token_hex(8)}"'}
    if items[offset : offset + size]:
        body[kind] = items[offset : offset + size]
    if offset + size < len(items):
        token = secrets.token_urlsafe(18)
        with fake.lock:
            fake.page_tokens[token] = (list_key, offset + size, page + 1)
        body["nextPageToken"] = token
    return page, body


def _handler(fake: FakeGoogle) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client timed out and left; nothing to answer

        def _fault(self, path: str, query: dict[str, str], page: int) -> Fault | None:
            with fake.lock:
                for fault in fake.faults:
                    if fault.times > 0 and fault.when(path, query, page):
                        fault.times -= 1
                        return fault
            return None

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            try:
                if urlsplit(self.path).path != "/token":
                    raise _Answer(404, google_error(404, "Not Found", "notFound", "NOT_FOUND"))
                self._send(200, _token(fake, form), {})
            except _Answer as answer:
                self._send(answer.status, answer.body, answer.headers)

        def do_GET(self) -> None:
            split = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(split.query).items()}
            with fake.lock:
                page = fake.page_tokens.get(query.get("pageToken", ""), ("", 0, 0))[2]
                entry = Logged(split.path, query, page)
                fake.log.append(entry)
            try:
                fault = self._fault(split.path, query, page)
                if fault is not None:
                    time.sleep(fault.delay)
                    if fault.body is not None:
                        extra = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                        raise _Answer(fault.status, fault.body, extra)
                _authorize(
                    fake,
                    self.headers.get("Authorization"),
                    _LISTS.get(split.path.rsplit("/", 1)[-1], (0, set()))[1],
                )
                _, body = _list(fake, split.path, query)
                entry.status = 200
                self._send(200, body, {})
            except _Answer as answer:
                entry.status = answer.status
                self._send(answer.status, answer.body, answer.headers)

    return Handler


@contextmanager
def fake_google() -> Iterator[FakeGoogle]:
    """A running fake on 127.0.0.1 (a free port), stopped when the block ends."""
    fake = FakeGoogle()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
