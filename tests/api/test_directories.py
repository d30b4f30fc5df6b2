"""Admin API: directories (contract: Admin API → Directories)."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import ENTERPRISE
from tests.support.clients import create_directory, scim_client
from tests.support.server import RunningServer


class TestCreate:
    def test_returns_directory_with_token_once(self, admin: httpx.Client) -> None:
        response = admin.post(
            "/api/v1/directories",
            json={
                "name": "Acme",
                "tenant": "acme",
                "provider": "okta",
                "webhook_url": "https://hooks.example.com/x",
            },
        )
        assert response.status_code == 201
        body = response.json()
        assert body["scim_token"].startswith("scim_")
        assert body["webhook_secret"].startswith("whsec_")
        assert body["scim_base_url"].endswith(f"/scim/v2/{body['id']}")
        assert body["state"] == "active"
        assert body["user_count"] == 0
        assert body["group_count"] == 0
        assert body["attribute_map"]["department"].endswith("enterprise:2.0:User:department")
        shown = admin.get(f"/api/v1/directories/{body['id']}").json()
        assert "scim_token" not in shown
        assert "webhook_secret" not in shown
        assert shown["name"] == "Acme"

    @pytest.mark.parametrize(
        "payload",
        [
            {"name": "A", "tenant": "t", "provider": "nope"},
            {"name": "", "tenant": "t", "provider": "okta"},
            {"tenant": "t", "provider": "okta"},
            {"name": "A", "tenant": "t", "provider": "okta", "webhook_url": "ftp://x"},
            {
                "name": "A",
                "tenant": "t",
                "provider": "okta",
                "webhook_url": "https://u:p@x.example",
            },
            {"name": "A", "tenant": "t", "provider": "okta", "webhook_secret": "plain"},
            {"name": "A", "tenant": "t", "provider": "okta", "unexpected": 1},
        ],
    )
    def test_rejects_bad_input_with_error_body(self, admin: httpx.Client, payload: dict) -> None:
        response = admin.post("/api/v1/directories", json=payload)
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"]
        assert error["message"]

    def test_rejects_malformed_json(self, admin: httpx.Client) -> None:
        response = admin.post(
            "/api/v1/directories",
            content=b"{not json",
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 400
        assert "error" in response.json()


class TestAuth:
    @pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic abc", "Bearer", "bearer x y"])
    def test_admin_token_required(self, server: RunningServer, header: str | None) -> None:
        headers = {"Authorization": header} if header else {}
        response = httpx.get(f"{server.base_url}/api/v1/directories", headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"

    def test_scim_token_is_not_an_admin_token(
        self, server: RunningServer, admin: httpx.Client
    ) -> None:
        directory = create_directory(admin)
        response = httpx.get(
            f"{server.base_url}/api/v1/directories",
            headers={"Authorization": f"Bearer {directory.scim_token}"},
        )
        assert response.status_code == 401

    def test_admin_token_is_not_a_scim_token(
        self, server: RunningServer, admin: httpx.Client
    ) -> None:
        directory = create_directory(admin)
        with scim_client(directory, token=server.admin_token) as client:
            assert client.get("/Users").status_code == 401


class TestReadUpdateDelete:
    def test_list_filters_by_tenant_and_pages(self, admin: httpx.Client) -> None:
        created = [create_directory(admin, tenant="tenant-list-x").id for _ in range(3)]
        first = admin.get(
            "/api/v1/directories", params={"tenant": "tenant-list-x", "limit": 2}
        ).json()
        assert [d["id"] for d in first["data"]] == created[:2]
        cursor = first["list_metadata"]["after"]
        assert cursor == created[1]
        second = admin.get(
            "/api/v1/directories", params={"tenant": "tenant-list-x", "limit": 2, "after": cursor}
        ).json()
        assert [d["id"] for d in second["data"]] == created[2:]
        assert second["list_metadata"]["after"] is None

    def test_patch_changes_only_given_fields(self, admin: httpx.Client) -> None:
        directory = create_directory(admin)
        response = admin.patch(
            f"/api/v1/directories/{directory.id}",
            json={
                "name": "Renamed",
                "attribute_map": {"badge": f"{ENTERPRISE}:employeeNumber"},
            },
        )
        assert response.status_code == 200
        body = response.json()
        assert body["name"] == "Renamed"
        assert body["tenant"] == directory.body["tenant"]
        assert "badge" in body["attribute_map"]

    def test_patch_rejects_bad_state(self, admin: httpx.Client) -> None:
        directory = create_directory(admin)
        response = admin.patch(f"/api/v1/directories/{directory.id}", json={"state": "error"})
        assert response.status_code == 400

    def test_delete_then_404_everywhere(self, admin: httpx.Client) -> None:
        directory = create_directory(admin)
        assert admin.delete(f"/api/v1/directories/{directory.id}").status_code == 204
        assert admin.get(f"/api/v1/directories/{directory.id}").status_code == 404
        assert admin.delete(f"/api/v1/directories/{directory.id}").status_code == 404
        with scim_client(directory) as client:
            assert client.get("/Users").status_code == 401

    def test_unknown_directory_is_404(self, admin: httpx.Client) -> None:
        response = admin.get("/api/v1/directories/directory_missing")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


class TestRotateToken:
    def test_old_token_fails_at_once(self, admin: httpx.Client) -> None:
        directory = create_directory(admin)
        with scim_client(directory) as client:
            assert client.get("/Users").status_code == 200
            rotated = admin.post(f"/api/v1/directories/{directory.id}/scim-token")
            assert rotated.status_code == 200
            assert client.get("/Users").status_code == 401
        with scim_client(directory, token=rotated.json()["scim_token"]) as client:
            assert client.get("/Users").status_code == 200


def test_openapi_is_served(admin: httpx.Client) -> None:
    document = admin.get("/api/v1/openapi.json").json()
    assert "/api/v1/directories" in document["paths"]


def test_health(server: RunningServer) -> None:
    assert httpx.get(f"{server.base_url}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{server.base_url}/readyz").status_code == 200


def test_metrics_label_routes_by_template(admin: httpx.Client, server: RunningServer) -> None:
    directory = create_directory(admin)
    with scim_client(directory) as client:
        client.get("/Users")
    text = httpx.get(f"{server.base_url}/metrics").text
    assert 'route="/scim/v2/{directory_id}/{endpoint}"' in text
    assert directory.id not in text


class TestProviders:
    def test_a_registered_pull_provider_is_accepted(self, admin: httpx.Client) -> None:
        # Which pull providers are refused depends on the registry (tests/connectors/
        # test_registry.py); csv is registered by the engine itself.
        response = admin.post(
            "/api/v1/directories",
            json={
                "name": "P",
                "tenant": "pull-t",
                "provider": "csv",
                "connection": {"header_map": {"Mail": "email"}},
            },
        )
        assert response.status_code == 201
        body = response.json()
        assert body["connection"] == {"header_map": {"Mail": "email"}}
        assert body["sync"]["interval_seconds"] == 1800
        assert body["sync"]["last_run"] is None

    def test_a_bad_connection_is_refused(self, admin: httpx.Client) -> None:
        response = admin.post(
            "/api/v1/directories",
            json={"name": "P", "tenant": "pull-t", "provider": "csv", "connection": {"x": 1}},
        )
        assert response.status_code == 400
        assert "connection" in response.json()["error"]["message"]
        listed = admin.get("/api/v1/directories", params={"tenant": "pull-t"}).json()
        assert all(d["provider"] == "csv" and d["connection"] != {"x": 1} for d in listed["data"])

    def test_patch_cannot_change_the_provider(self, admin: httpx.Client) -> None:
        directory = create_directory(admin)
        response = admin.patch(f"/api/v1/directories/{directory.id}", json={"provider": "okta"})
        assert response.status_code == 400
        assert admin.get(f"/api/v1/directories/{directory.id}").json()["provider"] == "generic"


class TestAttributeMap:
    @pytest.mark.parametrize(
        ("key", "path"),
        [
            ("title", "titel"),
            ("dept", f"{ENTERPRISE}:departmnt"),
            ("mgr", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:Usr:manager.value"),
            ("work", 'emails[tpye eq "work"].value'),
        ],
    )
    def test_a_typo_is_a_400_naming_key_and_path(
        self, admin: httpx.Client, key: str, path: str
    ) -> None:
        response = admin.post(
            "/api/v1/directories",
            json={"name": "M", "tenant": "map-t", "provider": "okta", "attribute_map": {key: path}},
        )
        assert response.status_code == 400
        message = response.json()["error"]["message"]
        assert repr(key) in message
        assert path in message
        directory = create_directory(admin)
        patched = admin.patch(
            f"/api/v1/directories/{directory.id}", json={"attribute_map": {key: path}}
        )
        assert patched.status_code == 400
        assert path in patched.json()["error"]["message"]
        unchanged = admin.get(f"/api/v1/directories/{directory.id}").json()
        assert key not in unchanged["attribute_map"]

    def test_value_paths_and_custom_extensions_map_values(self, admin: httpx.Client) -> None:
        custom = "urn:ietf:params:scim:schemas:extension:Acme:2.0:User"
        mapping = {
            "work_email": 'emails[type eq "work"].value',
            "manager_id": f"{ENTERPRISE}:manager.value",
            "badge": f"{custom}:badge",
        }
        directory = create_directory(admin, attribute_map=mapping)
        user = {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE, custom],
            "userName": "map@example.com",
            "emails": [
                {"value": "home@example.com", "type": "home"},
                {"value": "w@x.example", "type": "work"},
            ],
            ENTERPRISE: {"manager": {"value": "boss"}},
            custom: {"badge": "B-7"},
        }
        with scim_client(directory) as scim:
            created = scim.post("/Users", json=user)
            assert created.status_code == 201, created.text
        listed = admin.get(f"/api/v1/directories/{directory.id}/users").json()["data"]
        mapped = listed[0]["custom_attributes"]
        assert {key: mapped[key] for key in mapping} == {
            "work_email": "w@x.example",
            "manager_id": "boss",
            "badge": "B-7",
        }
