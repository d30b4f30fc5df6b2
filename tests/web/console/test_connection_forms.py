"""The connection form's conversions, without HTTP: a form converts into a connection
the connector takes, and no secret ever reaches what the form shows."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scimbridge.connectors import csv_connector, google, ldap_settings
from scimbridge.connectors.ldap_settings import SourceError
from scimbridge.connectors.registry import MASK, masked_connection, unmasked_connection
from scimbridge.web.console import connection_forms as forms
from scimbridge.web.console import connection_providers as providers
from tests.support.fake_google import new_key, service_account_key


@pytest.fixture(scope="module")
def key_file() -> dict[str, Any]:
    return service_account_key(new_key(), "sync@proj.iam.gserviceaccount.com", "https://t/token")


def test_a_google_service_account_form_becomes_a_valid_connection(
    key_file: dict[str, Any],
) -> None:
    submitted = {
        "auth_mode": "service_account",
        "service_account": json.dumps(key_file),
        "subject": " admin@example.com ",
        "client_id": "ignored: another mode",
        "customer": "",
        "timeout_seconds": "12.5",
        "flatten_groups": "on",
    }
    connection = forms.to_connection(providers.GOOGLE, submitted, None)
    assert "client_id" not in connection
    assert connection["subject"] == "admin@example.com"
    assert connection["timeout_seconds"] == 12.5
    assert connection["flatten_groups"] is True
    checked = google.validate_connection(connection)
    assert checked["customer"] == "my_customer"
    assert checked["service_account"]["client_email"] == key_file["client_email"]


def test_a_stored_secret_is_never_shown_and_an_empty_field_keeps_it(
    key_file: dict[str, Any],
) -> None:
    stored = google.validate_connection(
        {"service_account": key_file, "subject": "admin@example.com", "flatten_groups": True}
    )
    shown = masked_connection("google", stored)
    state = forms.stored_state(providers.GOOGLE, shown)
    assert state.stored_secrets == {"service_account"}
    assert state.mode == "service_account"
    assert "service_account" not in state.values
    assert key_file["private_key"] not in repr(state)
    assert state.values["subject"] == "admin@example.com"
    assert state.values["flatten_groups"] is True
    # Defaults show as empty fields (their placeholders say them).
    assert state.values["api_base_url"] == state.values["customer"] == ""
    assert state.values["timeout_seconds"] == ""

    kept = forms.to_connection(
        providers.GOOGLE, {"auth_mode": "service_account", "subject": "boss@example.com"}, shown
    )
    assert kept["service_account"] == MASK
    assert kept["flatten_groups"] is False  # an unticked box is sent as false
    merged = unmasked_connection("google", kept, stored)
    assert google.validate_connection(merged)["service_account"] == stored["service_account"]


def test_switching_google_to_oauth_sends_only_the_oauth_fields(key_file: dict[str, Any]) -> None:
    stored = masked_connection(
        "google",
        google.validate_connection({"service_account": key_file, "subject": "a@example.com"}),
    )
    submitted = {"auth_mode": "oauth", "client_id": "id", "client_secret": "s", "refresh_token": ""}
    connection = forms.to_connection(providers.GOOGLE, submitted, stored)
    # No service account (the other mode), no refresh token (none stored, none typed).
    assert set(connection) == {"client_id", "client_secret", "flatten_groups"}
    with pytest.raises(ValueError, match="refresh_token is required"):
        google.validate_connection(connection)
    oauth = masked_connection(
        "google",
        google.validate_connection({"client_id": "id", "client_secret": "s", "refresh_token": "r"}),
    )
    state = forms.stored_state(providers.GOOGLE, oauth)
    assert state.mode == "oauth"
    assert state.stored_secrets == {"client_secret", "refresh_token"}
    assert state.values["client_id"] == "id"


def test_an_ldap_form_with_overrides_and_a_password_that_keeps_its_spaces() -> None:
    submitted = {
        "url": "ldaps://ldap.example.com",
        "profile": "active_directory",
        "bind_dn": "cn=sync,dc=example,dc=com",
        "bind_password": " pass word ",
        "user_base_dn": "dc=example,dc=com",
        "attribute_map": "userName = userPrincipalName, sAMAccountName\n\nemail = mail\n",
        "page_size": "200",
    }
    connection = forms.to_connection(providers.LDAP, submitted, None)
    assert connection["bind_password"] == " pass word "
    assert connection["attribute_map"] == {
        "userName": ["userPrincipalName", "sAMAccountName"],
        "email": ["mail"],
    }
    assert connection["start_tls"] is False
    stored = ldap_settings.validate_connection(connection)
    state = forms.stored_state(providers.LDAP, masked_connection("ldap", stored))
    assert state.stored_secrets == {"bind_password"}
    assert state.values["attribute_map"] == (
        "userName = userPrincipalName, sAMAccountName\nemail = mail"
    )
    # The profile's default filters and the group base DN (= user base) show empty, so a
    # change of profile brings that profile's defaults.
    assert state.values["user_filter"] == state.values["group_filter"] == ""
    assert state.values["group_base_dn"] == ""
    assert state.values["page_size"] == "200"
    assert state.values["timeout_seconds"] == ""
    assert state.values["profile"] == "active_directory"


def test_the_connector_judges_the_values() -> None:
    connection = forms.to_connection(
        providers.LDAP, {"url": "ldap://ldap.example.com", "user_base_dn": "dc=x"}, None
    )
    with pytest.raises(SourceError, match="sends the password unencrypted"):
        ldap_settings.validate_connection(connection)


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("page_size", "many", "Page size must be a number"),
        ("attribute_map", "userName mail", "line 1: write it as name = value"),
        ("attribute_map", "email = mail\nemail = other", "line 2: 'email' is given twice"),
    ],
)
def test_unreadable_text_is_refused_with_the_fields_label(
    field: str, text: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        forms.to_connection(providers.LDAP, {field: text}, None)


def test_a_refused_form_keeps_what_was_typed_but_no_secret() -> None:
    submitted = {"url": " ldap://x ", "bind_password": "hunter2", "start_tls": "on"}
    stored = {"bind_password": MASK, "url": "ldaps://old"}
    state = forms.submitted_state(providers.LDAP, submitted, stored)
    assert state.values["url"] == "ldap://x"
    assert state.values["start_tls"] is True
    assert state.values["allow_insecure"] is False
    assert "bind_password" not in state.values
    assert state.stored_secrets == {"bind_password"}
    assert "hunter2" not in repr(state)
    assert forms.typed_secrets(providers.LDAP, submitted) == ["Bind password"]


def test_a_csv_header_map_round_trips() -> None:
    connection = forms.to_connection(providers.CSV, {"header_map": "Mail = email\nLogin=id"}, None)
    stored = csv_connector.validate_connection(connection)
    assert stored == {"header_map": {"Mail": "email", "Login": "id"}}
    state = forms.stored_state(providers.CSV, stored)
    assert state.values["header_map"] == "Mail = email\nLogin = id"
    assert forms.to_connection(providers.CSV, {"header_map": "  "}, stored) == {}
    assert state.mode is None
