"""Header limits and a single Authorization header, on the real server (both surfaces)."""

from __future__ import annotations

import httpx

from scimbridge.api.headers import MAX_HEAD_BYTES, MAX_HEADER_BYTES, MAX_HEADER_COUNT
from tests.factories import user_resource
from tests.support.clients import Directory
from tests.support.server import RunningServer

SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def test_two_authorization_headers_are_refused_on_scim_routes(directory: Directory) -> None:
    token = f"Bearer {directory.scim_token}"
    response = httpx.get(
        f"{directory.scim_base_url}/Users",
        headers=[("Authorization", token), ("Authorization", token)],
    )
    assert response.status_code == 400
    assert response.json()["schemas"] == [SCIM_ERROR]
    assert "more than one Authorization header" in response.json()["detail"]


def test_two_authorization_headers_are_refused_on_the_admin_api(server: RunningServer) -> None:
    token = f"Bearer {server.admin_token}"
    for pair in ([token, token], [token, "Bearer wrong"], ["Bearer wrong", token]):
        response = httpx.get(
            f"{server.base_url}/api/v1/directories",
            headers=[("Authorization", value) for value in pair],
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_request"


def test_too_many_header_fields_get_431(admin: httpx.Client) -> None:
    fields = [(f"x-field-{i}", "1") for i in range(MAX_HEADER_COUNT)]
    response = admin.get("/api/v1/directories", headers=fields)
    assert response.status_code == 431
    assert response.json()["error"]["code"] == "request_header_fields_too_large"
    # Just under the limit (the client adds its own few fields) is fine.
    assert admin.get("/api/v1/directories", headers=fields[:80]).status_code == 200


def test_oversized_header_fields_get_431_in_the_surfaces_format(
    admin: httpx.Client, scim: httpx.Client
) -> None:
    big = {"x-padding": "a" * MAX_HEADER_BYTES}
    response = admin.get("/api/v1/directories", headers=big)
    assert response.status_code == 431
    assert "exceed" in response.json()["error"]["message"]
    response = scim.get("/Users", headers=big)
    assert response.status_code == 431
    assert response.json()["schemas"] == [SCIM_ERROR]
    assert scim.get("/Users", headers={"x-padding": "a" * 8000}).status_code == 200


def test_a_huge_request_head_is_cut_off_by_the_server(server: RunningServer) -> None:
    """Past MAX_HEAD_BYTES the connection ends with a 431 before the head is buffered."""
    response = httpx.get(f"{server.base_url}/healthz", headers={"x-pad": "a" * 4 * MAX_HEAD_BYTES})
    assert response.status_code == 431
    assert response.headers["connection"] == "close"
    assert f"exceed {MAX_HEAD_BYTES} bytes" in response.text


def test_large_bodies_and_kept_alive_connections_do_not_count_as_head(
    scim: httpx.Client,
) -> None:
    # A body several times the head limit, arriving with and after the head.
    body = user_resource(displayName="x" * 400, title="t" * (3 * MAX_HEAD_BYTES))
    for _ in range(3):  # one connection, several requests
        response = scim.post("/Users", json=user_resource(**{"x-extension": body}))
        assert response.status_code != 431
        assert scim.get("/Users", params={"count": 1}).status_code == 200
