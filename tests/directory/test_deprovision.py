"""Per-provider deprovisioning defaults (directory/deprovision.py cites each document)."""

from __future__ import annotations

import pytest

from scimbridge.directory.deprovision import DEPROVISION_POLICIES, default_policy
from scimbridge.store.tables import PROVIDERS


@pytest.mark.parametrize(
    ("provider", "policy"),
    [
        ("okta", "deactivate"),
        ("entra", "deactivate"),
        ("onelogin", "deactivate"),
        ("jumpcloud", "deactivate"),
        ("ping", "deactivate"),
        ("rippling", "deactivate"),
        ("generic", "deactivate"),
        ("google", "delete"),
        ("ldap", "deactivate"),
        ("csv", "deactivate"),
    ],
)
def test_default_per_provider(provider: str, policy: str) -> None:
    assert default_policy(provider) == policy


def test_every_provider_has_a_valid_default() -> None:
    assert {default_policy(p) for p in PROVIDERS} <= set(DEPROVISION_POLICIES)
    # Migration 0004 back-fills existing directories with this same list.
    assert [p for p in PROVIDERS if default_policy(p) == "delete"] == ["google"]
