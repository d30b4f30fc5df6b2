"""A token of directory A is worthless on directory B, on every route (RELIABILITY.md §6.1)."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import group_resource, user_resource
from tests.support.clients import create_directory, scim_client
from tests.support.scim_routes import ROUTES, route_body


@pytest.fixture
def two_directories(admin: httpx.Client):
    a, b = create_directory(admin, tenant="a"), create_directory(admin, tenant="b")
    with scim_client(b) as client_b:
        user = client_b.post("/Users", json=user_resource()).json()["id"]
        group = client_b.post("/Groups", json=group_resource()).json()["id"]
    return a, b, user, group


@pytest.mark.parametrize(("method", "template"), ROUTES)
def test_token_of_a_on_b_is_401(two_directories, method: str, template: str) -> None:
    a, b, user, group = two_directories
    path = template.format(user=user, group=group)
    with httpx.Client(
        base_url=b.scim_base_url, headers={"Authorization": f"Bearer {a.scim_token}"}
    ) as client:
        response = client.request(method, path, json=route_body(method, template))
    assert response.status_code == 401, response.text
    assert response.json()["detail"] == "missing or invalid bearer token for this directory"


@pytest.mark.parametrize(("method", "template"), [r for r in ROUTES if "{" in r[1]])
def test_resource_of_b_on_a_url_is_404(two_directories, method: str, template: str) -> None:
    a, _, user, group = two_directories
    path = template.format(user=user, group=group)
    with scim_client(a) as client:
        response = client.request(method, path, json=route_body(method, template))
    assert response.status_code == 404, response.text


def test_filter_cannot_reach_across(two_directories) -> None:
    a, _, user, _ = two_directories
    with scim_client(a) as client:
        page = client.get("/Users", params={"filter": f'id eq "{user}"'}).json()
    assert page["totalResults"] == 0


def test_unknown_directory_looks_like_bad_token(server, two_directories) -> None:
    a, *_ = two_directories
    url = f"{server.base_url}/scim/v2/directory_unknown/Users"
    response = httpx.get(url, headers={"Authorization": f"Bearer {a.scim_token}"})
    assert response.status_code == 401


def test_missing_token_is_401(two_directories) -> None:
    a, *_ = two_directories
    response = httpx.get(f"{a.scim_base_url}/Users")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_same_username_in_two_directories_is_fine(two_directories) -> None:
    a, b, *_ = two_directories
    body = user_resource(userName="shared@example.com")
    with scim_client(a) as client_a, scim_client(b) as client_b:
        assert client_a.post("/Users", json=body).status_code == 201
        assert client_b.post("/Users", json=body).status_code == 201
