"""HTTP clients for black-box tests: one directory, its SCIM client, the events feed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class Directory:
    id: str
    scim_base_url: str
    scim_token: str
    body: dict[str, Any]


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
