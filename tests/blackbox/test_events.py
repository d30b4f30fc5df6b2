"""Events written with the change, exactly as the contract shapes them."""

from __future__ import annotations

import httpx

from tests.factories import group_resource, members, patch_body, user_resource
from tests.support.clients import Directory, all_events

EVENT_KEYS = {"id", "type", "directory_id", "tenant", "sequence", "occurred_at", "data"}


def test_user_lifecycle_events(
    admin: httpx.Client, scim: httpx.Client, directory: Directory
) -> None:
    user = scim.post(
        "/Users", json=user_resource(userName="ev@example.com", externalId="e1")
    ).json()
    scim.patch(
        f"/Users/{user['id']}", json=patch_body({"op": "replace", "value": {"active": False}})
    )
    scim.patch(
        f"/Users/{user['id']}", json=patch_body({"op": "replace", "value": {"active": False}})
    )
    scim.delete(f"/Users/{user['id']}")
    events = all_events(admin, directory.id)
    assert [e["type"] for e in events] == ["user.created", "user.deactivated", "user.deleted"]
    assert [e["sequence"] for e in events] == [1, 2, 3]
    for event in events:
        assert set(event) == EVENT_KEYS
        assert event["directory_id"] == directory.id
        assert event["tenant"] == "acme"
    created = events[0]["data"]
    assert created["id"] == user["id"]
    assert created["username"] == "ev@example.com"
    assert created["idp_id"] == "e1"
    assert created["emails"] == [{"value": "ev@example.com", "type": "work", "primary": True}]
    assert created["active"] is True
    updated = events[1]["data"]
    assert updated["active"] is False
    assert updated["previous"]["active"] is True
    assert set(updated["previous"]) == {"active", "raw_attributes"}


def test_membership_events_per_user(
    admin: httpx.Client, scim: httpx.Client, directory: Directory
) -> None:
    alice = scim.post("/Users", json=user_resource()).json()["id"]
    bob = scim.post("/Users", json=user_resource()).json()["id"]
    group = scim.post("/Groups", json=group_resource(displayName="Ops")).json()
    scim.patch(
        f"/Groups/{group['id']}",
        json=patch_body({"op": "add", "path": "members", "value": members(alice, bob)}),
    )
    scim.patch(
        f"/Groups/{group['id']}",
        json=patch_body({"op": "add", "path": "members", "value": members(alice)}),
    )
    scim.patch(
        f"/Groups/{group['id']}",
        json=patch_body({"op": "remove", "path": f'members[value eq "{bob}"]'}),
    )
    events = all_events(admin, directory.id)
    types = [e["type"] for e in events]
    assert types == [
        "user.created",
        "user.created",
        "group.created",
        "group.user_added",
        "group.user_added",
        "group.user_removed",
    ]
    added = events[3]["data"]
    assert added["group"]["id"] == group["id"]
    assert added["group"]["name"] == "Ops"
    assert added["user"]["id"] == alice
    assert added["user"]["groups"] == [{"id": group["id"], "name": "Ops"}]
    removed = events[5]["data"]
    assert removed["user"]["id"] == bob
    assert removed["user"]["groups"] == []


def test_failed_request_writes_no_event(
    admin: httpx.Client, scim: httpx.Client, directory: Directory
) -> None:
    scim.post("/Users", json=user_resource(userName="one@example.com"))
    assert scim.post("/Users", json=user_resource(userName="ONE@example.com")).status_code == 409
    assert [e["type"] for e in all_events(admin, directory.id)] == ["user.created"]


def test_feed_cursor_and_types(
    admin: httpx.Client, scim: httpx.Client, directory: Directory
) -> None:
    for _ in range(3):
        scim.post("/Users", json=user_resource())
    scim.post("/Groups", json=group_resource())
    first = admin.get("/api/v1/events", params={"directory_id": directory.id, "limit": 2}).json()
    assert [e["sequence"] for e in first["data"]] == [1, 2]
    rest = admin.get(
        "/api/v1/events",
        params={"directory_id": directory.id, "after": first["list_metadata"]["after"]},
    ).json()
    assert [e["sequence"] for e in rest["data"]] == [3, 4]
    groups_only = admin.get(
        "/api/v1/events", params={"directory_id": directory.id, "types": "group.created"}
    ).json()
    assert [e["type"] for e in groups_only["data"]] == ["group.created"]
    bad = admin.get("/api/v1/events", params={"types": "user.exploded"})
    assert bad.status_code == 400
    unknown_cursor = admin.get("/api/v1/events", params={"after": "event_nope"})
    assert unknown_cursor.status_code == 400


def test_global_feed_contains_every_directory(
    admin: httpx.Client, scim: httpx.Client, directory: Directory
) -> None:
    user = scim.post("/Users", json=user_resource()).json()
    ids: list[str] = []
    after = None
    while True:
        params = {"limit": 100, **({"after": after} if after else {})}
        page = admin.get("/api/v1/events", params=params).json()
        if not page["data"]:
            break
        ids.extend(e["data"].get("id") for e in page["data"])
        after = page["list_metadata"]["after"]
    assert user["id"] in ids
