"""One cursor rule on every admin list (README: "Cursors"; ``services/cursors.py``).

A malformed or unknown ``after`` is 400 ``invalid_cursor`` on directories, users, groups,
events and deliveries alike; the ``after`` a page answered is always accepted.
"""

from __future__ import annotations

import httpx
import pytest

from scimbridge import ids
from tests.factories import group_resource, user_resource
from tests.support.clients import Directory, create_directory, scim_client
from tests.support.receiver import webhook_receiver

MALFORMED = [
    "bogus",
    "user_nope",
    "USER_01JD3Z0000000000000000000",  # wrong case of the prefix
    ids.user_id().lower(),  # ids are issued upper case and compared byte-wise
    ids.user_id() + "X",
    "' or 1=1 --",
    "x" * 300,
]


def _lists(directory_id: str) -> dict[str, str]:
    return {
        "directories": "/api/v1/directories",
        "users": f"/api/v1/directories/{directory_id}/users",
        "groups": f"/api/v1/directories/{directory_id}/groups",
        "events": f"/api/v1/events?directory_id={directory_id}",
        "global events": "/api/v1/events",
        "deliveries": f"/api/v1/directories/{directory_id}/deliveries",
    }


def assert_invalid_cursor(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_cursor"
    assert "list_metadata.after" in error["message"]


@pytest.mark.parametrize("after", MALFORMED)
@pytest.mark.parametrize(
    "endpoint", ["directories", "users", "groups", "events", "global events", "deliveries"]
)
def test_malformed_cursor_is_refused_everywhere(
    admin: httpx.Client, directory: Directory, endpoint: str, after: str
) -> None:
    assert_invalid_cursor(admin.get(_lists(directory.id)[endpoint], params={"after": after}))


@pytest.mark.parametrize("endpoint", ["users", "groups"])
def test_an_id_of_the_other_kind_or_directory_is_refused(
    admin: httpx.Client, endpoint: str
) -> None:
    ours, theirs = create_directory(admin), create_directory(admin)
    created: dict[str, str] = {}
    with scim_client(theirs) as scim:
        created["users"] = scim.post("/Users", json=user_resource()).json()["id"]
        created["groups"] = scim.post("/Groups", json=group_resource()).json()["id"]
    url = _lists(ours.id)[endpoint]
    assert_invalid_cursor(admin.get(url, params={"after": created[endpoint]}))
    other_kind = created["groups" if endpoint == "users" else "users"]
    assert_invalid_cursor(admin.get(url, params={"after": other_kind}))
    assert admin.get(_lists(theirs.id)[endpoint], params={"after": created[endpoint]}).is_success


def test_a_deleted_rows_id_stays_a_position(admin: httpx.Client, directory: Directory) -> None:
    """Ids are time-ordered: a pager whose page ended on a deleted user goes on."""
    with scim_client(directory) as scim:
        first, second = (scim.post("/Users", json=user_resource()).json()["id"] for _ in "ab")
        assert scim.delete(f"/Users/{first}").status_code == 204
    page = admin.get(_lists(directory.id)["users"], params={"after": first})
    assert page.status_code == 200
    assert [u["id"] for u in page.json()["data"]] == [second]


def test_an_event_id_that_does_not_exist_is_refused(
    admin: httpx.Client, directory: Directory
) -> None:
    for url in (_lists(directory.id)["events"], "/api/v1/events"):
        assert_invalid_cursor(admin.get(url, params={"after": ids.event_id()}))


def test_delivery_cursors_are_attempts_of_the_directory(admin: httpx.Client) -> None:
    with webhook_receiver() as receiver:
        ours = create_directory(admin, webhook_url=receiver.url)
        with scim_client(ours) as scim:
            scim.post("/Users", json=user_resource())
            scim.post("/Users", json=user_resource())
        receiver.wait_for(2)
    url = _lists(ours.id)["deliveries"]
    attempts = admin.get(url).json()["data"]
    assert len(attempts) >= 2
    newest = str(attempts[0]["id"])
    older = admin.get(url, params={"after": newest})
    assert older.status_code == 200
    assert [a["id"] for a in older.json()["data"]] == [a["id"] for a in attempts[1:]]
    other = create_directory(admin)
    assert_invalid_cursor(admin.get(_lists(other.id)["deliveries"], params={"after": newest}))
    for bad in ("0", "-1", "1.5", "99999999999", str(2**64)):
        assert_invalid_cursor(admin.get(url, params={"after": bad}))


def test_every_answered_cursor_is_accepted(admin: httpx.Client, directory: Directory) -> None:
    with scim_client(directory) as scim:
        for _ in range(3):
            scim.post("/Users", json=user_resource())
            scim.post("/Groups", json=group_resource())
    for endpoint in ("users", "groups", "events"):
        url, seen, after = _lists(directory.id)[endpoint], 0, None
        while True:
            page = admin.get(url, params={"limit": 2, **({"after": after} if after else {})})
            assert page.status_code == 200, page.text
            seen += len(page.json()["data"])
            after = page.json()["list_metadata"]["after"]
            if after is None or not page.json()["data"]:
                break
        assert seen >= 3
