"""Access tokens for the Directory API: a service account with domain-wide delegation,
or an OAuth client's refresh token, both through the ``google-auth`` library.

The service account signs a JWT (RS256, claims ``iss``, ``sub`` = the admin it acts
for, ``scope``, ``aud`` = the token URI, ``iat``/``exp``) and trades it at the token
endpoint with ``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`` (RFC 7523 §2.1;
Google: "Using OAuth 2.0 for Server to Server Applications"). ``google-auth`` builds and
signs it; it speaks to the token endpoint through :class:`HttpxRequest`, so every call of
the connector goes through the same httpx client, timeouts and (in tests) the same
local fake, without adding ``requests``.

Token errors are classified here (RFC 6749 §5.2 error codes as Google uses them):
``invalid_grant`` (unknown or deleted key, bad signature, revoked refresh token, a
subject that is not a user) and ``invalid_client`` → ``credentials``;
``unauthorized_client`` / ``access_denied`` / ``invalid_scope`` (the client id is not
granted these scopes under Domain-wide delegation) → ``permission``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import google.auth.exceptions
import google.auth.transport
import httpx
from google.auth.credentials import Credentials
from google.oauth2 import credentials as oauth_credentials
from google.oauth2 import service_account

from scimbridge.connectors.base import SourceError

SCOPES = (
    "https://www.googleapis.com/auth/admin.directory.user.readonly",
    "https://www.googleapis.com/auth/admin.directory.group.readonly",
    "https://www.googleapis.com/auth/admin.directory.group.member.readonly",
)

DELEGATION_HINT = (
    "In the Google Admin console, open Security > Access and data control > API controls "
    "> Manage Domain Wide Delegation, and give the service account's client ID these "
    "OAuth scopes: " + ", ".join(SCOPES) + ". The subject must be an administrator who "
    "may read users and groups."
)


class _HttpxResponse(google.auth.transport.Response):
    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    @property
    def status(self) -> int:
        return self._response.status_code

    @property
    def headers(self) -> Mapping[str, str]:
        return self._response.headers

    @property
    def data(self) -> bytes:
        return self._response.content


class HttpxRequest(google.auth.transport.Request):
    """google-auth's transport interface over one ``httpx.Client``."""

    def __init__(self, client: httpx.Client) -> None:
        self._client = client

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> google.auth.transport.Response:
        try:
            response = self._client.request(
                method,
                url,
                content=body,
                headers=dict(headers or {}),
                timeout=httpx.USE_CLIENT_DEFAULT if timeout is None else timeout,
            )
        except httpx.HTTPError as exc:
            raise google.auth.exceptions.TransportError(str(exc)) from exc
        return _HttpxResponse(response)


def build_credentials(connection: Mapping[str, Any]) -> Credentials:
    """Credentials for a validated connection (see ``google.validate_connection``)."""
    token_uri = str(connection["token_uri"])
    info = connection.get("service_account")
    if isinstance(info, Mapping):
        sa = service_account.Credentials.from_service_account_info(
            {**info, "token_uri": token_uri}, scopes=list(SCOPES)
        )
        delegated: Credentials = sa.with_subject(str(connection["subject"]))
        return delegated
    refresh: Credentials = oauth_credentials.Credentials(
        token=None,
        refresh_token=str(connection["refresh_token"]),
        client_id=str(connection["client_id"]),
        client_secret=str(connection["client_secret"]),
        token_uri=token_uri,
        # No ``scope`` on refresh: the token carries what the admin consented to, and a
        # missing scope then shows as a 403 naming the API call it blocks.
        scopes=None,
    )
    return refresh


def _error_code(exc: google.auth.exceptions.RefreshError) -> str:
    data = exc.args[1] if len(exc.args) > 1 else None
    if isinstance(data, Mapping):
        return str(data.get("error", ""))
    return ""


class AccessToken:
    """Hands out a valid bearer token, refreshing it when it expired or was refused."""

    def __init__(self, credentials: Credentials, client: httpx.Client) -> None:
        self._credentials = credentials
        self._request = HttpxRequest(client)

    def bearer(self, *, force_refresh: bool = False) -> str:
        if force_refresh or not self._credentials.valid:
            self._refresh()
        return str(self._credentials.token)

    def _refresh(self) -> None:
        try:
            self._credentials.refresh(self._request)
        except google.auth.exceptions.RefreshError as exc:
            raise _classify_refresh_error(exc) from exc
        except google.auth.exceptions.TransportError as exc:
            raise SourceError(
                "unreachable", f"Google's token endpoint could not be reached: {exc}"
            ) from exc


def _classify_refresh_error(exc: google.auth.exceptions.RefreshError) -> SourceError:
    code = _error_code(exc)
    if code in {"unauthorized_client", "access_denied", "invalid_scope"}:
        return SourceError(
            "permission",
            f"Google refused to issue a token for the Directory API scopes ({exc}). "
            + DELEGATION_HINT,
        )
    if code in {"invalid_grant", "invalid_client", "unauthorized", ""}:
        return SourceError(
            "credentials",
            f"Google did not accept the credentials ({exc}). Check that the service "
            "account key is current (IAM & Admin > Service accounts > Keys in the Google "
            "Cloud console) or that the refresh token has not been revoked, and that the "
            "subject is an existing user of the domain.",
        )
    if getattr(exc, "retryable", False):
        return SourceError("source_error", f"Google's token endpoint failed: {exc}")
    return SourceError("credentials", f"Google's token endpoint refused the request: {exc}")
