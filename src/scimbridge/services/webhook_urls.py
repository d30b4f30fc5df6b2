"""Vetting a webhook URL when it is saved (RELIABILITY.md §5).

Delivery checks every connection anyway (``events.transport.GuardedBackend``, because
DNS can change between saving and delivering), but a URL that can only ever fail should
be refused where the operator types it, with a 400 that says why, not discovered hours
later in the delivery log. The policy is the one delivery applies: the host's every
address must pass ``ssrf.is_allowed``, unless ``SCIMBRIDGE_WEBHOOK_ALLOW_PRIVATE=true``.

A host name that does not resolve now is refused too (400): at save time that is almost
always a typo, and an operator who saves a name before its DNS record exists can save it
again once it does. With private addresses allowed (tests, on-premises) names are not
resolved at all, so saving never waits for or depends on DNS there.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

import idna

from scimbridge.errors import InvalidRequest
from scimbridge.events import ssrf

Resolver = Callable[[str, int], list[str]]


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def validate_webhook_url(
    url: str, *, allow_private: bool, resolve: Resolver = system_resolver
) -> str:
    """The URL unchanged if a delivery could go there, else :class:`InvalidRequest`.

    http(s) only, a host, no user information (credentials in a URL end up in logs; the
    signature authenticates us to the receiver), a valid port, a host name that is valid
    IDNA (RFC 5891, UTS #46 mapping as browsers do), and every address allowed.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRequest("webhook_url must be an absolute http:// or https:// URL")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise InvalidRequest("webhook_url must not carry credentials (user information)")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise InvalidRequest("webhook_url has an invalid port") from None
    host = _ascii_host(parts.hostname)
    if allow_private:
        return url
    addresses = _literal(host)
    if addresses is None:
        try:
            addresses = resolve(host, port)
        except (OSError, UnicodeError):
            addresses = []
        if not addresses:
            raise InvalidRequest(f"webhook_url host {parts.hostname} does not resolve")
    refused = ssrf.refused(addresses, allow_private=False)
    if refused:
        raise InvalidRequest(
            f"webhook_url host {parts.hostname} resolves to {refused[0]}, a private, loopback "
            "or reserved address (set SCIMBRIDGE_WEBHOOK_ALLOW_PRIVATE=true to allow it)"
        )
    return url


def _ascii_host(hostname: str) -> str:
    if _literal(hostname) is not None:
        return hostname
    try:
        return idna.encode(hostname, uts46=True).decode("ascii")
    except idna.IDNAError as error:
        raise InvalidRequest(f"webhook_url host is not a valid host name: {error}") from None


def _literal(host: str) -> list[str] | None:
    """``[host]`` when ``host`` is an IP address literal, else None (a name)."""
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None
    return [host]
