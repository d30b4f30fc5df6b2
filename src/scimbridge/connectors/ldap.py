"""The LDAP / Active Directory pull source (``provider: ldap``).

Built on ``ldap3`` rather than ``bonsai``: ldap3 is pure Python, so there is no
libldap/libsasl2 to build against or keep in step on every platform we ship to (bonsai is
a C extension over OpenLDAP's client libraries); its synchronous API fits the sync
worker's thread; it exposes the simple paged results control (RFC 2696) one request at a
time, so we stream and count pages ourselves; and its TLS hook takes a standard-library
``ssl`` context with the CA in memory (the PEM from the connection never touches disk,
see :class:`VerifiedTls`). bonsai would decode faster (C), which matters little next to
a sync every 30 minutes (``bench/ldap_source.py``).

How a run reads the directory:

* ``users()`` pages through ``user_base_dn`` with ``user_filter`` (``page_size`` entries a
  request, a generator: one page in memory at a time) and fills a bounded index of
  normalised DN → id and uid → id, used to resolve ``manager`` and group members.
* ``groups()`` pages through ``group_base_dn``; ``members(group)`` resolves its member DNs
  (``member``/``uniqueMember``, fetching AD ranges) and ``memberUid`` values through the
  index; with ``flatten_nested_groups`` member DNs that are groups are expanded, each
  group once (a cycle ends where it started).
* Server answers become :class:`SourceError` kinds (``ldap_errors.py``).
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Iterator, Mapping
from typing import Any

import ldap3
from ldap3.core.exceptions import LDAPException

from scimbridge.config import Settings
from scimbridge.connectors.base import Source, SourceError, SourceGroup, SourceUser
from scimbridge.connectors.ldap_errors import explain_exception, raise_for_result
from scimbridge.connectors.ldap_mapping import (
    LDAP_GROUP_SCHEMA,
    LoweredEntry,
    RawAttributes,
    all_ranged_values,
    group_resource,
    identifier,
    member_dn,
    normalize_dn,
    text,
    user_resource,
)
from scimbridge.connectors.ldap_settings import (
    SECRET_FIELDS,
    LdapConnection,
    parse_connection,
    validate_connection,
)
from scimbridge.connectors.registry import PullConnector

__all__ = ["SECRET_FIELDS", "LdapSource", "open_source", "validate_connection"]

PAGED_RESULTS_OID = "1.2.840.113556.1.4.319"
# 100,000 DNs of ~60 characters plus ids fit in ~40 MB; past this the index stops
# growing and unknown member DNs are resolved with one base-scope read each.
DEFAULT_INDEX_LIMIT = 200_000


def open_source(connection: Mapping[str, Any], *, settings: Settings | None = None) -> Source:
    """Connect and bind; raises ``SourceError`` when the server cannot be used."""
    return LdapSource(parse_connection(connection))


class VerifiedTls(ldap3.Tls):
    """ldap3's TLS hook with the standard library doing all of the verification.

    ldap3 turns the context's ``check_hostname`` off and matches names itself with
    ``ssl.match_hostname`` (deprecated, gone in Python 3.12); here one
    ``ssl.create_default_context`` verifies the chain against the given CA (or the
    system's) and the host name or IP address of the URL, during the handshake, for both
    ldaps:// and StartTLS. There is deliberately no way to turn it off.
    """

    def __init__(self, host: str, ca_pem: str | None) -> None:
        super().__init__(validate=ssl.CERT_REQUIRED)
        self._host = host
        self._context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cadata=ca_pem)

    def wrap_socket(self, connection: Any, do_handshake: bool = False) -> None:
        connection.socket = self._context.wrap_socket(
            connection.socket,
            server_side=False,
            do_handshake_on_connect=do_handshake,
            server_hostname=self._host,
        )


class LdapSource:
    """One bound LDAP connection for one sync run (see the module docstring)."""

    def __init__(self, config: LdapConnection, *, index_limit: int = DEFAULT_INDEX_LIMIT) -> None:
        self._config = config
        self._profile = config.resolved_profile()
        self._index_limit = index_limit
        self._dn_ids: dict[str, str] = {}
        self._uid_ids: dict[str, str] = {}
        self._group_dns: set[str] = set()
        self._missing: set[str] = set()  # DNs read once and not found (dangling managers)
        self._indexed = False
        self._pages = 0
        self._connection = self._connect()

    # -- connection -------------------------------------------------------------------

    def _connect(self) -> ldap3.Connection:
        config = self._config
        tls = None
        if config.use_ssl or config.start_tls:
            tls = VerifiedTls(config.host, config.ca_cert)
        server = ldap3.Server(
            config.host,
            port=config.port,
            use_ssl=config.use_ssl,
            tls=tls,
            get_info=ldap3.NONE,
            connect_timeout=int(config.timeout_seconds),
        )
        connection = ldap3.Connection(
            server,
            user=config.bind_dn,
            password=config.bind_password,
            auto_bind=ldap3.AUTO_BIND_NONE,
            receive_timeout=int(config.timeout_seconds),
            raise_exceptions=False,
            read_only=True,
            # Range retrieval (AD's member;range=…) is done by members() itself, counted
            # in pages_fetched and bounded (ldap_mapping.all_ranged_values).
            auto_range=False,
        )
        try:
            connection.open()
            if config.start_tls and not connection.start_tls():
                raise_for_result(connection.result, "StartTLS")
            if not connection.bind():
                raise_for_result(connection.result, "bind")
        except LDAPException as exc:
            _discard(connection)
            raise explain_exception(exc, config.url) from exc
        except SourceError:
            _discard(connection)
            raise
        return connection

    def close(self) -> None:
        _discard(self._connection)

    @property
    def pages_fetched(self) -> int:
        return self._pages

    # -- searching --------------------------------------------------------------------

    def _paged(
        self, base: str, search_filter: str, attributes: list[str]
    ) -> Iterator[tuple[str, RawAttributes]]:
        """Every entry under ``base``, one page (RFC 2696) per request, as (dn, raw)."""
        cookie: bytes | None = None
        while True:
            try:
                self._connection.search(
                    base,
                    search_filter,
                    search_scope=ldap3.SUBTREE,
                    attributes=attributes,
                    paged_size=self._config.page_size,
                    paged_cookie=cookie,
                )
            except LDAPException as exc:
                raise explain_exception(exc, self._config.url) from exc
            raise_for_result(self._connection.result, "search", base=base)
            self._pages += 1
            page = self._connection.response or []
            self._connection.response = None  # let the page go before the next one
            # Read the cookie before yielding: the caller reads members and managers on
            # the same connection between entries, which replaces ``result``.
            controls = self._connection.result.get("controls") or {}
            cookie = controls.get(PAGED_RESULTS_OID, {}).get("value", {}).get("cookie")
            for item in page:
                if item.get("type") == "searchResEntry":
                    yield item["dn"], item["raw_attributes"]
            if not cookie:
                return

    def _read(self, dn: str, attributes: list[str]) -> RawAttributes | None:
        """One entry by DN (base scope), or None when it does not exist."""
        try:
            self._connection.search(
                dn, "(objectClass=*)", search_scope=ldap3.BASE, attributes=attributes
            )
        except LDAPException as exc:
            raise explain_exception(exc, self._config.url) from exc
        self._pages += 1
        # A member or manager value that names nothing readable here is skipped, not a
        # failed run: noSuchObject (32, a dangling DN), invalidDNSyntax (34, junk in a
        # member value) and referral (10, AD: the entry lives in another domain).
        if self._connection.result.get("result") in (10, 32, 34):
            return None
        raise_for_result(self._connection.result, "read", base=dn)
        for item in self._connection.response or []:
            if item.get("type") == "searchResEntry":
                raw: RawAttributes = item["raw_attributes"]
                return raw
        return None

    # -- users ------------------------------------------------------------------------

    def _remember(self, dn: str, source_id: str, uid: str | None) -> None:
        if len(self._dn_ids) < self._index_limit:
            self._dn_ids[normalize_dn(dn)] = source_id
        if uid and len(self._uid_ids) < self._index_limit:
            self._uid_ids[uid.lower()] = source_id

    def _index_full(self) -> bool:
        return len(self._dn_ids) >= self._index_limit

    def users(self) -> Iterator[SourceUser]:
        profile = self._profile
        config = self._config
        attributes = profile.user_attribute_names()
        for dn, raw in self._paged(config.user_base_dn, config.user_filter, attributes):
            entry = LoweredEntry.of(raw)
            source_id = identifier(entry, profile.fields("id"))
            if not source_id:
                continue  # no stable id (attribute not readable): never key on the DN
            self._remember(dn, source_id, text(entry, profile.fields("uid")))
            manager = text(entry, profile.fields("manager"))
            resource = user_resource(
                dn, raw, profile, source_id, self._user_id(manager) if manager else None
            )
            if resource is not None:
                yield SourceUser(source_id=source_id, resource=resource)
        self._indexed = True

    def _user_id(self, dn: str) -> str | None:
        """The id of the entry at ``dn`` (a manager or a member): from the index, or read
        from the server when it is not there yet (a manager later in the pass)."""
        key = normalize_dn(dn)
        found = self._dn_ids.get(key)
        if found is not None or key in self._group_dns or key in self._missing:
            return found
        if self._indexed and not self._index_full():
            return None  # the whole users pass is indexed: not a user we sync
        raw = self._read(dn, list(self._profile.fields("id")))
        source_id = identifier(raw, self._profile.fields("id")) if raw else None
        if source_id and len(self._dn_ids) < self._index_limit:
            self._dn_ids[key] = source_id
        elif not source_id and len(self._missing) < self._index_limit:
            self._missing.add(key)
        return source_id

    def _ensure_index(self) -> None:
        """Members need the users pass's index; build it when members come first."""
        if self._indexed:
            return
        for _ in self.users():
            pass

    # -- groups -----------------------------------------------------------------------

    def groups(self) -> Iterator[SourceGroup]:
        profile = self._profile
        config = self._config
        # Member lists are read per group by members(), not carried in every page.
        attributes = profile.group_attribute_names(with_members=False)
        for dn, raw in self._paged(config.group_base_dn, config.group_filter, attributes):
            source_id = identifier(raw, profile.fields("groupId"))
            if not source_id:
                continue
            self._group_dns.add(normalize_dn(dn))
            yield SourceGroup(
                source_id=source_id, resource=group_resource(dn, raw, profile, source_id)
            )

    def members(self, group: SourceGroup) -> Iterator[str]:
        self._ensure_index()
        dn = group.resource[LDAP_GROUP_SCHEMA]["dn"]
        seen_groups = {normalize_dn(dn)}
        seen_users: set[str] = set()
        pending = [dn]
        while pending:
            current = pending.pop()
            raw = self._read(current, self._profile.group_attribute_names())
            if raw is None:
                continue
            for uid in self._member_uids(raw):
                source_id = self._uid_ids.get(uid.lower())
                if source_id and source_id not in seen_users:
                    seen_users.add(source_id)
                    yield source_id
            for value in self._member_dns(current, raw):
                key = normalize_dn(value)
                if key in self._group_dns or (key not in self._dn_ids and self._is_group(value)):
                    if self._config.flatten_nested_groups and key not in seen_groups:
                        seen_groups.add(key)
                        pending.append(value)
                    continue
                source_id = self._user_id(value)
                if source_id and source_id not in seen_users:
                    seen_users.add(source_id)
                    yield source_id

    def _is_group(self, dn: str) -> bool:
        """Whether a member DN not in the index is a group (only asked when flattening,
        since then a nested group's members count; otherwise it is simply skipped)."""
        if not self._config.flatten_nested_groups:
            return False
        raw = self._read(dn, ["objectClass"])
        if raw is None:
            return False
        classes = {v.decode("utf-8", "replace").lower() for v in _values(raw, "objectClass")}
        wanted = {"group", "groupofnames", "groupofuniquenames", "posixgroup"}
        if classes & wanted:
            self._group_dns.add(normalize_dn(dn))
            return True
        return False

    def _member_uids(self, raw: RawAttributes) -> Iterator[str]:
        for attribute in self._profile.member_uid_attributes:
            for value in _values(raw, attribute):
                yield value.decode("utf-8", errors="replace")

    def _member_dns(self, dn: str, raw: RawAttributes) -> Iterator[str]:
        """Member DNs, following AD range retrieval until the last chunk."""
        for attribute in self._profile.member_dn_attributes:
            for value in all_ranged_values(raw, attribute, lambda wanted: self._read(dn, [wanted])):
                yield member_dn(value.decode("utf-8", errors="replace"))


def _discard(connection: ldap3.Connection) -> None:
    """Unbind, and close the socket even when the unbind cannot be sent (a failed TLS
    handshake or a dropped connection leaves a socket ldap3 does not close)."""
    with contextlib.suppress(LDAPException, OSError):
        connection.unbind()
    sock = getattr(connection, "socket", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.close()


def _values(raw: RawAttributes, attribute: str) -> list[bytes]:
    for key, values in raw.items():
        if key.lower() == attribute.lower():
            return list(values)
    return []


# The engine's registry entry (connectors/registry.py).
CONNECTOR = PullConnector("ldap", validate_connection, open_source, frozenset(SECRET_FIELDS))
