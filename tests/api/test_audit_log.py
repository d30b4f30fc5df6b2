"""``/api/v1/audit-log``: every admin action of the API, through the running server."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.requests import Request

from scimbridge.api.deps import client_address
from scimbridge.ids import hash_token
from tests.factories import user_resource
from tests.support.clients import all_events, create_directory, scim_client
from tests.support.receiver import webhook_receiver
from tests.support.server import RunningServer


def audit_entries(admin: httpx.Client, directory_id: str) -> list[dict[str, Any]]:
    response = admin.get("/api/v1/audit-log", params={"directory_id": directory_id, "limit": 100})
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["data"]
    return entries


def test_each_directory_action_is_recorded_with_who_and_from_where(
    server: RunningServer, admin: httpx.Client
) -> None:
    spoofed = {"X-Forwarded-For": "198.51.100.66"}  # not trusted unless configured
    directory = create_directory(admin)
    secret = "whsec_" + "B" * 40
    admin.patch(
        f"/api/v1/directories/{directory.id}",
        json={"name": "Renamed", "webhook_secret": secret},
        headers=spoofed,
    ).raise_for_status()
    token = admin.post(f"/api/v1/directories/{directory.id}/scim-token").json()["scim_token"]
    link = admin.post(f"/api/v1/directories/{directory.id}/setup-link").json()
    admin.delete(f"/api/v1/directories/{directory.id}/setup-links/{link['id']}").raise_for_status()
    assert admin.delete(f"/api/v1/directories/{directory.id}").status_code == 204

    entries = audit_entries(admin, directory.id)  # kept after the directory is gone
    assert [e["action"] for e in entries] == [
        "directory.deleted",
        "setup_link.revoked",
        "setup_link.created",
        "scim_token.rotated",
        "directory.updated",
        "directory.created",
    ]
    fingerprint = hash_token(server.admin_token)[:12]
    assert {(e["actor"]["kind"], e["actor"]["id"]) for e in entries} == {
        ("admin_token", fingerprint)
    }
    assert {e["address"] for e in entries} == {"127.0.0.1"}
    assert entries[1]["target_id"] == entries[2]["target_id"] == link["id"]
    assert entries[4]["details"]["changed"] == {
        "name": {"old": "Acme", "new": "Renamed"},
        "webhook_secret": "changed",
    }
    text = str(entries)
    for value in (secret, token, directory.scim_token, link["url"], server.admin_token):
        assert value not in text


def test_event_replay_is_recorded(admin: httpx.Client) -> None:
    with webhook_receiver() as receiver:
        directory = create_directory(admin, webhook_url=receiver.url)
        with scim_client(directory) as scim:
            assert scim.post("/Users", json=user_resource()).status_code == 201
        event = all_events(admin, directory.id)[0]
        replayed = admin.post(f"/api/v1/events/{event['id']}/replay")
        assert replayed.status_code == 200, replayed.text
    entry = audit_entries(admin, directory.id)[0]
    assert entry["action"] == "event.replayed"
    assert entry["target_id"] == event["id"]
    assert entry["details"]["status_code"] == 200


def test_pages_and_parameters(admin: httpx.Client) -> None:
    directory = create_directory(admin)
    for _ in range(3):
        admin.post(f"/api/v1/directories/{directory.id}/scim-token").raise_for_status()
    first = admin.get("/api/v1/audit-log", params={"directory_id": directory.id, "limit": 3}).json()
    rest = admin.get(
        "/api/v1/audit-log",
        params={"directory_id": directory.id, "limit": 3, "after": first["list_metadata"]["after"]},
    ).json()
    assert [e["action"] for e in first["data"] + rest["data"]] == ["scim_token.rotated"] * 3 + [
        "directory.created"
    ]
    assert rest["list_metadata"]["after"] is None
    assert admin.get("/api/v1/audit-log", params={"limit": 101}).status_code == 400


def test_needs_the_admin_token(server: RunningServer) -> None:
    assert httpx.get(f"{server.base_url}/api/v1/audit-log").status_code == 401


class _State:
    def __init__(self, trust: bool) -> None:
        self.runtime = type("R", (), {"settings": type("S", (), {"trust_forwarded_for": trust})})


@pytest.mark.parametrize(("trust", "expected"), [(False, "10.0.0.5"), (True, "192.0.2.7")])
def test_client_address_trusts_forwarded_for_only_when_configured(
    trust: bool, expected: str
) -> None:
    app = type("App", (), {"state": _State(trust)})
    scope = {
        "type": "http",
        "app": app,
        "client": ("10.0.0.5", 5000),
        # The client wrote the first entry; the proxy appended the address it saw.
        "headers": [(b"x-forwarded-for", b"203.0.113.1, 192.0.2.7")],
    }
    assert client_address(Request(scope)) == expected
