"""The SCIM request log through the running server (issue 13 §1), on both databases."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import select

from scimbridge.store.engine import create_db_engine
from scimbridge.store.tables import request_log
from tests.factories import patch_body, user_resource
from tests.support.clients import Directory, create_directory, scim_client, wait_for_requests
from tests.support.server import RunningServer

OKTA = {"User-Agent": "Okta SCIM Client 1.0.0"}


def admin_client(server: RunningServer) -> httpx.Client:
    headers = {"Authorization": f"Bearer {server.admin_token}"}
    return httpx.Client(base_url=server.base_url, headers=headers, timeout=30)


def stored_rows(server: RunningServer, directory_id: str) -> list[dict[str, Any]]:
    engine = create_db_engine(server.database_url)
    try:
        with engine.connect() as connection:
            query = select(request_log).where(request_log.c.directory_id == directory_id)
            return [dict(row._mapping) for row in connection.execute(query)]
    finally:
        engine.dispose()


class TestRecording:
    def test_success_and_failing_requests_with_redacted_bodies(
        self, server: RunningServer, admin: httpx.Client, directory: Directory
    ) -> None:
        wrong_token = "scim_wrong-token-for-this-directory"
        with scim_client(directory) as scim:
            created = scim.post(
                "/Users",
                json=user_resource(userName="jane@acme.com", password="hunter2"),
                headers=OKTA,
            )
            assert created.status_code == 201
            user_id = created.json()["id"]
            duplicate = scim.post(
                "/Users", json=user_resource(userName="JANE@acme.com", password="hunter3")
            )
            assert duplicate.status_code == 409
            bad_filter = scim.get("/Users", params={"filter": 'userName eq "jane'})
            assert bad_filter.status_code == 400
            patched = scim.patch(
                f"/Users/{user_id}",
                json=patch_body({"op": "replace", "path": "password", "value": "hunter4"}),
            )
            assert patched.status_code in (200, 204)
        with scim_client(directory, token=wrong_token) as intruder:
            assert intruder.get("/Users").status_code == 401

        rows = wait_for_requests(admin, directory.id, 5)
        assert [(r["method"], r["status"]) for r in rows] == [
            ("GET", 401),
            ("PATCH", patched.status_code),
            ("GET", 400),
            ("POST", 409),
            ("POST", 201),
        ]
        unauthorized, patch_row, invalid, conflict, success = rows
        assert success["idp"] == "okta"
        assert success["user_agent"] == "Okta SCIM Client 1.0.0"
        assert success["resource_id"] == user_id
        assert success["error"] is None
        assert success["duration_ms"] >= 0
        assert conflict["error"]["scim_type"] == "uniqueness"
        assert invalid["error"]["scim_type"] == "invalidFilter"
        assert invalid["query"].startswith("filter=")
        assert unauthorized["error"]["detail"]
        assert patch_row["resource_id"] == user_id

        detail = admin.get(f"/api/v1/directories/{directory.id}/requests/{conflict['id']}")
        assert detail.status_code == 200
        body = detail.json()
        assert orjson.loads(body["request_body"])["password"] == "[redacted]"
        assert orjson.loads(body["response_body"])["scimType"] == "uniqueness"
        assert body["request_truncated"] is False

        # Nothing secret in any stored column of any row.
        stored = str(stored_rows(server, directory.id))
        for secret in (directory.scim_token, wrong_token, "hunter2", "hunter3", "hunter4"):
            assert secret not in stored

    def test_filters_and_cursor_pages(self, admin: httpx.Client, directory: Directory) -> None:
        with scim_client(directory) as scim:
            for _ in range(4):
                assert scim.get("/Users").status_code == 200
            assert scim.get("/Users/user_missing").status_code == 404
        wait_for_requests(admin, directory.id, 5)
        path = f"/api/v1/directories/{directory.id}/requests"
        first = admin.get(path, params={"limit": 2}).json()
        second = admin.get(path, params={"limit": 2, "after": first["list_metadata"]["after"]})
        third = admin.get(
            path, params={"limit": 2, "after": second.json()["list_metadata"]["after"]}
        ).json()
        ids = [r["id"] for page in (first, second.json(), third) for r in page["data"]]
        assert len(ids) == len(set(ids)) == 5
        assert ids == sorted(ids, reverse=True)
        assert third["list_metadata"]["after"] is None
        assert [r["status"] for r in first["data"]] == [404, 200]
        errors = admin.get(path, params={"errors_only": "true"}).json()["data"]
        assert [r["status"] for r in errors] == [404]
        ok = admin.get(path, params={"status": 200, "limit": 100}).json()["data"]
        assert len(ok) == 4

    def test_other_directories_see_nothing(self, admin: httpx.Client, directory: Directory):
        with scim_client(directory) as scim:
            scim.get("/Users")
        rows = wait_for_requests(admin, directory.id, 1)
        other = create_directory(admin, tenant="other")
        response = admin.get(f"/api/v1/directories/{other.id}/requests/{rows[0]['id']}")
        assert response.status_code == 404
        assert admin.get(f"/api/v1/directories/{other.id}/requests").json()["data"] == []


class TestApiErrors:
    @pytest.mark.parametrize(
        "params", [{"limit": 0}, {"limit": 101}, {"status": 99}, {"errors_only": "maybe"}]
    )
    def test_bad_parameters_are_400(
        self, admin: httpx.Client, directory: Directory, params: dict[str, Any]
    ) -> None:
        response = admin.get(f"/api/v1/directories/{directory.id}/requests", params=params)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_request"

    def test_unknown_directory_and_request_are_404(
        self, admin: httpx.Client, directory: Directory
    ) -> None:
        assert admin.get("/api/v1/directories/directory_nope/requests").status_code == 404
        missing = admin.get(f"/api/v1/directories/{directory.id}/requests/request_nope")
        assert missing.status_code == 404

    def test_needs_the_admin_token(self, server: RunningServer, directory: Directory) -> None:
        with scim_client(directory) as scim:
            response = scim.get(f"{server.base_url}/api/v1/directories/{directory.id}/requests")
        assert response.status_code == 401


def test_a_clean_shutdown_writes_every_queued_request(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through a real server's lifespan: nothing is flushed before the stop."""
    from scimbridge.services import request_recorder
    from tests.conftest import make_settings
    from tests.support.server import running_server

    monkeypatch.setattr(request_recorder, "FLUSH_INTERVAL", 3600.0)
    settings = make_settings(database_url, embedded_worker=False)
    with running_server(settings) as server, admin_client(server) as admin:
        directory = create_directory(admin)
        with scim_client(directory) as scim:
            for _ in range(7):
                assert scim.get("/Users").status_code == 200
        listed = admin.get(f"/api/v1/directories/{directory.id}/requests").json()
        assert listed["data"] == []  # still queued
    assert len(stored_rows(server, directory.id)) == 7
