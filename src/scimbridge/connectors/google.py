"""The Google Workspace pull source: Admin SDK Directory API v1 over httpx.

Reads three list methods of the Directory API reference, page by page:

* ``users.list``: ``GET /admin/directory/v1/users?customer=my_customer&projection=full
  &maxResults=500`` (500 is the documented maximum). ``showDeleted`` is not used: with
  ``showDeleted=true`` the method returns *only* users deleted in the last 20 days, and
  without it deleted users are simply absent, which reconciliation already treats as
  "gone" (the sweep of unseen users). A second pass would add requests and nothing else.
* ``groups.list``: ``customer=my_customer&maxResults=200`` (documented maximum 200).
* ``members.list``: ``/groups/{groupKey}/members?maxResults=200``, with
  ``includeDerivedMembership=true`` when the connection sets ``flatten_groups``, so the
  users of nested groups are listed too. A member of type ``GROUP`` is a nested group,
  not a person: it is skipped (flattening already lists its users). A member of type
  ``CUSTOMER`` means "every user of the account" (reference: Member resource, ``type``):
  it is expanded by listing the account's user ids again.

Paging follows ``nextPageToken`` until it is absent. Every request is retried on 429,
403 ``rateLimitExceeded``/``userRateLimitExceeded``/``quotaExceeded``, 5xx and connection
errors with truncated exponential backoff and jitter (Google: "Directory API: Limits
and Quotas" asks for exactly that), honouring ``Retry-After``; a retry repeats the same
request with the same ``pageToken``, so the pages already read are never fetched again.
Errors come back in Google's JSON error body (``{"error": {"code", "message",
"errors": [{"domain", "reason", "message"}], "status"}}``) and are classified into
:class:`~scimbridge.connectors.base.SourceError` kinds with a sentence an admin can act on.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from scimbridge.config import Settings
from scimbridge.connectors.base import Source, SourceError, SourceGroup, SourceUser
from scimbridge.connectors.google_auth import DELEGATION_HINT, AccessToken, build_credentials
from scimbridge.connectors.google_mapping import group_resource, user_resource
from scimbridge.connectors.registry import PullConnector

PROVIDER = "google"
SECRET_FIELDS = ("service_account", "client_secret", "refresh_token")

DEFAULT_API_BASE_URL = "https://admin.googleapis.com"
DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105 (a URL)
_USERS_PAGE = 500
_GROUPS_PAGE = 200
_MEMBERS_PAGE = 200
_FIELDS = frozenset(
    {
        "service_account",
        "subject",
        "client_id",
        "client_secret",
        "refresh_token",
        "customer",
        "api_base_url",
        "token_uri",
        "flatten_groups",
        "timeout_seconds",
    }
)
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CUSTOMER = re.compile(r"^[A-Za-z0-9_]{1,64}$")
_RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"})


def _url(connection: Mapping[str, Any], key: str, default: str) -> str:
    value = connection.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{key} must be a URL")
    try:
        url = httpx.URL(value.strip())
    except httpx.InvalidURL as exc:
        raise ValueError(f"{key} is not a valid URL: {exc}") from exc
    # Bearer tokens and keys travel on these URLs: TLS everywhere except a local fake.
    if url.scheme != "https" and not (url.scheme == "http" and url.host in _LOOPBACK):
        raise ValueError(f"{key} must use https:// (http:// only for 127.0.0.1/localhost)")
    if url.query or url.fragment:
        raise ValueError(f"{key} must not have a query or a fragment")
    return str(url).rstrip("/")


def _service_account(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise ValueError("service_account must be the JSON key file's content") from exc
    if not isinstance(value, Mapping) or value.get("type") != "service_account":
        raise ValueError('service_account must be a JSON key with "type": "service_account"')
    for key in ("client_email", "private_key"):
        if not isinstance(value.get(key), str) or not value[key].strip():
            raise ValueError(f"service_account is missing {key!r}")
    try:
        load_pem_private_key(value["private_key"].encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise ValueError("service_account.private_key is not a PEM private key") from exc
    return dict(value)


def validate_connection(connection: Mapping[str, Any]) -> dict[str, Any]:
    """The connection settings, checked and normalised; :class:`ValueError` says what is
    wrong. Either ``service_account`` (the JSON key) + ``subject`` (an admin's e-mail),
    or ``client_id`` + ``client_secret`` + ``refresh_token``."""
    if not isinstance(connection, Mapping):
        raise ValueError("connection must be an object")
    unknown = sorted(set(connection) - _FIELDS)
    if unknown:
        raise ValueError(f"unknown connection fields: {', '.join(unknown)}")
    result: dict[str, Any] = {}
    oauth_keys = ("client_id", "client_secret", "refresh_token")
    if "service_account" in connection:
        if any(key in connection for key in oauth_keys):
            raise ValueError("give either service_account or an OAuth refresh token, not both")
        result["service_account"] = _service_account(connection["service_account"])
        subject = connection.get("subject")
        if not isinstance(subject, str) or not _EMAIL.match(subject.strip()):
            raise ValueError("subject must be the e-mail address of a Workspace administrator")
        result["subject"] = subject.strip()
    elif any(key in connection for key in oauth_keys):
        for key in oauth_keys:
            value = connection.get(key)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{key} is required with an OAuth refresh token")
            result[key] = value.strip()
    else:
        raise ValueError(
            "give service_account (JSON key) and subject, or client_id, client_secret "
            "and refresh_token"
        )
    customer = connection.get("customer", "my_customer")
    if not isinstance(customer, str) or not _CUSTOMER.match(customer):
        raise ValueError('customer must be "my_customer" or a customer id like C01abc23d')
    result["customer"] = customer
    result["api_base_url"] = _url(connection, "api_base_url", DEFAULT_API_BASE_URL)
    result["token_uri"] = _url(connection, "token_uri", DEFAULT_TOKEN_URI)
    flatten = connection.get("flatten_groups", False)
    if not isinstance(flatten, bool):
        raise ValueError("flatten_groups must be true or false")
    result["flatten_groups"] = flatten
    timeout = connection.get("timeout_seconds", 30)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 300:
        raise ValueError("timeout_seconds must be a number above 0 and at most 300")
    result["timeout_seconds"] = float(timeout)
    return result


@dataclass(frozen=True)
class RetryPolicy:
    """Truncated exponential backoff with jitter: wait ``min(cap, base·2ⁿ)`` plus up to
    ``base`` at random, or ``Retry-After`` when the answer names it (RFC 9110 §10.2.3);
    give up after ``attempts`` tries or when ``Retry-After`` exceeds ``max_wait``."""

    attempts: int = 6
    base: float = 1.0
    cap: float = 32.0
    max_wait: float = 120.0
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = field(default=random.random)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        return min(self.cap, self.base * 2.0**attempt) + self.base * self.jitter()


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP-date; backoff decides instead


def _google_error(response: httpx.Response) -> tuple[str, set[str]]:
    """The message and the ``reason`` values of Google's error body (if it is one)."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase, set()
    error = body.get("error") if isinstance(body, Mapping) else None
    if not isinstance(error, Mapping):
        return str(body)[:200], set()
    details = error.get("errors")
    reasons = {
        str(item.get("reason"))
        for item in (details if isinstance(details, list) else [])
        if isinstance(item, Mapping) and item.get("reason")
    }
    return str(error.get("message") or response.reason_phrase), reasons


class _Retry(Exception):
    def __init__(self, error: SourceError, retry_after: float | None = None) -> None:
        super().__init__(error.explanation)
        self.error = error
        self.retry_after = retry_after


def _classify(response: httpx.Response, what: str) -> SourceError | _Retry:
    message, reasons = _google_error(response)
    status = response.status_code
    said = f"Google answered {status} to {what}: {message}"
    if status == 429 or (status == 403 and reasons & _RATE_REASONS):
        retry_after = _retry_after(response)
        return _Retry(SourceError("rate_limited", said, retry_after=retry_after), retry_after)
    if status >= 500:
        return _Retry(SourceError("source_error", said), _retry_after(response))
    if status == 401:
        return SourceError(
            "credentials", said + ". The access token was refused; check the credentials."
        )
    if status == 403:
        return SourceError("permission", said + ". " + DELEGATION_HINT)
    if status in (400, 404):
        return SourceError(
            "invalid_config",
            said + '. Check the connection\'s customer (use "my_customer" for your own '
            "account) and that the subject belongs to that account.",
        )
    return SourceError("source_error", said)


class GoogleSource:
    """One sync run's reading of a Google Workspace account (a ``Source``)."""

    def __init__(
        self,
        connection: Mapping[str, Any],
        *,
        retry: RetryPolicy | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self._connection = connection
        self._retry = retry or RetryPolicy()
        timeout = float(connection["timeout_seconds"])
        self._client = client or httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            follow_redirects=False,
        )
        self._token = AccessToken(build_credentials(connection), self._client)
        self._base = f"{connection['api_base_url']}/admin/directory/v1"
        self._pages = 0

    @property
    def pages_fetched(self) -> int:
        return self._pages

    def close(self) -> None:
        self._client.close()

    def users(self) -> Iterator[SourceUser]:
        for resource in self._mapped("users", self._user_params("full"), user_resource):
            yield SourceUser(str(resource["externalId"]), resource)

    def groups(self) -> Iterator[SourceGroup]:
        params = {"customer": self._connection["customer"], "maxResults": str(_GROUPS_PAGE)}
        for resource in self._mapped("groups", params, group_resource):
            yield SourceGroup(str(resource["externalId"]), resource)

    def _mapped(
        self,
        key: str,
        params: Mapping[str, str],
        mapper: Callable[[Mapping[str, Any]], dict[str, Any]],
    ) -> Iterator[dict[str, Any]]:
        """``users``/``groups`` pages, each item mapped; an unmappable one stops the run
        (skipping it would make the person look deleted)."""
        for item in self._list(key, params, key):
            try:
                resource = mapper(item)
            except ValueError as exc:
                raise SourceError(
                    "invalid_data", f"Google returned {key} we cannot use: {exc}"
                ) from exc
            yield resource

    def members(self, group: SourceGroup) -> Iterator[str]:
        params = {"maxResults": str(_MEMBERS_PAGE)}
        if self._connection["flatten_groups"]:
            params["includeDerivedMembership"] = "true"
        path = f"groups/{quote(group.source_id, safe='')}/members"
        seen: set[str] = set()
        for member in self._list(path, params, "members", gone_ok=True):
            kind = member.get("type")
            if kind == "CUSTOMER":
                ids: Iterator[str] = (
                    str(item["id"])
                    for item in self._list("users", self._user_params("basic"), "users")
                    if item.get("id")
                )
            elif kind == "USER" and member.get("id"):
                ids = iter((str(member["id"]),))
            else:
                continue  # GROUP: a nested group, listed by flattening; others: no person
            for user_id in ids:
                if user_id not in seen:
                    seen.add(user_id)
                    yield user_id

    def _user_params(self, projection: str) -> dict[str, str]:
        return {
            "customer": self._connection["customer"],
            "projection": projection,
            "maxResults": str(_USERS_PAGE),
        }

    def _list(
        self, path: str, params: Mapping[str, str], key: str, *, gone_ok: bool = False
    ) -> Iterator[Mapping[str, Any]]:
        page_token: str | None = None
        while True:
            query = dict(params)
            if page_token:
                query["pageToken"] = page_token
            body = self._get(path, query, gone_ok=gone_ok)
            items = body.get(key) or []
            if not isinstance(items, list):
                raise SourceError("invalid_data", f"Google's {key} list is not a list")
            for item in items:
                if not isinstance(item, Mapping):  # skipping it could read as a deletion
                    raise SourceError("invalid_data", f"Google's {key} list holds a non-object")
                yield item
            token = body.get("nextPageToken")
            if not token:
                return
            page_token = str(token)

    def _get(
        self, path: str, query: Mapping[str, str], *, gone_ok: bool = False
    ) -> Mapping[str, Any]:
        """One page; retried as the module notes say, always with the same query.

        ``gone_ok``: a 404 is an empty page. ``members.list`` of a group deleted after
        ``groups.list`` listed it answers 404 ("Resource Not Found: groupKey"); failing
        the whole run for that race would stall a busy account, and the next run no
        longer sees the group."""
        what = f"{path} ({', '.join(f'{k}={v}' for k, v in query.items() if k != 'pageToken')})"
        refreshed = False
        last: SourceError | None = None
        for attempt in range(self._retry.attempts):
            if last is not None:  # not after a 401 answered by a fresh token
                wait = self._retry.delay(attempt - 1, last.retry_after)
                if wait > self._retry.max_wait:
                    break
                self._retry.sleep(wait)
            headers = {"Authorization": f"Bearer {self._token.bearer()}"}
            try:
                response = self._client.get(f"{self._base}/{path}", params=query, headers=headers)
            except httpx.TransportError as exc:
                last = SourceError(
                    "unreachable", f"Google's Directory API could not be reached ({what}): {exc!r}"
                )
                continue
            if response.status_code == 200:
                try:
                    body = response.json()
                except ValueError as exc:
                    raise SourceError("invalid_data", f"Google sent no JSON for {what}") from exc
                if not isinstance(body, Mapping):
                    raise SourceError("invalid_data", f"Google sent no JSON object for {what}")
                self._pages += 1
                return body
            if response.status_code == 401 and not refreshed:
                refreshed = True  # the token may have expired on Google's side: once more
                self._token.bearer(force_refresh=True)
                continue
            if response.status_code == 404 and gone_ok:
                self._pages += 1
                return {}
            outcome = _classify(response, what)
            if isinstance(outcome, SourceError):
                raise outcome
            last = outcome.error
        raise last or SourceError("source_error", f"Google kept refusing {what}")


def open_source(connection: Mapping[str, Any], *, settings: Settings | None = None) -> Source:
    """Open a run's source for a stored connection (validated again: a stored connection
    from an older version must fail clearly, not half-way through a run). ``settings`` is
    accepted for the registry's signature; nothing in it changes how Google is read."""
    return GoogleSource(validate_connection(connection))


# The engine's registry entry (connectors/registry.py).
CONNECTOR = PullConnector("google", validate_connection, open_source, frozenset(SECRET_FIELDS))
