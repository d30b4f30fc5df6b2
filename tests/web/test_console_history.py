"""A user's and a group's whole event history in the console, in real Chromium.

A user with more events than a page (created, added to a group, then changed 30 times)
shows the newest page first and its older events behind "Older events"; the group page
lists the group's own events and its memberships, each naming the user. A cursor that is
not a sequence number is an error page, never a 500. Screenshots land in
``tests/web/screenshots/``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from scimbridge.web.console.base import PAGE_SIZE
from tests.factories import group_resource, members, patch_body, user_resource
from tests.support.clients import admin_client, create_directory, scim_client
from tests.support.server import RunningServer
from tests.web.test_console import sign_in

Shot = Callable[[Page, str], Any]
CHANGES = 30


def test_user_and_group_pages_page_their_whole_history(
    page: Page, web_server: RunningServer, screenshot: Shot
) -> None:
    server = web_server
    with admin_client(server) as admin:
        directory = create_directory(admin, name="History", tenant="history")
    with scim_client(directory) as scim:
        user = scim.post("/Users", json=user_resource(userName="ada@example.com")).json()
        other = scim.post("/Users", json=user_resource(userName="bob@example.com")).json()
        group = scim.post(
            "/Groups", json=group_resource(displayName="Admins", members=members(user["id"]))
        ).json()
        for n in range(CHANGES):
            replace = {"op": "replace", "path": "displayName", "value": f"Ada {n}"}
            response = scim.patch(f"/Users/{user['id']}", json=patch_body(replace))
            assert response.status_code == 200, response.text
        add = {"op": "add", "path": "members", "value": members(other["id"])}
        assert scim.patch(f"/Groups/{group['id']}", json=patch_body(add)).status_code in (200, 204)
    base = f"{server.base_url}/admin/directories/{directory.id}"
    sign_in(page, server)

    # Newest first: the last change on top, a full page, then the older ones.
    page.goto(f"{base}/users/{user['id']}")
    rows = page.locator("#user-events tbody tr")
    expect(rows).to_have_count(PAGE_SIZE)
    expect(rows.first).to_contain_text("user.updated")
    screenshot(page, "history-01-user")
    page.click("#older-events")
    expect(rows).to_have_count(CHANGES + 2 - PAGE_SIZE)
    expect(rows.last).to_contain_text("user.created")
    membership = rows.filter(has_text="group.user_added")
    expect(membership).to_contain_text("Admins")
    expect(page.locator("#older-events")).to_have_count(0)
    screenshot(page, "history-02-user-older")
    membership.locator("a").click()  # the group named by the membership event

    expect(page.locator("h2.entity")).to_have_text("Admins")
    group_rows = page.locator("#group-events tbody tr")
    expect(group_rows).to_contain_text(["group.user_added", "group.user_added", "group.created"])
    expect(group_rows.filter(has_text="group.user_added").first).to_contain_text("bob@example.com")
    expect(group_rows.filter(has_text="group.user_added").last).to_contain_text("ada@example.com")
    expect(group_rows.filter(has_text="user.updated")).to_have_count(0)
    screenshot(page, "history-03-group")

    response = page.goto(f"{base}/users/{user['id']}?before=soon")
    assert response is not None
    assert response.status == 400
    expect(page.locator("main")).to_contain_text("invalid cursor")
