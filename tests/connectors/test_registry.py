"""The pull-provider registry: a provider is accepted when, and only when, it is registered."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from scimbridge.connectors import registry
from scimbridge.errors import InvalidRequest, ProviderNotAvailable
from scimbridge.services import directories as directory_service


def _fake_validate(connection: Mapping[str, Any]) -> dict[str, Any]:
    if "host" not in connection:
        raise ValueError("host is required")
    return dict(connection)


FAKE = registry.PullConnector(
    provider="ldap",
    validate_connection=_fake_validate,
    open_source=None,
    secret_fields=frozenset({"password"}),
)


def test_an_unregistered_pull_provider_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_MODULES", {"csv": "scimbridge.connectors.csv_connector"})
    assert registry.registered_providers() == ("csv",)
    assert "ldap" not in directory_service.available_providers()
    with pytest.raises(ProviderNotAvailable, match="ldap"):
        directory_service.validate_provider("ldap")
    assert directory_service.validate_provider("csv") == "csv"


def test_a_module_that_cannot_import_is_not_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_MODULES", {"ldap": "scimbridge.connectors.no_such_module"})
    assert registry.connector_for("ldap") is None
    assert registry.registered_providers() == ()


def test_connection_is_validated_and_secrets_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "connector_for", lambda p: FAKE if p == "ldap" else None)
    with pytest.raises(InvalidRequest, match="host is required"):
        directory_service.validate_connection("ldap", {"password": "x"})
    checked = directory_service.validate_connection("ldap", {"host": "h", "password": "s3cret"})
    assert checked == {"host": "h", "password": "s3cret"}
    assert registry.masked_connection("ldap", checked) == {"host": "h", "password": registry.MASK}
    with pytest.raises(InvalidRequest, match="takes no connection"):
        directory_service.validate_connection("okta", {"host": "h"})


def test_a_patch_that_sends_the_mask_back_keeps_the_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "connector_for", lambda p: FAKE if p == "ldap" else None)
    stored = {"host": "old", "password": "s3cret"}
    patched = registry.unmasked_connection(
        "ldap", {"host": "new", "password": registry.MASK}, stored
    )
    assert patched == {"host": "new", "password": "s3cret"}
    changed = registry.unmasked_connection("ldap", {"host": "h", "password": "n3w"}, stored)
    assert changed == {"host": "h", "password": "n3w"}


def test_every_pull_provider_of_the_contract_is_registered() -> None:
    """Google Workspace, LDAP and CSV all have a connector (issue 14 turned them on)."""
    assert set(registry.registered_providers()) == {"google", "ldap", "csv"}
    for provider in ("google", "ldap", "csv"):
        assert directory_service.validate_provider(provider) == provider
