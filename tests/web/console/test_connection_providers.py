"""Every field a connector accepts is on its console form, and only its secrets are
secret fields."""

from __future__ import annotations

import pytest

from scimbridge.connectors import google, ldap_settings
from scimbridge.web.console import connection_providers as providers

KNOWN = {
    "google": google._FIELDS,
    "ldap": ldap_settings._KNOWN,
    "csv": {"header_map"},
}


@pytest.mark.parametrize("provider", ["google", "ldap", "csv"])
def test_each_form_has_every_field_its_connector_accepts(provider: str) -> None:
    form = providers.form_for(provider)
    assert form is not None
    names = [f.name for f in form.fields]
    assert len(names) == len(set(names))
    assert set(names) == KNOWN[provider]
    assert all(f.label for f in form.fields)


def test_secret_fields_are_the_connectors_secrets() -> None:
    for provider, secrets in (("google", google.SECRET_FIELDS), ("ldap", ("bind_password",))):
        form = providers.form_for(provider)
        assert form is not None
        assert {f.name for f in form.fields if f.kind == "secret"} == set(secrets)
