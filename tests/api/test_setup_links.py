"""Setup links over HTTP: the admin endpoints and the portal's token-only endpoints."""

from __future__ import annotations

import httpx
import pytest

from tests.support.clients import Directory, create_directory, scim_client, wait_for_requests
from tests.support.server import RunningServer


def new_link(admin: httpx.Client, directory: Directory, **body: int) -> dict:
    response = admin.post(
        f"/api/v1/directories/{directory.id}/setup-link", json=body if body else None
    )
    assert response.status_code == 201, response.text
    link: dict = response.json()
    return link


def portal(server: RunningServer, link: dict) -> httpx.Client:
    """A client with no admin token: the IT admin's browser."""
    return httpx.Client(base_url=link["url"], timeout=30)


class TestAdminEndpoints:
    def test_create_list_revoke(self, server: RunningServer, admin: httpx.Client) -> None:
        directory = create_directory(admin)
        link = new_link(admin, directory)
        assert set(link) == {"id", "url", "expires_at"}
        assert link["url"].startswith(f"{server.base_url}/setup/sbsetup_")
        longer = new_link(admin, directory, expires_in_days=30)
        listed = admin.get(f"/api/v1/directories/{directory.id}/setup-links").json()["data"]
        assert [item["id"] for item in listed] == [longer["id"], link["id"]]
        assert link["url"].rsplit("/", 1)[1] not in str(listed)
        revoked = admin.delete(f"/api/v1/directories/{directory.id}/setup-links/{link['id']}")
        assert revoked.json()["state"] == "revoked"
        with portal(server, link) as client:
            refused = client.get("/status")
        assert refused.status_code == 410
        assert refused.json()["error"]["code"] == "setup_link_revoked"

    @pytest.mark.parametrize("body", [{"expires_in_days": 0}, {"expires_in_days": 31}, {"x": 1}])
    def test_bad_body_is_400(self, admin: httpx.Client, body: dict) -> None:
        directory = create_directory(admin)
        response = admin.post(f"/api/v1/directories/{directory.id}/setup-link", json=body)
        assert response.status_code == 400
        assert response.json()["error"]["message"]

    def test_unknown_directory_and_link_are_404(self, admin: httpx.Client) -> None:
        directory = create_directory(admin)
        assert admin.post("/api/v1/directories/directory_nope/setup-link").status_code == 404
        response = admin.delete(f"/api/v1/directories/{directory.id}/setup-links/setuplink_x")
        assert response.status_code == 404

    def test_needs_the_admin_token(self, server: RunningServer, admin: httpx.Client) -> None:
        directory = create_directory(admin)
        response = httpx.post(f"{server.base_url}/api/v1/directories/{directory.id}/setup-link")
        assert response.status_code == 401


class TestPortalEndpoints:
    def test_status_follows_the_request_log_and_token_issuance(
        self, server: RunningServer, admin: httpx.Client
    ) -> None:
        directory = create_directory(admin, provider="okta")
        link = new_link(admin, directory)
        with portal(server, link) as client:
            status = client.get("/status")
            assert status.status_code == 200
            assert status.headers["cache-control"] == "no-store"
            body = status.json()
            assert body["directory"] == {"id": directory.id, "name": "Acme", "provider": "okta"}
            assert body["scim_base_url"] == directory.scim_base_url
            assert body["connection"]["message"] == "waiting for the first request"

            issued = client.post("/scim-token")
            assert issued.status_code == 200
            token = issued.json()["scim_token"]
            with scim_client(directory) as old:
                assert old.get("/Users").status_code == 401  # the old token stopped working
            with scim_client(directory, token=token) as scim:
                assert scim.get("/Users").status_code == 200
            wait_for_requests(admin, directory.id, 2)
            assert client.get("/status").json()["connection"]["state"] == "errors"
        audit = admin.get("/api/v1/audit-log", params={"directory_id": directory.id}).json()
        assert audit["data"][0]["actor"] == {"kind": "setup_link", "id": link["id"]}
        assert token not in str(audit)

    def test_a_link_shows_nothing_of_another_directory(
        self, server: RunningServer, admin: httpx.Client
    ) -> None:
        a = create_directory(admin, name="A", tenant="a")
        b = create_directory(admin, name="B", tenant="b")
        with portal(server, new_link(admin, a)) as client:
            body = client.get("/status").json()
            client.post("/scim-token").raise_for_status()
        assert b.id not in str(body)
        with scim_client(b) as scim:  # B's token was not touched
            assert scim.get("/Users").status_code == 200

    @pytest.mark.parametrize("token", ["sbsetup_nope", "nope", "scim_x"])
    def test_unknown_tokens_are_404(self, server: RunningServer, token: str) -> None:
        for method, path in (("GET", "status"), ("POST", "scim-token")):
            response = httpx.request(method, f"{server.base_url}/setup/{token}/{path}")
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "setup_link_not_found"
