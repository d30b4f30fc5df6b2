"""HTTP clients for black-box tests: one directory, its SCIM client, the events feed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from tests.factories import patch_body

if TYPE_CHECKING:
    from tests.support.server import RunningServer


@dataclass
class Directory:
    id: str
    scim_base_url: str
    scim_token: str
    body: dict[str, Any]


def admin_client(server: RunningServer) -> httpx.Client:
    return httpx.Client(
        base_url=server.base_url,
        headers={"Authorization": f"Bearer {server.admin_token}"},
        timeout=30,
    )


def create_directory(admin: httpx.Client, **overrides: Any) -> Directory:
    payload = {"name": "Acme", "tenant": "acme", "provider": "generic", **overrides}
    response = admin.post("/api/v1/directories", json=payload)
    assert response.status_code == 201, response.text
    body = response.json()
    return Directory(body["id"], body["scim_base_url"], body["scim_token"], body)


def scim_client(directory: Directory, token: str | None = None) -> httpx.Client:
    return httpx.Client(
        base_url=directory.scim_base_url,
        headers={
            "Authorization": f"Bearer {token or directory.scim_token}",
            "Content-Type": "application/scim+json",
        },
        timeout=30,
    )


def all_events(admin: httpx.Client, directory_id: str) -> list[dict[str, Any]]:
    """Every event of a directory, oldest first, following the cursor."""
    events: list[dict[str, Any]] = []
    after = None
    while True:
        params: dict[str, Any] = {"directory_id": directory_id, "limit": 100}
        if after:
            params["after"] = after
        response = admin.get("/api/v1/events", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        events.extend(page["data"])
        if not page["data"]:
            return events
        after = page["list_metadata"]["after"]


def create(scim: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST a resource, check it was created, return it."""
    response = scim.post(path, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def fetch(scim: httpx.Client, path: str) -> dict[str, Any]:
    """GET a resource or list, check it answered 200, return the body."""
    response = scim.get(path)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def patched(scim: httpx.Client, path: str, *operations: dict[str, Any]) -> dict[str, Any]:
    """PATCH, check it succeeded (200 or 204, RFC 7644 §3.5.2), and return the resource
    as a fresh GET sees it: a server that only answers 2xx still fails the caller."""
    response = scim.patch(path, json=patch_body(*operations))
    assert response.status_code in (200, 204), response.text
    return fetch(scim, path)


def member_ids(group: dict[str, Any]) -> set[str]:
    return {m["value"] for m in group.get("members", [])}


def app_user(admin: httpx.Client, directory: Directory, user_id: str) -> dict[str, Any]:
    """The normalized user the application reads through the admin API."""
    response = admin.get(f"/api/v1/directories/{directory.id}/users/{user_id}")
    assert response.status_code == 200, response.text
    got: dict[str, Any] = response.json()
    return got


def wait_for_requests(
    admin: httpx.Client, directory_id: str, count: int, **params: Any
) -> list[dict[str, Any]]:
    """The directory's request log once it holds ``count`` rows (the writer batches them).

    Bounded: fails after 30 s instead of waiting forever.
    """
    import time

    deadline = time.monotonic() + 30
    while True:
        response = admin.get(
            f"/api/v1/directories/{directory_id}/requests", params={"limit": 100, **params}
        )
        assert response.status_code == 200, response.text
        rows: list[dict[str, Any]] = response.json()["data"]
        if len(rows) >= count:
            return rows
        if time.monotonic() > deadline:
            raise AssertionError(f"expected {count} logged requests, got {len(rows)}")
        time.sleep(0.05)
