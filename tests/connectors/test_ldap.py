"""The LDAP source against a real slapd: TLS, users, the three group kinds, nesting,
paging, errors, and a second fetch after the directory changed."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from scimbridge.connectors.base import SourceError, SourceGroup, SourceUser
from scimbridge.connectors.ldap import LdapSource, open_source
from scimbridge.connectors.ldap_errors import NOT_TRUSTED
from scimbridge.connectors.ldap_mapping import ENTERPRISE_SCHEMA
from scimbridge.connectors.ldap_settings import parse_connection
from tests.support.ldap_tree import BULK_BASE, BULK_COUNT, LdapTree, session_slapd
from tests.support.slapd import SUFFIX, SlapdServer, make_ca


@pytest.fixture(scope="session")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlapdServer]:
    yield from session_slapd(tmp_path_factory)


@pytest.fixture
def tree(slapd: SlapdServer) -> Iterator[LdapTree]:
    built = LdapTree(slapd)
    yield built
    built.admin.unbind()


@pytest.fixture
def bulk_base() -> str:
    return BULK_BASE


def fetch(connection: dict[str, Any]) -> tuple[dict[str, SourceUser], dict[str, set[str]]]:
    """Users by userName and each group's members as userNames, in one run."""
    source = open_source(connection)
    try:
        users = {u.resource["userName"]: u for u in source.users()}
        names = {u.source_id: name for name, u in users.items()}
        groups: dict[str, set[str]] = {}
        for group in source.groups():
            groups[group.resource["displayName"]] = {names[m] for m in source.members(group)}
        return users, groups
    finally:
        source.close()


def test_users_over_starttls_with_the_ca_verified(tree: LdapTree) -> None:
    boss = tree.person("boss", title="CEO")
    tree.person(
        "alice",
        employeeNumber="42",
        departmentNumber="R&D",
        title="Engineer",
        manager=boss,
        displayName="Alice A.",
    )
    users, _ = fetch(tree.connection())
    alice = users["alice"].resource
    assert users["alice"].source_id == tree.entry_uuid(tree.dn("uid=alice"))
    assert alice["externalId"] == users["alice"].source_id
    assert alice["active"] is True
    assert alice["name"] == {"givenName": "Alice", "familyName": "Person"}
    assert alice["displayName"] == "Alice A."
    assert alice["emails"] == [{"value": "alice@example.test", "type": "work", "primary": True}]
    assert alice["title"] == "Engineer"
    assert alice[ENTERPRISE_SCHEMA] == {
        "employeeNumber": "42",
        "department": "R&D",
        "manager": {"value": users["boss"].source_id},
    }


def test_ldaps_with_the_ca_verified(tree: LdapTree, slapd: SlapdServer) -> None:
    tree.person("carol")
    connection = tree.connection(url=f"ldaps://127.0.0.1:{slapd.ldaps_port}", start_tls=False)
    users, _ = fetch(connection)
    assert set(users) == {"carol"}


@pytest.mark.parametrize("transport", ["ldaps", "starttls"])
def test_a_certificate_the_given_ca_did_not_sign_is_unreachable(
    slapd: SlapdServer, transport: str
) -> None:
    other_ca = make_ca("some other CA").certificate_pem
    if transport == "ldaps":
        connection = slapd.connection(
            url=f"ldaps://127.0.0.1:{slapd.ldaps_port}", start_tls=False, ca_cert=other_ca
        )
    else:
        connection = slapd.connection(ca_cert=other_ca)
    with pytest.raises(SourceError) as raised:
        open_source(connection)
    assert raised.value.kind == "unreachable"
    assert NOT_TRUSTED in raised.value.explanation


def test_plain_ldap_only_with_allow_insecure(slapd: SlapdServer) -> None:
    plain = slapd.connection(start_tls=False, ca_cert=None)
    with pytest.raises(SourceError) as raised:
        open_source(plain)
    assert raised.value.kind == "invalid_config"
    assert "allow_insecure" in raised.value.explanation
    source = open_source({**plain, "allow_insecure": True})
    source.close()


def test_a_wrong_password_is_credentials(slapd: SlapdServer) -> None:
    with pytest.raises(SourceError) as raised:
        open_source(slapd.connection(bind_password="wrong"))
    assert raised.value.kind == "credentials"


def test_a_closed_port_is_unreachable(slapd: SlapdServer) -> None:
    from tests.support.postgres import free_port

    with pytest.raises(SourceError) as raised:
        open_source(slapd.connection(url=f"ldap://127.0.0.1:{free_port()}", timeout_seconds=2))
    assert raised.value.kind == "unreachable"


def test_a_server_that_never_answers_is_unreachable_after_the_timeout() -> None:
    """A real listener on 127.0.0.1 that accepts and stays silent (a hung DC, a
    firewall that black-holes): the bind times out instead of hanging the worker."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        connection = {
            "url": f"ldap://127.0.0.1:{port}",
            "allow_insecure": True,
            "user_base_dn": SUFFIX,
            "timeout_seconds": 1,
        }
        with pytest.raises(SourceError) as raised:
            open_source(connection)
    assert raised.value.kind == "unreachable"


def test_a_wrong_base_dn_is_invalid_config(slapd: SlapdServer) -> None:
    source = open_source(slapd.connection(user_base_dn=f"ou=nowhere,{SUFFIX}"))
    try:
        with pytest.raises(SourceError) as raised:
            next(iter(source.users()))
    finally:
        source.close()
    assert raised.value.kind == "invalid_config"
    assert f"ou=nowhere,{SUFFIX}" in raised.value.explanation
    assert "does not exist" in raised.value.explanation


def test_the_three_group_kinds(tree: LdapTree) -> None:
    ann, bob = tree.person("ann"), tree.person("bob")
    tree.person("cid")
    tree.group_of_names("names", [ann, bob])
    # uniqueMember may carry the optional #'…'B uid part (RFC 4517 §3.3.21).
    tree.add("cn=unique", ["groupOfUniqueNames"], cn="unique", uniqueMember=[f"{ann}#'0101'B"])
    tree.add("cn=posix", ["posixGroup"], cn="posix", gidNumber="5000", memberUid=["bob", "cid"])
    # One entry a page: members() reads between pages on the same connection, and the
    # paging must carry on after it.
    _, groups = fetch(tree.connection(page_size=1))
    assert groups == {"names": {"ann", "bob"}, "unique": {"ann"}, "posix": {"bob", "cid"}}


def test_member_dns_match_whatever_their_case_and_spacing(tree: LdapTree) -> None:
    dee = tree.person("dee")
    shouted = dee.upper().replace(",", " , ")
    tree.group_of_names("loud", [shouted])
    _, groups = fetch(tree.connection())
    assert groups == {"loud": {"dee"}}


def test_nested_groups_flattened_on_request_through_a_cycle(tree: LdapTree) -> None:
    eve, fay, gus = tree.person("eve"), tree.person("fay"), tree.person("gus")
    outer, inner = tree.dn("cn=outer"), tree.dn("cn=inner")
    tree.group_of_names("outer", [eve, inner])
    tree.group_of_names("inner", [fay, outer])  # a cycle: inner contains outer again
    tree.group_of_names("innermost", [gus])
    tree.modify(inner, member=[fay, outer, tree.dn("cn=innermost")])
    _, direct = fetch(tree.connection())
    assert direct == {"outer": {"eve"}, "inner": {"fay"}, "innermost": {"gus"}}
    _, flat = fetch(tree.connection(flatten_nested_groups=True))
    assert flat == {
        "outer": {"eve", "fay", "gus"},
        "inner": {"eve", "fay", "gus"},
        "innermost": {"gus"},
    }


def test_dangling_member_and_manager_values_are_skipped(tree: LdapTree) -> None:
    gone = tree.dn("uid=gone")
    tree.person("ora", manager=gone)
    tree.group_of_names("odd", [tree.dn("uid=ora"), gone, f"cn=elsewhere,ou=none,{SUFFIX}"])
    users, groups = fetch(tree.connection(flatten_nested_groups=True))
    assert "manager" not in users["ora"].resource[ENTERPRISE_SCHEMA]
    assert groups == {"odd": {"ora"}}


def test_members_before_users_still_resolve(tree: LdapTree) -> None:
    tree.group_of_names("early", [tree.person("hal")])
    source = open_source(tree.connection())
    try:
        group = next(iter(source.groups()))
        members = list(source.members(group))
        assert members == [tree.entry_uuid(tree.dn("uid=hal"))]
    finally:
        source.close()


def test_ten_thousand_entries_stream_page_by_page(slapd: SlapdServer, bulk_base: str) -> None:
    source = open_source(slapd.connection(user_base_dn=bulk_base, page_size=500))
    try:
        stream = source.users()
        first = next(stream)
        assert source.pages_fetched == 1  # one page read, not the whole result
        ids = {first.source_id} | {user.source_id for user in stream}
        assert len(ids) == BULK_COUNT
        assert source.pages_fetched == BULK_COUNT // 500
    finally:
        source.close()


def test_a_server_size_limit_is_a_source_error_with_advice(
    slapd: SlapdServer, bulk_base: str
) -> None:
    limited = slapd.connection(
        bind_dn=f"cn=limited,{SUFFIX}", bind_password="limited-secret", user_base_dn=bulk_base
    )
    source = open_source(limited)
    try:
        with pytest.raises(SourceError) as raised:
            for _ in source.users():
                pass
    finally:
        source.close()
    assert raised.value.kind == "source_error"
    assert "page_size" in raised.value.explanation


def test_active_directory_entries(tree: LdapTree) -> None:
    """msuser (Microsoft's classes, shipped by OpenLDAP) gives slapd AD-shaped entries:
    binary objectGUID, userAccountControl, userPrincipalName, ``group``."""
    category = f"cn=Person,cn=Schema,cn=Configuration,{SUFFIX}"

    def ad_entry(name: str, classes: list[str], guid: bytes, **extra: Any) -> str:
        # mstop's MUSTs (MS-ADSC): what AD itself fills in on every object. msuser has no
        # securityPrincipal class (sAMAccountName), so extensibleObject (RFC 4512 §4.3)
        # admits it.
        required = {
            "instanceType": "4",
            "nTSecurityDescriptor": b"\x01",
            "objectCategory": category,
        }
        return tree.add(
            f"cn={name}",
            [*classes, "extensibleObject"],
            cn=name,
            objectGUID=guid,
            **required,
            **extra,
        )

    def ad_user(name: str, guid: bytes, control: int, **extra: Any) -> str:
        attributes = {"sn": name.title(), "sAMAccountName": name, **extra}
        return ad_entry(name, ["user"], guid, userAccountControl=str(control), **attributes)

    ivy = ad_user("ivy", bytes(range(1, 17)), 512, userPrincipalName="ivy@corp.example")
    # 514 = 512 NORMAL_ACCOUNT | 0x2 ACCOUNTDISABLE; no UPN: sAMAccountName is the fallback.
    jon = ad_user("jon", bytes(range(17, 33)), 514)
    ad_entry("staff", ["group"], bytes(range(33, 49)), groupType="2", member=[ivy, jon])
    # msuser gives objectCategory no EQUALITY rule, so slapd cannot match AD's default
    # (objectCategory=person); the rest of the profile is AD's own.
    connection = tree.connection(profile="active_directory", user_filter="(objectClass=user)")
    users, groups = fetch(connection)
    assert users["ivy@corp.example"].source_id == "04030201-0605-0807-090a-0b0c0d0e0f10"
    assert users["ivy@corp.example"].resource["active"] is True
    assert users["jon"].resource["active"] is False  # sAMAccountName as the fallback
    assert groups == {"staff": {"ivy@corp.example", "jon"}}


def test_a_second_fetch_reflects_changes_disables_and_removals(tree: LdapTree) -> None:
    kim, lee = tree.person("kim"), tree.person("lee")
    tree.person("max")
    team = tree.group_of_names("team", [kim, lee])
    connection = tree.connection(attribute_map={"disabled": "employeeType"})
    before, groups = fetch(connection)
    assert {u.resource["active"] for u in before.values()} == {True}
    assert groups == {"team": {"kim", "lee"}}

    tree.modify(kim, title="Lead", mail="kim.new@example.test")
    tree.modify(lee, employeeType="true")  # a site that marks leavers in employeeType
    tree.delete(tree.dn("uid=max"))
    tree.modify(team, member=[kim])
    tree.person("ned")

    after, groups = fetch(connection)
    assert set(after) == {"kim", "lee", "ned"}
    assert after["kim"].source_id == before["kim"].source_id
    assert after["kim"].resource["title"] == "Lead"
    assert after["kim"].resource["emails"][0]["value"] == "kim.new@example.test"
    assert after["lee"].resource["active"] is False
    assert groups == {"team": {"kim"}}


def test_the_index_limit_falls_back_to_reading_member_entries(tree: LdapTree) -> None:
    people = [tree.person(name) for name in ("oli", "pam", "quin")]
    tree.group_of_names("crowd", people)
    source = LdapSource(parse_connection(tree.connection()), index_limit=1)
    try:
        names = {u.source_id: u.resource["userName"] for u in source.users()}
        group: SourceGroup = next(iter(source.groups()))
        assert {names[m] for m in source.members(group)} == {"oli", "pam", "quin"}
    finally:
        source.close()
