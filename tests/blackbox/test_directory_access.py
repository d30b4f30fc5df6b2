"""Which SCIM requests a directory takes besides a valid token (services/scim.py authenticate).

An ``inactive`` directory refuses every SCIM request, reads included; a pull directory
(Google, LDAP, CSV) serves reads but refuses writes, since its source is the truth and
the next sync would undo a pushed change. Both answer 403 (RFC 7644 §3.12).
"""

from __future__ import annotations

import httpx
import pytest

from tests.factories import group_resource, user_resource
from tests.support.assertions import assert_scim_error
from tests.support.clients import Directory, create_directory, scim_client
from tests.support.scim_routes import READS, ROUTES, WRITES, route_body


def _seeded(admin: httpx.Client) -> tuple[Directory, str, str]:
    """A push directory with one user and one group."""
    directory = create_directory(admin, tenant="access")
    with scim_client(directory) as scim:
        user = scim.post("/Users", json=user_resource()).json()["id"]
        group = scim.post("/Groups", json=group_resource()).json()["id"]
    return directory, user, group


def _call(
    directory: Directory, method: str, template: str, user: str, group: str
) -> httpx.Response:
    with scim_client(directory) as scim:
        path = template.format(user=user, group=group)
        return scim.request(method, path, json=route_body(method, template))


def _set_state(admin: httpx.Client, directory: Directory, state: str) -> None:
    response = admin.patch(f"/api/v1/directories/{directory.id}", json={"state": state})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(("method", "template"), ROUTES)
def test_an_inactive_directory_refuses_every_request(
    admin: httpx.Client, method: str, template: str
) -> None:
    directory, user, group = _seeded(admin)
    _set_state(admin, directory, "inactive")
    response = _call(directory, method, template, user, group)
    assert_scim_error(response, 403)
    assert "inactive" in response.json()["detail"]


def test_activating_again_restores_access_and_nothing_was_written(admin: httpx.Client) -> None:
    directory, user, _ = _seeded(admin)
    _set_state(admin, directory, "inactive")
    with scim_client(directory) as scim:
        assert_scim_error(scim.delete(f"/Users/{user}"), 403)
    _set_state(admin, directory, "active")
    with scim_client(directory) as scim:
        assert scim.get(f"/Users/{user}").status_code == 200


def test_a_wrong_token_on_an_inactive_directory_is_still_401(admin: httpx.Client) -> None:
    """The state is only told to a rightful caller: probing learns nothing more."""
    directory, *_ = _seeded(admin)
    _set_state(admin, directory, "inactive")
    with scim_client(directory, token="scim_wrong") as scim:
        assert_scim_error(scim.get("/Users"), 401)


@pytest.fixture
def csv_directory(admin: httpx.Client) -> tuple[Directory, str, str]:
    """A CSV directory with one imported user in one group."""
    directory = create_directory(admin, tenant="pulled", provider="csv")
    body = "id,user_name,email,groups\n1,ann@pulled.example,ann@pulled.example,Staff\n"
    response = admin.post(
        f"/api/v1/directories/{directory.id}/import",
        content=body,
        headers={"Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    with scim_client(directory) as scim:
        user = scim.get("/Users").json()["Resources"][0]["id"]
        group = scim.get("/Groups").json()["Resources"][0]["id"]
    return directory, user, group


@pytest.mark.parametrize(("method", "template"), WRITES)
def test_a_pull_directory_refuses_scim_writes(
    admin: httpx.Client, csv_directory: tuple[Directory, str, str], method: str, template: str
) -> None:
    directory, user, group = csv_directory
    response = _call(directory, method, template, user, group)
    assert_scim_error(response, 403)
    assert "csv source" in response.json()["detail"]
    users = admin.get(f"/api/v1/directories/{directory.id}/users").json()["data"]
    assert [(u["username"], u["active"]) for u in users] == [("ann@pulled.example", True)]


@pytest.mark.parametrize(("method", "template"), READS)
def test_a_pull_directory_serves_scim_reads(
    csv_directory: tuple[Directory, str, str], method: str, template: str
) -> None:
    directory, user, group = csv_directory
    response = _call(directory, method, template, user, group)
    assert response.status_code == 200, response.text
