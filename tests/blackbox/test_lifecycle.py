"""Lifecycle events over HTTP: what an application sees when people leave and come back.

CONTRACT.md, "Events and webhooks": ``active`` true → false is ``user.deactivated``,
false → true ``user.reactivated`` (carrying the user's current groups), attribute
changes alone are ``user.updated``, a SCIM DELETE is ``user.deleted``, and a deleted
user's id is never reused. The IdP-specific flows (Okta, Entra ID, OneLogin) are in the
``test_idp_*`` modules; these cover the paths they share: PUT and PATCH reactivation,
Bulk, the ``types=`` filter, webhooks and re-creation after a delete.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook

from tests.factories import group_resource, members, patch_body, user_resource
from tests.support.clients import Directory, all_events, create, create_directory, scim_client
from tests.support.receiver import webhook_receiver

BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
OFF = patch_body({"op": "replace", "value": {"active": False}})
ON = patch_body({"op": "replace", "value": {"active": True}})


def lifecycle(admin: httpx.Client, directory: Directory) -> list[dict[str, Any]]:
    return [e for e in all_events(admin, directory.id) if e["type"].startswith("user.")]


def test_reactivation_by_put_carries_the_users_groups(
    admin: httpx.Client, scim: httpx.Client, directory: Directory
) -> None:
    """A rehire: the app restores access from the one `user.reactivated` event."""
    user = create(scim, "/Users", user_resource(userName="rehire@example.com"))
    pilots = create(
        scim, "/Groups", group_resource(displayName="Pilots", members=members(user["id"]))
    )
    crew = create(scim, "/Groups", group_resource(displayName="Crew", members=members(user["id"])))
    assert scim.patch(f"/Users/{user['id']}", json=OFF).status_code == 200
    body = scim.get(f"/Users/{user['id']}").json()
    response = scim.put(f"/Users/{user['id']}", json={**body, "active": True})
    assert response.status_code == 200, response.text
    events = lifecycle(admin, directory)
    assert [e["type"] for e in events] == ["user.created", "user.deactivated", "user.reactivated"]
    reactivated = events[2]["data"]
    assert reactivated["active"] is True
    assert reactivated["previous"]["active"] is False
    assert sorted(g["id"] for g in reactivated["groups"]) == sorted([pilots["id"], crew["id"]])
    assert {g["name"] for g in reactivated["groups"]} == {"Pilots", "Crew"}
    # The deactivation carried them too: the app knows what it is revoking.
    assert {g["name"] for g in events[1]["data"]["groups"]} == {"Pilots", "Crew"}


def test_reactivation_by_patch_carries_the_users_groups(
    admin: httpx.Client, scim: httpx.Client, directory: Directory
) -> None:
    user = create(scim, "/Users", user_resource())
    group = create(scim, "/Groups", group_resource(displayName="Ops", members=members(user["id"])))
    for toggle in (OFF, ON):
        assert scim.patch(f"/Users/{user['id']}", json=toggle).status_code == 200
    reactivated = lifecycle(admin, directory)[-1]
    assert reactivated["type"] == "user.reactivated"
    assert reactivated["data"]["groups"] == [{"id": group["id"], "name": "Ops"}]


def test_bulk_deactivation_is_user_deactivated(
    admin: httpx.Client, scim: httpx.Client, directory: Directory
) -> None:
    user = create(scim, "/Users", user_resource())
    body = {
        "schemas": [BULK_REQUEST],
        "Operations": [
            {"method": "PATCH", "path": f"/Users/{user['id']}", "data": OFF},
            {
                "method": "PATCH",
                "path": f"/Users/{user['id']}",
                "data": patch_body({"op": "replace", "path": "title", "value": "Alumnus"}),
            },
        ],
    }
    response = scim.post("/Bulk", json=body)
    assert response.status_code == 200, response.text
    assert [op["status"] for op in response.json()["Operations"]] == ["200", "200"]
    types = [e["type"] for e in lifecycle(admin, directory)]
    assert types == ["user.created", "user.deactivated", "user.updated"]


def test_entra_deprovisioning_then_hard_delete(
    admin: httpx.Client, scim: httpx.Client, directory: Directory
) -> None:
    """Entra ID: `active` "False" on unassignment, DELETE once the user is hard-deleted."""
    user = create(scim, "/Users", user_resource(externalId="entra-object-id"))
    disable = patch_body({"op": "Replace", "path": "active", "value": "False"})
    assert scim.patch(f"/Users/{user['id']}", json=disable).status_code == 200
    assert scim.delete(f"/Users/{user['id']}").status_code == 204
    events = lifecycle(admin, directory)
    assert [e["type"] for e in events] == ["user.created", "user.deactivated", "user.deleted"]
    assert events[2]["data"]["active"] is False


def test_types_filter_knows_the_lifecycle_types(
    admin: httpx.Client, scim: httpx.Client, directory: Directory
) -> None:
    user = create(scim, "/Users", user_resource())
    for toggle in (OFF, ON):
        scim.patch(f"/Users/{user['id']}", json=toggle)
    scim.patch(
        f"/Users/{user['id']}", json=patch_body({"op": "replace", "path": "title", "value": "X"})
    )
    response = admin.get(
        "/api/v1/events",
        params={"directory_id": directory.id, "types": "user.deactivated,user.reactivated"},
    )
    assert response.status_code == 200, response.text
    assert [e["type"] for e in response.json()["data"]] == ["user.deactivated", "user.reactivated"]
    bad = admin.get("/api/v1/events", params={"types": "user.suspended"})
    assert bad.status_code == 400
    assert "user.deactivated" in bad.json()["error"]["message"]


def test_re_created_user_is_a_new_user(
    admin: httpx.Client, scim: httpx.Client, directory: Directory
) -> None:
    """Tombstones: a deleted user's id is never reused, even when the IdP sends it back."""
    body = user_resource(userName="again@example.com", externalId="ext-again")
    first = create(scim, "/Users", body)
    assert scim.delete(f"/Users/{first['id']}").status_code == 204
    second = create(scim, "/Users", {**body, "id": first["id"]})
    assert second["id"] != first["id"]
    assert scim.get(f"/Users/{first['id']}").status_code == 404
    assert scim.patch(f"/Users/{first['id']}", json=ON).status_code == 404
    events = lifecycle(admin, directory)
    assert [(e["type"], e["data"]["id"]) for e in events] == [
        ("user.created", first["id"]),
        ("user.deleted", first["id"]),
        ("user.created", second["id"]),
    ]


def test_webhooks_carry_the_lifecycle_events_signed(admin: httpx.Client) -> None:
    with webhook_receiver() as receiver:
        directory = create_directory(admin, webhook_url=receiver.url, provider="okta")
        with scim_client(directory) as scim:
            user = create(scim, "/Users", user_resource())
            for toggle in (OFF, ON):
                assert scim.patch(f"/Users/{user['id']}", json=toggle).status_code == 200
        received = receiver.wait_for(3)
    webhook = Webhook(directory.body["webhook_secret"])
    payloads = [webhook.verify(item.body, item.headers) for item in received]
    assert [p["type"] for p in payloads] == ["user.created", "user.deactivated", "user.reactivated"]
    assert [json.loads(item.body)["sequence"] for item in received] == [1, 2, 3]
    assert payloads[1]["data"]["previous"]["active"] is True
