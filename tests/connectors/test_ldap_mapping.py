"""Pure units of the LDAP quirks: AD GUIDs, userAccountControl, range retrieval, DN
normalisation, and the mapping of an entry to a SCIM resource."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scimbridge.connectors.ldap_mapping import (
    ENTERPRISE_SCHEMA,
    LDAP_USER_SCHEMA,
    RawAttributes,
    account_disabled,
    all_ranged_values,
    full_normalize_dn,
    group_resource,
    guid_from_bytes,
    is_disabled,
    member_dn,
    next_range,
    normalize_dn,
    parse_range,
    ranged_values,
    user_resource,
)
from scimbridge.connectors.ldap_profiles import ACTIVE_DIRECTORY, OPENLDAP


def test_objectguid_first_three_fields_are_little_endian() -> None:
    # MS-DTYP §2.3.4.2: Data1..Data3 little-endian, Data4 in order.
    raw = bytes.fromhex("0102030405060708090a0b0c0d0e0f10")
    assert guid_from_bytes(raw) == "04030201-0605-0807-090a-0b0c0d0e0f10"


@given(st.uuids())
def test_objectguid_round_trips_with_the_windows_layout(value: uuid.UUID) -> None:
    assert guid_from_bytes(value.bytes_le) == str(value)


def test_objectguid_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        guid_from_bytes(b"\x01" * 15)


@pytest.mark.parametrize(
    ("control", "disabled"),
    [("512", False), ("514", True), ("66048", False), ("66050", True), ("2", True)],
)
def test_user_account_control_bit_two_is_disabled(control: str, disabled: bool) -> None:
    assert account_disabled(control) is disabled


@pytest.mark.parametrize(
    ("description", "parsed"),
    [
        ("member;range=0-1499", ("member", 0, 1499)),
        ("member;range=1500-*", ("member", 1500, None)),
        ("Member;Range=3000-4499", ("Member", 3000, 4499)),
        ("member;binary;range=0-9", ("member", 0, 9)),
        ("member", None),
        ("member;range=x-1", None),
    ],
)
def test_range_attribute_descriptions(
    description: str, parsed: tuple[str, int, int | None] | None
) -> None:
    assert parse_range(description) == parsed


def test_the_next_range_starts_after_the_last_chunk() -> None:
    assert next_range("member", 1499) == "member;range=1500-*"


def _chunks(total: int, size: int) -> dict[str, RawAttributes]:
    """What an AD DC answers for each ``member;range=N-*`` request of a big group."""
    answers: dict[str, RawAttributes] = {}
    for low in range(0, total, size):
        high = min(low + size, total) - 1
        label = "*" if high == total - 1 else str(high)
        values = [f"cn=u{n},dc=x".encode() for n in range(low, high + 1)]
        answers[f"member;range={low}-*"] = {f"member;range={low}-{label}": values}
    return answers


def test_range_retrieval_collects_every_chunk() -> None:
    answers = _chunks(4000, 1500)
    asked: list[str] = []

    def fetch(description: str) -> RawAttributes | None:
        asked.append(description)
        return answers[description]

    first = answers["member;range=0-*"]
    values = list(all_ranged_values(first, "member", fetch))
    assert len(values) == 4000
    assert len(set(values)) == 4000
    assert asked == ["member;range=1500-*", "member;range=3000-*"]


def test_an_unranged_attribute_needs_no_more_requests() -> None:
    raw = {"member": [b"cn=a,dc=x"]}
    assert ranged_values(raw, "member") == ([b"cn=a,dc=x"], None)
    assert list(all_ranged_values(raw, "member", lambda _: pytest.fail("no fetch"))) == [
        b"cn=a,dc=x"
    ]


def test_a_server_repeating_a_range_does_not_loop() -> None:
    stuck = {"member;range=0-1": [b"cn=a,dc=x", b"cn=b,dc=x"]}
    assert len(list(all_ranged_values(stuck, "member", lambda _: stuck))) == 2


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (
            "CN=John Smith , OU=People,DC=Example,DC=Com",
            "cn=john smith,ou=people,dc=example,dc=com",
        ),
        ("cn=Smith\\, John,dc=x", "CN=SMITH\\2C JOHN, DC=X"),
        ("cn=a+uid=b,dc=x", "UID=B + CN=A,dc=x"),
        ("cn=\\C3\\A9lise,dc=x", "cn=élise,dc=x"),
        (" uid=ann,dc=x ", "uid=ann,dc=x"),
    ],
)
def test_equal_dns_normalise_alike(left: str, right: str) -> None:
    assert normalize_dn(left) == normalize_dn(right)


_word = st.text(alphabet="abcXYZ019 .-_=", min_size=1, max_size=6)


@given(st.lists(st.tuples(_word, _word), min_size=1, max_size=4))
def test_the_fast_path_normalises_as_the_full_parse(rdns: list[tuple[str, str]]) -> None:
    dn = ",".join(f"{name}={value}" for name, value in rdns)
    assert normalize_dn(dn) == full_normalize_dn(dn.strip())


def test_different_dns_stay_different() -> None:
    assert normalize_dn("cn=a\\,b,dc=x") != normalize_dn("cn=a,cn=b,dc=x")
    assert normalize_dn("uid=ann,dc=x") != normalize_dn("uid=anne,dc=x")


def test_unique_member_loses_its_optional_uid() -> None:
    assert member_dn("uid=ann,dc=x#'0101'B") == "uid=ann,dc=x"
    assert member_dn("uid=ann,dc=x") == "uid=ann,dc=x"


def test_openldap_disabled_is_opt_in_and_reads_lock_attributes() -> None:
    assert is_disabled({"nsAccountLock": [b"true"]}, ()) is False  # not mapped: never
    assert is_disabled({"nsAccountLock": [b"TRUE"]}, ("nsAccountLock",)) is True
    assert is_disabled({"nsAccountLock": [b"false"]}, ("nsAccountLock",)) is False
    locked = {"pwdAccountLockedTime": [b"20260101000000Z"]}
    assert is_disabled(locked, ("pwdAccountLockedTime",)) is True
    assert is_disabled({}, ("pwdAccountLockedTime",)) is False


def test_an_openldap_person_maps_to_a_scim_user() -> None:
    raw = {
        "entryUUID": [b"6b1b4c2e-1111-4a4a-8888-000000000001"],
        "uid": [b"ann"],
        "givenName": [b"Ann"],
        "sn": [b"Lee"],
        "cn": [b"Ann Lee"],
        "mail": [b"ann@example.test"],
        "departmentNumber": [b"R&D"],
        "title": [],
    }
    resource = user_resource("uid=ann,dc=x", raw, OPENLDAP, "id-1", "id-boss")
    assert resource is not None
    assert resource["userName"] == "ann"
    assert resource["active"] is True
    assert resource["displayName"] == "Ann Lee"  # no displayName: cn
    assert "title" not in resource
    assert resource[ENTERPRISE_SCHEMA] == {"department": "R&D", "manager": {"value": "id-boss"}}
    extension = resource[LDAP_USER_SCHEMA]
    assert extension["dn"] == "uid=ann,dc=x"
    assert "entryUUID" not in extension["attributes"]


def test_an_entry_without_a_user_name_is_not_a_user() -> None:
    assert user_resource("cn=x,dc=x", {"cn": [b"x"]}, OPENLDAP, "id", None) is None


def test_an_ad_user_falls_back_to_sam_account_name_and_reads_its_disabled_bit() -> None:
    raw = {"sAMAccountName": [b"jon"], "userAccountControl": [b"514"], "objectGUID": [b"\0" * 16]}
    resource = user_resource("cn=jon,dc=x", raw, ACTIVE_DIRECTORY, "g", None)
    assert resource is not None
    assert (resource["userName"], resource["active"]) == ("jon", False)


def test_a_group_keeps_no_member_list_in_its_resource() -> None:
    raw = {"cn": [b"staff"], "member": [b"cn=a,dc=x"], "member;range=0-1499": [b"cn=b,dc=x"]}
    resource = group_resource("cn=staff,dc=x", raw, ACTIVE_DIRECTORY, "gid")
    assert resource["displayName"] == "staff"
    assert resource["externalId"] == "gid"
    attributes = resource["urn:scimbridge:params:scim:schemas:extension:ldap:1.0:Group"]
    assert attributes["attributes"] == {"cn": "staff"}
