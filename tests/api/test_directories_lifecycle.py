"""Admin API: a directory's ``deprovision_policy`` (README, "Events and webhooks")."""

from __future__ import annotations

import httpx
import pytest

from tests.support.clients import create_directory


def assert_bad_request(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"]
    assert "deprovision_policy" in error["message"]


@pytest.mark.parametrize("provider", ["okta", "entra", "onelogin", "jumpcloud", "ping", "generic"])
def test_push_providers_default_to_deactivate(admin: httpx.Client, provider: str) -> None:
    directory = create_directory(admin, provider=provider)
    assert directory.body["deprovision_policy"] == "deactivate"
    shown = admin.get(f"/api/v1/directories/{directory.id}").json()
    assert shown["deprovision_policy"] == "deactivate"


def test_create_with_an_explicit_policy(admin: httpx.Client) -> None:
    """OneLogin's deprovisioning action can be "Delete": the directory says so."""
    directory = create_directory(admin, provider="onelogin", deprovision_policy="delete")
    assert directory.body["deprovision_policy"] == "delete"
    listed = admin.get("/api/v1/directories", params={"tenant": "acme", "limit": 100}).json()
    assert {d["id"]: d["deprovision_policy"] for d in listed["data"]}[directory.id] == "delete"


def test_patch_changes_the_policy_and_nothing_else(admin: httpx.Client) -> None:
    directory = create_directory(admin, provider="okta")
    response = admin.patch(
        f"/api/v1/directories/{directory.id}", json={"deprovision_policy": "delete"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["deprovision_policy"] == "delete"
    assert response.json()["name"] == directory.body["name"]
    assert admin.get(f"/api/v1/directories/{directory.id}").json()["deprovision_policy"] == (
        "delete"
    )
    renamed = admin.patch(f"/api/v1/directories/{directory.id}", json={"name": "Renamed"})
    assert renamed.json()["deprovision_policy"] == "delete"


@pytest.mark.parametrize("policy", ["purge", "", "DELETE", None, 1])
def test_bad_policy_is_a_400(admin: httpx.Client, policy: object) -> None:
    payload = {"name": "A", "tenant": "t", "provider": "okta", "deprovision_policy": policy}
    if policy is not None:  # null on create means "the provider's default"
        assert_bad_request(admin.post("/api/v1/directories", json=payload))
    directory = create_directory(admin)
    assert_bad_request(
        admin.patch(f"/api/v1/directories/{directory.id}", json={"deprovision_policy": policy})
    )
    assert admin.get(f"/api/v1/directories/{directory.id}").json()["deprovision_policy"] == (
        "deactivate"
    )
