"""The per-provider steps are complete and name the IdPs' own fields."""

from __future__ import annotations

import pytest

from scimbridge.services.directories import available_providers
from scimbridge.store.tables import PROVIDERS
from scimbridge.web.portal.instructions import (
    BY_PROVIDER,
    GENERIC,
    SCIM_BASE_URL,
    SCIM_TOKEN,
    instructions_for,
)

EXPECTED_FIELDS = {
    "okta": {"SCIM connector base URL", "Unique identifier field for users", "Authentication Mode"},
    "entra": {"Tenant URL", "Secret Token", "Provisioning Mode"},
    "onelogin": {"SCIM Base URL", "SCIM Bearer Token"},
    "jumpcloud": {"Base URL", "Token Key"},
    "ping": {"SCIM base URL", "Authentication method", "OAuth Access Token"},
    "rippling": {"SCIM Base URL", "SCIM Authorization Method", "Bearer Token"},
}


def labels(provider: str) -> dict[str, str]:
    return {f.label: f.value for s in instructions_for(provider).steps for f in s.fields}


@pytest.mark.parametrize("provider", sorted(EXPECTED_FIELDS))
def test_scim_providers_name_their_fields_and_get_both_values(provider: str) -> None:
    fields = labels(provider)
    assert EXPECTED_FIELDS[provider] <= set(fields)
    assert SCIM_BASE_URL in fields.values()
    assert SCIM_TOKEN in fields.values()
    assert instructions_for(provider).scim


def test_okta_and_entra_literal_values() -> None:
    assert labels("okta")["Authentication Mode"] == "HTTP Header"
    assert labels("okta")["Unique identifier field for users"] == "userName"
    assert labels("entra")["Provisioning Mode"] == "Automatic"


def test_google_is_a_pull_source_without_a_token() -> None:
    google = instructions_for("google")
    assert not google.scim
    assert "service account" in " ".join(step.text for step in google.steps)
    assert SCIM_TOKEN not in labels("google").values()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_provider_has_steps_and_cited_docs(provider: str) -> None:
    guide = instructions_for(provider)
    assert guide.steps
    assert all(url.startswith("https://") for url in guide.docs)


def test_the_others_fall_back_to_generic_scim() -> None:
    assert instructions_for("generic") is GENERIC
    assert instructions_for("unknown") is GENERIC
    assert set(available_providers()) - {"generic"} <= set(BY_PROVIDER)
