"""Pull runs over HTTP on a real server: CSV import (body and multipart), dry run, a file
with problems, the run list and report, the guard holding an import and its approval."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.clients import all_events

pytest.importorskip("scimbridge.connectors.csv_source")  # the CSV reader, merged alongside

HEADER = "id,user_name,email,first_name,last_name,active,groups\n"


def rows(count: int, start: int = 0, groups: str = "Staff") -> str:
    return "".join(
        f"e{n},user{n}@example.com,user{n}@example.com,Given{n},Family{n},true,{groups}\n"
        for n in range(start, start + count)
    )


def csv_directory(admin: httpx.Client) -> str:
    response = admin.post(
        "/api/v1/directories", json={"name": "HR", "tenant": "hr", "provider": "csv"}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def upload(admin: httpx.Client, directory_id: str, text: str, **params: Any) -> httpx.Response:
    return admin.post(
        f"/api/v1/directories/{directory_id}/import",
        content=text.encode("utf-8"),
        headers={"Content-Type": "text/csv"},
        params=params,
    )


def test_import_creates_users_groups_and_a_run_report(admin: httpx.Client) -> None:
    directory_id = csv_directory(admin)
    response = upload(admin, directory_id, "\ufeff" + HEADER + rows(3))
    assert response.status_code == 200, response.text
    run = response.json()
    assert run["trigger"] == "import"
    assert run["outcome"] == "succeeded"
    assert run["counts"]["created"] == 3
    assert run["counts"]["groups_created"] == 1
    assert run["counts"]["memberships_added"] == 3
    types = [e["type"] for e in all_events(admin, directory_id)]
    assert types.count("user.created") == 3
    assert types.count("group.user_added") == 3
    listed = admin.get(f"/api/v1/directories/{directory_id}/syncs").json()
    assert [r["id"] for r in listed["data"]] == [run["id"]]
    assert admin.get(f"/api/v1/directories/{directory_id}/syncs/{run['id']}").json() == run
    directory = admin.get(f"/api/v1/directories/{directory_id}").json()
    assert directory["last_sync_at"] is not None
    assert directory["sync"]["last_run"]["id"] == run["id"]


def test_multipart_dry_run_and_upsert(admin: httpx.Client) -> None:
    directory_id = csv_directory(admin)
    upload(admin, directory_id, HEADER + rows(3))
    files = {"file": ("people.csv", (HEADER + rows(2, start=3)).encode(), "text/csv")}
    plan = admin.post(
        f"/api/v1/directories/{directory_id}/import", files=files, params={"dry_run": "true"}
    )
    assert plan.status_code == 200, plan.text
    assert plan.json()["dry_run"] is True
    assert plan.json()["counts"]["created"] == 2
    assert plan.json()["counts"]["deactivated"] == 3
    assert admin.get(f"/api/v1/directories/{directory_id}").json()["user_count"] == 3
    upserted = admin.post(
        f"/api/v1/directories/{directory_id}/import", files=files, params={"mode": "upsert"}
    ).json()
    assert upserted["mode"] == "upsert"
    assert upserted["counts"]["created"] == 2
    assert upserted["counts"]["deactivated"] == 0


def test_a_file_with_problems_is_refused_with_line_numbers(admin: httpx.Client) -> None:
    directory_id = csv_directory(admin)
    bad = HEADER + rows(2) + "e9,,nobody@example.com,,,true,\n" + "e0,dup@example.com,,,,,\n"
    response = upload(admin, directory_id, bad)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_file"
    assert "line 4" in error["message"]
    assert "line 5" in error["message"]
    assert admin.get(f"/api/v1/directories/{directory_id}").json()["user_count"] == 0
    assert admin.get(f"/api/v1/directories/{directory_id}/syncs").json()["data"] == []


def test_a_mass_deactivation_by_import_is_held_then_approved(admin: httpx.Client) -> None:
    directory_id = csv_directory(admin)
    upload(admin, directory_id, HEADER + rows(20))
    held = upload(admin, directory_id, HEADER + rows(5)).json()
    assert held["outcome"] == "held"
    assert held["counts"]["deactivated"] == 15
    assert admin.get(f"/api/v1/directories/{directory_id}").json()["state"] == "held"
    approve = f"/api/v1/directories/{directory_id}/syncs/{held['id']}/approve"
    approved = admin.post(approve)
    assert approved.status_code == 200, approved.text
    assert approved.json()["outcome"] == "approved"
    assert approved.json()["counts"]["deactivated"] == 15
    assert admin.post(approve).status_code == 409
    directory = admin.get(f"/api/v1/directories/{directory_id}").json()
    assert directory["state"] == "active"


def test_errors_are_clear(admin: httpx.Client) -> None:
    directory_id = csv_directory(admin)
    base = f"/api/v1/directories/{directory_id}"
    assert admin.post(f"{base}/sync").status_code == 400  # csv: import, not sync
    assert admin.get(f"{base}/syncs/sync_01JD0000000000000000000000").status_code == 404
    assert admin.get(f"{base}/syncs", params={"after": "bogus"}).json()["error"]["code"] == (
        "invalid_cursor"
    )
    wrong = admin.post(
        f"{base}/import", content=b"{}", headers={"Content-Type": "application/json"}
    )
    assert wrong.status_code == 400
    okta = admin.post(
        "/api/v1/directories", json={"name": "O", "tenant": "o", "provider": "okta"}
    ).json()
    assert upload(admin, okta["id"], HEADER + rows(1)).status_code == 400
