"""Where users, groups and their attributes live in OpenLDAP and in Active Directory.

A profile is the set of defaults a connection starts from: the filters that select users
and groups, and for each field scimbridge needs the LDAP attributes that hold it, tried in
order. A connection's ``attribute_map`` overrides single fields (``{"userName": "mail"}``)
without restating the rest, because most directories differ from the defaults in one or
two attributes only.

OpenLDAP follows the standard schemas: ``inetOrgPerson`` (RFC 2798) for people,
``groupOfNames`` / ``groupOfUniqueNames`` (RFC 4519 §3.5, §3.6) and ``posixGroup``
(RFC 2307 §4) for groups, ``entryUUID`` (RFC 4530) as the immutable id. Active Directory
uses its own classes (MS-ADSC ``user``, ``group``), ``objectGUID`` as the id and
``userAccountControl`` flags for disabled accounts (MS-ADTS §2.2.16).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Literal

ProfileName = Literal["openldap", "active_directory"]

# The fields an ``attribute_map`` may override. Each maps to one or more LDAP attribute
# names, tried in order (the first present wins), e.g. AD's userName is
# ``userPrincipalName`` and, for accounts that have none, ``sAMAccountName``.
USER_FIELDS = (
    "id",
    "userName",
    "givenName",
    "familyName",
    "displayName",
    "email",
    "employeeNumber",
    "department",
    "title",
    "manager",
    "disabled",
    "uid",
)
GROUP_FIELDS = ("groupId", "groupName", "groupDescription")
MAPPABLE_FIELDS = USER_FIELDS + GROUP_FIELDS


@dataclass(frozen=True, slots=True)
class Profile:
    """The defaults of one kind of directory server."""

    name: ProfileName
    user_filter: str
    group_filter: str
    attributes: Mapping[str, tuple[str, ...]]
    # Attributes of a group that list members by DN (groupOfNames, groupOfUniqueNames,
    # AD group) and by uid (posixGroup's memberUid, RFC 2307 §2.2).
    member_dn_attributes: tuple[str, ...] = ()
    member_uid_attributes: tuple[str, ...] = ()

    def fields(self, name: str) -> tuple[str, ...]:
        return self.attributes.get(name, ())

    def with_overrides(self, overrides: Mapping[str, tuple[str, ...]]) -> Profile:
        """This profile with some fields mapped to other attributes."""
        merged = dict(self.attributes)
        merged.update(overrides)
        return replace(self, attributes=MappingProxyType(merged))

    def user_attribute_names(self) -> list[str]:
        """Every attribute a users search asks for (nothing more: less data per page)."""
        names = {name for key in USER_FIELDS for name in self.fields(key)}
        return sorted(names, key=str.lower)

    def group_attribute_names(self, *, with_members: bool = True) -> list[str]:
        names = {name for key in GROUP_FIELDS for name in self.fields(key)}
        if with_members:
            names.update(self.member_dn_attributes)
            names.update(self.member_uid_attributes)
        return sorted(names, key=str.lower)


OPENLDAP = Profile(
    name="openldap",
    user_filter="(objectClass=inetOrgPerson)",
    group_filter="(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)"
    "(objectClass=posixGroup))",
    attributes=MappingProxyType(
        {
            "id": ("entryUUID",),
            "userName": ("uid", "mail"),
            "givenName": ("givenName",),
            "familyName": ("sn",),
            "displayName": ("displayName", "cn"),
            "email": ("mail",),
            "employeeNumber": ("employeeNumber",),
            "department": ("departmentNumber",),
            "title": ("title",),
            "manager": ("manager",),
            # No standard "disabled" attribute: ppolicy's pwdAccountLockedTime or 389's
            # nsAccountLock can be named here through attribute_map.
            "disabled": (),
            "uid": ("uid",),
            "groupId": ("entryUUID",),
            "groupName": ("cn",),
            "groupDescription": ("description",),
        }
    ),
    member_dn_attributes=("member", "uniqueMember"),
    member_uid_attributes=("memberUid",),
)

ACTIVE_DIRECTORY = Profile(
    name="active_directory",
    # objectCategory is indexed in AD, objectClass=user alone also matches computers.
    user_filter="(&(objectCategory=person)(objectClass=user))",
    group_filter="(objectClass=group)",
    attributes=MappingProxyType(
        {
            "id": ("objectGUID",),
            "userName": ("userPrincipalName", "sAMAccountName"),
            "givenName": ("givenName",),
            "familyName": ("sn",),
            "displayName": ("displayName", "cn"),
            "email": ("mail",),
            "employeeNumber": ("employeeNumber", "employeeID"),
            "department": ("department",),
            "title": ("title",),
            "manager": ("manager",),
            "disabled": ("userAccountControl",),
            "uid": ("sAMAccountName",),
            "groupId": ("objectGUID",),
            "groupName": ("cn",),
            "groupDescription": ("description",),
        }
    ),
    member_dn_attributes=("member",),
)

PROFILES: Mapping[str, Profile] = MappingProxyType(
    {"openldap": OPENLDAP, "active_directory": ACTIVE_DIRECTORY}
)
