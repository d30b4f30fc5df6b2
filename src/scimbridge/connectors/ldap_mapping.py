"""Pure mapping of LDAP entries to SCIM-shaped resources, and the LDAP value quirks.

Nothing here talks to a server: it takes an entry's raw attribute values (bytes, as the
wire carries them) and returns what ``connectors/base.py`` asks for, so every quirk is
tested as a unit:

* AD ``objectGUID`` is 16 bytes whose first three fields are little-endian
  (MS-DTYP §2.3.4.2), so the canonical string is not the hex of the bytes in order.
* AD ``userAccountControl`` bit 0x2 is ACCOUNTDISABLE (MS-ADTS §2.2.16).
* AD answers large multi-valued attributes in ranges: ``member;range=0-1499``, then the
  client asks ``member;range=1500-*`` and so on until the range ends in ``*``
  (MS-ADTS §3.1.1.3.1.3.3, "Range Retrieval of Attribute Values").
* DNs compare case-insensitively and ignore spaces around separators (RFC 4514 §2-3,
  RFC 4517 §4.2.15 distinguishedNameMatch), so member values are normalised before they
  are looked up in the DN index built during the users pass.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from scimbridge.connectors.ldap_profiles import Profile

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
# The connector's own extension: the entry's DN and the attributes read, so they reach
# raw_attributes and attribute_map (connectors/base.py).
LDAP_USER_SCHEMA = "urn:scimbridge:params:scim:schemas:extension:ldap:1.0:User"
LDAP_GROUP_SCHEMA = "urn:scimbridge:params:scim:schemas:extension:ldap:1.0:Group"

ACCOUNTDISABLE = 0x2
_FALSE_WORDS = frozenset({"", "false", "0", "no"})

RawAttributes = Mapping[str, Sequence[bytes]]


def guid_from_bytes(value: bytes) -> str:
    """AD's canonical ``xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`` form of an objectGUID.

    The GUID structure stores Data1 (4 bytes), Data2 and Data3 (2 bytes each) in
    little-endian order and Data4 as 8 bytes in order (MS-DTYP §2.3.4.2): exactly what
    ``uuid.UUID(bytes_le=...)`` reads.
    """
    if len(value) != 16:
        raise ValueError(f"an objectGUID is 16 bytes, got {len(value)}")
    return str(uuid.UUID(bytes_le=value))


def account_disabled(user_account_control: str) -> bool:
    """Whether a ``userAccountControl`` value has ACCOUNTDISABLE (0x2) set."""
    return bool(int(user_account_control.strip()) & ACCOUNTDISABLE)


_RANGE = re.compile(r"^(?P<attr>[^;]+)(?:;[^;]*)*?;range=(?P<low>\d+)-(?P<high>\d+|\*)$", re.I)


def parse_range(description: str) -> tuple[str, int, int | None] | None:
    """``member;range=0-1499`` → ``("member", 0, 1499)``; ``…;range=1500-*`` → high None
    (the last chunk); an attribute description without a range → None."""
    match = _RANGE.match(description)
    if match is None:
        return None
    high = match["high"]
    return match["attr"], int(match["low"]), None if high == "*" else int(high)


def next_range(attribute: str, high: int) -> str:
    """The attribute description asking for the chunk after one that ended at ``high``."""
    return f"{attribute};range={high + 1}-*"


def ranged_values(raw: RawAttributes, attribute: str) -> tuple[list[bytes], int | None]:
    """The values of ``attribute`` in an entry, and where to continue if ranged.

    Returns the values found (plain or under ``attr;range=…``) and, when the server sent
    a chunk that is not the last, the high bound of that chunk; None means complete.
    """
    wanted = attribute.lower()
    values: list[bytes] = []
    pending: int | None = None
    for description, chunk in raw.items():
        if description.lower() == wanted:
            values.extend(chunk)
            continue
        parsed = parse_range(description)
        if parsed is not None and parsed[0].lower() == wanted:
            values.extend(chunk)
            pending = parsed[2]
    return values, pending


def all_ranged_values(
    raw: RawAttributes,
    attribute: str,
    fetch: Callable[[str], RawAttributes | None],
    *,
    max_rounds: int = 10_000,
) -> Iterator[bytes]:
    """Every value of ``attribute``, asking ``fetch`` (a base-scope read of the same
    entry for one attribute description) for each further range until the last one.

    ``max_rounds`` bounds a server that never ends the range (10,000 rounds of AD's
    1,500 values is 15 million members, far past any real group).
    """
    values, pending = ranged_values(raw, attribute)
    yield from values
    rounds = 0
    while pending is not None and rounds < max_rounds:
        rounds += 1
        chunk = fetch(next_range(attribute, pending))
        if chunk is None:
            return
        values, high = ranged_values(chunk, attribute)
        if high is not None and high <= pending:
            return  # a server repeating a range would loop forever
        yield from values
        pending = high


def _split_unescaped(text: str, separators: str) -> list[str]:
    parts, current, index = [], [], 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            current.append(text[index : index + 2])
            index += 2
            continue
        if char in separators:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    parts.append("".join(current))
    return parts


_HEX_PAIR = re.compile(r"\\([0-9a-fA-F]{2})")
_SPECIAL = set(',+"\\<>;=#')


def _unescape(value: str) -> str:
    """RFC 4514 §3 escapes (``\\,`` and ``\\2C``) decoded to the characters they stand for.

    Hex pairs are UTF-8 bytes, so consecutive pairs are decoded together."""
    out = bytearray()
    index = 0
    while index < len(value):
        char = value[index]
        if char == "\\" and index + 1 < len(value):
            pair = _HEX_PAIR.match(value, index)
            if pair:
                out.append(int(pair[1], 16))
                index += 3
                continue
            out.extend(value[index + 1].encode())
            index += 2
            continue
        out.extend(char.encode())
        index += 1
    return out.decode("utf-8", errors="replace")


_NEEDS_FULL_PARSE = re.compile(r'[\\+"<>;#]')


def _simple_dn(dn: str) -> str | None:
    parts = []
    for rdn in dn.split(","):
        name, equals, value = rdn.partition("=")
        if not equals or "=" in value:
            return None
        if not rdn.strip():
            continue
        parts.append(f"{name.strip().lower()}={value.strip().lower()}")
    return ",".join(parts)


def normalize_dn(dn: str) -> str:
    """A DN in one canonical form: lower case, no spaces around ``,``/``+``/``=``,
    escapes decoded and re-escaped the same way, multi-valued RDNs sorted.

    Case-insensitive comparison holds for the naming attributes directories use (cn,
    uid, ou, dc, o: caseIgnoreMatch, RFC 4519); spaces around separators are not part of
    a value (RFC 4514 §3 and the older RFC 2253 §4 form AD still writes).
    """
    stripped = dn.strip()
    if not _NEEDS_FULL_PARSE.search(stripped):
        # The common case (no escapes, no multi-valued RDN, no quoting characters):
        # what the full parse below gives, without its per-character loop.
        simple = _simple_dn(stripped)
        if simple is not None:
            return simple
    return full_normalize_dn(stripped)


def full_normalize_dn(stripped: str) -> str:
    """:func:`normalize_dn` for any DN (escapes, multi-valued RDNs, quoting)."""
    rdns = []
    for rdn in _split_unescaped(stripped, ","):
        if not rdn.strip():
            continue
        pairs = []
        for ava in _split_unescaped(rdn, "+"):
            name, _, value = ava.partition("=")
            text = _unescape(value.strip()).lower()
            escaped = "".join("\\" + c if c in _SPECIAL else c for c in text)
            pairs.append(f"{name.strip().lower()}={escaped}")
        rdns.append("+".join(sorted(pairs)))
    return ",".join(rdns)


def member_dn(value: str) -> str:
    """A ``uniqueMember`` value without its optional ``#'0101'B`` uid part (RFC 4517
    §3.3.21 NameAndOptionalUID); other DNs are returned unchanged."""
    if value.endswith("'B") and "#'" in value:
        return value[: value.rindex("#'")]
    return value


class LoweredEntry(dict[str, Sequence[bytes]]):
    """An entry with lower-case attribute names (LDAP names are case-insensitive,
    RFC 4512 §2.5), made once per entry rather than once per field looked up."""

    @classmethod
    def of(cls, raw: RawAttributes) -> LoweredEntry:
        if isinstance(raw, LoweredEntry):
            return raw
        return cls((key.lower(), values) for key, values in raw.items())


def text(raw: RawAttributes, names: Sequence[str]) -> str | None:
    """The first value of the first attribute of ``names`` the entry has, as text."""
    lowered = LoweredEntry.of(raw)
    for name in names:
        values = lowered.get(name.lower())
        if values:
            return values[0].decode("utf-8", errors="replace")
    return None


def identifier(raw: RawAttributes, names: Sequence[str]) -> str | None:
    """The entry's stable id: ``objectGUID`` as a canonical GUID, others as text."""
    lowered = LoweredEntry.of(raw)
    for name in names:
        values = lowered.get(name.lower())
        if values:
            if name.lower() == "objectguid":
                return guid_from_bytes(values[0])
            return values[0].decode("utf-8", errors="replace")
    return None


def is_disabled(raw: RawAttributes, names: Sequence[str]) -> bool:
    """AD's ``userAccountControl`` bit, or any other named attribute present with a
    true value (ppolicy's ``pwdAccountLockedTime``, 389's ``nsAccountLock: true``)."""
    for name in names:
        value = text(raw, [name])
        if value is None:
            continue
        if name.lower() == "useraccountcontrol":
            return account_disabled(value)
        return value.strip().lower() not in _FALSE_WORDS
    return False


def _plain(raw: RawAttributes) -> dict[str, Any]:
    """The entry's attributes for raw_attributes: text where it is UTF-8, else base64."""
    out: dict[str, Any] = {}
    for key, values in raw.items():
        decoded = []
        for value in values:
            try:
                decoded.append(value.decode("utf-8"))
            except UnicodeDecodeError:
                decoded.append(base64.b64encode(value).decode("ascii"))
        out[key] = decoded[0] if len(decoded) == 1 else decoded
    return out


def user_resource(
    dn: str, raw: RawAttributes, profile: Profile, source_id: str, manager_id: str | None
) -> dict[str, Any] | None:
    """The SCIM User a users-search entry maps to; None when it has no userName."""
    original, raw = raw, LoweredEntry.of(raw)
    user_name = text(raw, profile.fields("userName"))
    if not user_name:
        return None
    resource: dict[str, Any] = {
        "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA, LDAP_USER_SCHEMA],
        "externalId": source_id,
        "userName": user_name,
        "active": not is_disabled(raw, profile.fields("disabled")),
    }
    name = {
        key: value
        for key, value in (
            ("givenName", text(raw, profile.fields("givenName"))),
            ("familyName", text(raw, profile.fields("familyName"))),
        )
        if value
    }
    if name:
        resource["name"] = name
    for key, field_name in (("displayName", "displayName"), ("title", "title")):
        value = text(raw, profile.fields(field_name))
        if value:
            resource[key] = value
    email = text(raw, profile.fields("email"))
    if email:
        resource["emails"] = [{"value": email, "type": "work", "primary": True}]
    enterprise: dict[str, Any] = {}
    for key, field_name in (("employeeNumber", "employeeNumber"), ("department", "department")):
        value = text(raw, profile.fields(field_name))
        if value:
            enterprise[key] = value
    if manager_id:
        enterprise["manager"] = {"value": manager_id}
    resource[ENTERPRISE_SCHEMA] = enterprise
    resource[LDAP_USER_SCHEMA] = {"dn": dn, "attributes": _without_id(original, profile)}
    return resource


def group_resource(dn: str, raw: RawAttributes, profile: Profile, source_id: str) -> dict[str, Any]:
    """The SCIM Group (without members) a groups-search entry maps to."""
    display = text(raw, profile.fields("groupName")) or dn
    resource: dict[str, Any] = {
        "schemas": [GROUP_SCHEMA, LDAP_GROUP_SCHEMA],
        "externalId": source_id,
        "displayName": display,
    }
    description = text(raw, profile.fields("groupDescription"))
    kept = {
        key: value
        for key, value in raw.items()
        if key.lower() not in _member_names(profile) and parse_range(key) is None
    }
    extension: dict[str, Any] = {"dn": dn, "attributes": _without_id(kept, profile, group=True)}
    if description:
        extension["description"] = description
    resource[LDAP_GROUP_SCHEMA] = extension
    return resource


def _member_names(profile: Profile) -> set[str]:
    return {n.lower() for n in (*profile.member_dn_attributes, *profile.member_uid_attributes)}


def _without_id(raw: RawAttributes, profile: Profile, *, group: bool = False) -> dict[str, Any]:
    """Attributes minus the id (already ``externalId``; a GUID in base64 helps nobody)."""
    ids = {n.lower() for n in profile.fields("groupId" if group else "id")}
    return _plain({key: values for key, values in raw.items() if key.lower() not in ids})
