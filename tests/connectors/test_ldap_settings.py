"""The ldap ``connection``: what is accepted, how it is normalised, what is refused."""

from __future__ import annotations

from typing import Any

import pytest

from scimbridge.connectors.base import SourceError
from scimbridge.connectors.ldap import SECRET_FIELDS, validate_connection
from scimbridge.connectors.ldap_settings import parse_connection
from tests.support.slapd import make_ca

PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"  # unreadable


def settings(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "url": "ldaps://dc1.corp.example",
        "bind_dn": "cn=sync,dc=corp,dc=example",
        "bind_password": "pw",
        "user_base_dn": "ou=people,dc=corp,dc=example",
    }
    base.update(overrides)
    return base


def refused(**overrides: Any) -> str:
    with pytest.raises(SourceError) as raised:
        validate_connection(settings(**overrides))
    assert raised.value.kind == "invalid_config"
    return raised.value.explanation


def test_defaults_are_filled_in() -> None:
    stored = validate_connection(settings())
    assert stored["profile"] == "openldap"
    assert stored["group_base_dn"] == "ou=people,dc=corp,dc=example"
    assert stored["user_filter"] == "(objectClass=inetOrgPerson)"
    assert stored["page_size"] == 500
    assert stored["flatten_nested_groups"] is False
    parsed = parse_connection(stored)  # what is stored validates again unchanged
    assert parsed.port == 636
    assert parsed.use_ssl
    assert validate_connection(stored) == stored


def test_the_active_directory_profile_brings_its_filters() -> None:
    stored = validate_connection(settings(profile="active_directory"))
    assert stored["user_filter"] == "(&(objectCategory=person)(objectClass=user))"
    assert stored["group_filter"] == "(objectClass=group)"


def test_the_password_is_the_secret_field() -> None:
    assert SECRET_FIELDS == ("bind_password",)


def test_plain_ldap_needs_start_tls_or_an_explicit_allow_insecure() -> None:
    assert "allow_insecure" in refused(url="ldap://dc1.corp.example")
    assert validate_connection(settings(url="ldap://h", start_tls=True))["start_tls"] is True
    assert validate_connection(settings(url="ldap://h", allow_insecure=True))["allow_insecure"]


def test_there_is_no_switch_to_skip_certificate_verification() -> None:
    assert "unknown" in refused(tls_verify=False)


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"url": "http://dc1"}, "ldap://host"),
        ({"url": "ldaps://dc1/dc=x"}, "base DNs separately"),
        ({"url": "ldaps://dc1:99999"}, "port"),
        ({"url": "ldaps://dc1", "start_tls": True}, "already TLS"),
        ({"start_tls": "yes"}, "true or false"),
        ({"profile": "novell"}, "profile"),
        ({"ca_cert": "not a pem"}, "PEM"),
        ({"ca_cert": PEM}, "not a readable PEM certificate"),
        ({"bind_password": None}, "bind_password"),
        ({"user_base_dn": ""}, "user_base_dn"),
        ({"user_filter": "objectClass=person"}, "RFC 4515"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": 10_000}, "page_size"),
        ({"attribute_map": {"shoeSize": "x"}}, "unknown field"),
        ({"attribute_map": {"userName": "member;range=0-1"}}, "attribute name"),
        ({"attribute_map": ["uid"]}, "attribute_map"),
    ],
)
def test_bad_settings_say_what_is_wrong(overrides: dict[str, Any], words: str) -> None:
    assert words in refused(**overrides)


def test_attribute_map_overrides_single_fields() -> None:
    stored = validate_connection(
        settings(
            ca_cert=make_ca("ok").certificate_pem,
            attribute_map={"userName": "mail", "disabled": ["nsAccountLock"]},
        )
    )
    profile = parse_connection(stored).resolved_profile()
    assert profile.fields("userName") == ("mail",)
    assert profile.fields("disabled") == ("nsAccountLock",)
    assert profile.fields("familyName") == ("sn",)  # the rest stays the profile's
