"""The ``connection`` of an ``ldap`` directory: checked and normalised when it is saved.

TLS policy: ``ldaps://`` or ``ldap://`` with ``start_tls: true``, the server certificate
always verified (against ``ca_cert`` when given, else the system's CAs) and its host name
checked; there is no setting that turns verification off. Plain ``ldap://`` without
StartTLS sends the bind password in clear text (RFC 4513 §6.3.1), so it is refused unless
``allow_insecure: true`` is given, which exists for tests and labs.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from scimbridge.connectors.base import SourceError
from scimbridge.connectors.ldap_profiles import MAPPABLE_FIELDS, PROFILES, Profile

SECRET_FIELDS: tuple[str, ...] = ("bind_password",)
MAX_PAGE_SIZE = 5000

_KNOWN = {
    "url",
    "start_tls",
    "ca_cert",
    "allow_insecure",
    "bind_dn",
    "bind_password",
    "user_base_dn",
    "group_base_dn",
    "user_filter",
    "group_filter",
    "profile",
    "attribute_map",
    "flatten_nested_groups",
    "page_size",
    "timeout_seconds",
}


@dataclass(frozen=True, slots=True)
class LdapConnection:
    """A validated connection; ``to_dict`` is what is stored."""

    url: str
    host: str
    port: int
    use_ssl: bool
    start_tls: bool
    allow_insecure: bool
    bind_dn: str | None
    bind_password: str | None
    user_base_dn: str
    group_base_dn: str
    profile: str
    user_filter: str
    group_filter: str
    ca_cert: str | None = None
    attribute_map: dict[str, list[str]] = field(default_factory=dict)
    flatten_nested_groups: bool = False
    page_size: int = 500
    timeout_seconds: float = 30.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for derived in ("host", "port", "use_ssl"):
            del data[derived]
        return data

    def resolved_profile(self) -> Profile:
        base = PROFILES[self.profile]
        return base.with_overrides({k: tuple(v) for k, v in self.attribute_map.items()})


def _invalid(message: str) -> SourceError:
    return SourceError("invalid_config", message)


def _string(data: Mapping[str, Any], key: str, *, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _invalid(f"'{key}' is required")
        return None
    if not isinstance(value, str):
        raise _invalid(f"'{key}' must be a string")
    return value.strip()


def _boolean(data: Mapping[str, Any], key: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise _invalid(f"'{key}' must be true or false")
    return value


def _attribute_map(value: Any) -> dict[str, list[str]]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _invalid("'attribute_map' must be an object of field → LDAP attribute(s)")
    out: dict[str, list[str]] = {}
    for key, names in value.items():
        if key not in MAPPABLE_FIELDS:
            raise _invalid(
                f"'attribute_map' has unknown field '{key}'; known: {', '.join(MAPPABLE_FIELDS)}"
            )
        listed = [names] if isinstance(names, str) else names
        if not isinstance(listed, list) or not all(
            isinstance(n, str) and n.strip() and ";" not in n for n in listed
        ):
            raise _invalid(f"'attribute_map.{key}' must be an attribute name or a list of them")
        out[key] = [n.strip() for n in listed]
    return out


def _check_ca(pem: str) -> None:
    """The PEM must load as CA certificates now, not fail the first sync later."""
    if "-----BEGIN CERTIFICATE-----" not in pem:
        raise _invalid("'ca_cert' must be PEM text (-----BEGIN CERTIFICATE-----)")
    try:
        ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cadata=pem)
    except (ssl.SSLError, ValueError) as exc:
        raise _invalid(f"'ca_cert' is not a readable PEM certificate: {exc}") from exc


def _filter(value: str | None, default: str, key: str) -> str:
    if value is None:
        return default
    if not (value.startswith("(") and value.endswith(")")) or value.count("(") != value.count(")"):
        raise _invalid(f"'{key}' must be an LDAP filter in parentheses (RFC 4515)")
    return value


def parse_connection(connection: Mapping[str, Any]) -> LdapConnection:
    """Check a connection; raises ``SourceError("invalid_config")`` saying what is wrong."""
    unknown = sorted(set(connection) - _KNOWN)
    if unknown:
        raise _invalid(f"unknown LDAP connection setting(s): {', '.join(unknown)}")
    url = _string(connection, "url", required=True) or ""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("ldap", "ldaps") or not parts.hostname:
        raise _invalid("'url' must be ldap://host[:port] or ldaps://host[:port]")
    if parts.path not in ("", "/") or parts.query or parts.username:
        raise _invalid("'url' takes only a scheme, host and port; set base DNs separately")
    try:
        port = parts.port
    except ValueError as exc:
        raise _invalid(f"'url' has an invalid port: {exc}") from exc
    use_ssl = parts.scheme.lower() == "ldaps"
    start_tls = _boolean(connection, "start_tls")
    allow_insecure = _boolean(connection, "allow_insecure")
    if use_ssl and start_tls:
        raise _invalid("'start_tls' is for ldap:// URLs; ldaps:// is already TLS")
    if not use_ssl and not start_tls and not allow_insecure:
        raise _invalid(
            "plain ldap:// sends the password unencrypted: use ldaps://, set 'start_tls': "
            "true, or (tests and labs only) 'allow_insecure': true"
        )
    profile = _string(connection, "profile") or "openldap"
    if profile not in PROFILES:
        raise _invalid(f"'profile' must be one of: {', '.join(PROFILES)}")
    ca_cert = _string(connection, "ca_cert")
    if ca_cert is not None:
        _check_ca(ca_cert)
    bind_dn = _string(connection, "bind_dn")
    bind_password = connection.get("bind_password")
    if bind_password is not None and not isinstance(bind_password, str):
        raise _invalid("'bind_password' must be a string")
    if bind_dn and not bind_password:
        # RFC 4513 §5.1.2: a DN with an empty password is an unauthenticated bind, which
        # servers accept silently and which then reads nothing.
        raise _invalid("'bind_password' is required with 'bind_dn'")
    page_size = connection.get("page_size", 500)
    if isinstance(page_size, bool) or not isinstance(page_size, int):
        raise _invalid("'page_size' must be an integer")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise _invalid(f"'page_size' must be between 1 and {MAX_PAGE_SIZE}")
    timeout = connection.get("timeout_seconds", 30.0)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 1 <= timeout <= 600:
        raise _invalid("'timeout_seconds' must be a number between 1 and 600")
    defaults = PROFILES[profile]
    user_base = _string(connection, "user_base_dn", required=True) or ""
    return LdapConnection(
        url=f"{parts.scheme.lower()}://{parts.netloc}",
        host=parts.hostname,
        port=port or (636 if use_ssl else 389),
        use_ssl=use_ssl,
        start_tls=start_tls,
        allow_insecure=allow_insecure,
        bind_dn=bind_dn,
        bind_password=bind_password or None,
        user_base_dn=user_base,
        group_base_dn=_string(connection, "group_base_dn") or user_base,
        profile=profile,
        user_filter=_filter(
            _string(connection, "user_filter"), defaults.user_filter, "user_filter"
        ),
        group_filter=_filter(
            _string(connection, "group_filter"), defaults.group_filter, "group_filter"
        ),
        ca_cert=ca_cert,
        attribute_map=_attribute_map(connection.get("attribute_map")),
        flatten_nested_groups=_boolean(connection, "flatten_nested_groups"),
        page_size=page_size,
        timeout_seconds=float(timeout),
    )


def validate_connection(connection: Mapping[str, Any]) -> dict[str, Any]:
    """The normalised connection to store, or ``SourceError("invalid_config")``."""
    return parse_connection(connection).to_dict()
