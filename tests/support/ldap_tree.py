"""The LDAP test fixtures' pieces: the session's slapd and private subtrees in it.

The server starts once per session with 10,000 people under ``ou=bulk`` (slapadd, before
start); every other test builds its own subtree (:class:`LdapTree`) so tests do not see
each other's entries. Without a slapd binary the tests skip, except in CI (``CI=true``),
where a missing server is a broken setup and fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import ldap3
import pytest

from tests.support.slapd import SUFFIX, SlapdServer, slapd_binaries, slapd_server, write_people_ldif

BULK_OU = "bulk"
BULK_COUNT = 10_000
BULK_BASE = f"ou={BULK_OU},{SUFFIX}"


def session_slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlapdServer]:
    """The body of the session fixture: skip (or, in CI, fail) without slapd."""
    if slapd_binaries() is None:
        message = "slapd is not installed (Debian packages 'slapd' and 'ldap-utils')"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    bulk = write_people_ldif(tmp_path_factory.mktemp("ldif") / "bulk.ldif", BULK_OU, BULK_COUNT)
    with slapd_server(bulk_ldif=[bulk]) as server:
        yield server


class LdapTree:
    """A private ``ou=`` subtree with people and groups, changed through the admin bind."""

    def __init__(self, server: SlapdServer) -> None:
        self.server = server
        self.admin = server.admin()
        self.base = f"ou=t{uuid.uuid4().hex[:10]},{SUFFIX}"
        self.admin.add(self.base, ["organizationalUnit"])

    def dn(self, rdn: str) -> str:
        return f"{rdn},{self.base}"

    def add(self, rdn: str, classes: list[str], **attributes: Any) -> str:
        dn = self.dn(rdn)
        self.admin.add(dn, classes, attributes)
        return dn

    def person(self, uid: str, **attributes: Any) -> str:
        values: dict[str, Any] = {
            "cn": f"{uid.title()} Person",
            "sn": "Person",
            "givenName": uid.title(),
            "mail": f"{uid}@example.test",
        }
        values.update(attributes)
        return self.add(f"uid={uid}", ["inetOrgPerson"], uid=uid, **values)

    def group_of_names(self, cn: str, members: list[str]) -> str:
        return self.add(f"cn={cn}", ["groupOfNames"], cn=cn, member=members)

    def modify(self, dn: str, **changes: Any) -> None:
        self.admin.modify(dn, {k: [(ldap3.MODIFY_REPLACE, v)] for k, v in changes.items()})

    def delete(self, dn: str) -> None:
        self.admin.delete(dn)

    def entry_uuid(self, dn: str) -> str:
        self.admin.search(dn, "(objectClass=*)", ldap3.BASE, attributes=["entryUUID"])
        return str(self.admin.entries[0].entryUUID.value)

    def connection(self, **overrides: Any) -> dict[str, Any]:
        return self.server.connection(user_base_dn=self.base, **overrides)
