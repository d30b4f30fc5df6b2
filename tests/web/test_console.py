"""The admin console in real Chromium, through a real server (issue 13 §3).

One walk through what an admin does: sign in, create a directory, watch the first SCIM
requests arrive live, look at the user and its events, replay a delivery, rotate the
token, create and revoke a setup link, sign out. IdP values carrying markup must show as
text. A screenshot of every page lands in ``tests/web/screenshots/``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.conftest import ADMIN_TOKEN
from tests.support.clients import Directory, admin_client, scim_client
from tests.support.receiver import webhook_receiver
from tests.support.server import RunningServer

HOSTILE_USER_NAME = "<script>window.__pwned=1</script>@example.com"
HOSTILE_DISPLAY_NAME = '"><img src=x onerror="window.__pwned=2">'

Shot = Callable[[Page, str], Any]


def sign_in(page: Page, server: RunningServer, token: str = ADMIN_TOKEN) -> None:
    page.goto(f"{server.base_url}/admin")
    expect(page).to_have_url(f"{server.base_url}/admin/sign-in")
    page.fill("#token", token)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Directories")


def create_directory_in_browser(page: Page, webhook_url: str) -> Directory:
    page.click("text=New directory")
    page.fill("#name", "Acme Corp")
    page.fill("#tenant", "acme")
    page.check("input[value=okta]")
    page.fill("#webhook_url", webhook_url)
    page.click("button:has-text('Create directory')")
    expect(page.locator(".alert.ok")).to_have_text("Directory created.")
    token = page.locator("#once-scim-token").inner_text()
    base_url = page.locator("#scim-base-url").inner_text()
    directory_id = base_url.rsplit("/", 1)[1]
    return Directory(directory_id, base_url, token, {})


def hostile_user() -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": HOSTILE_USER_NAME,
        "displayName": HOSTILE_DISPLAY_NAME,
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "emails": [{"value": "ada@example.com", "primary": True}],
        "active": True,
    }


def test_admin_walks_through_the_console(
    page: Page, web_server: RunningServer, screenshot: Shot
) -> None:
    server = web_server
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{server.base_url}/admin")
    screenshot(page, "01-sign-in")
    sign_in(page, server)
    screenshot(page, "02-directories-empty")

    with webhook_receiver() as receiver:
        page.click("text=New directory")
        screenshot(page, "03-new-directory")
        page.go_back()
        directory = create_directory_in_browser(page, receiver.url)
        screenshot(page, "04-directory-created")

        # The request log, live: rows arrive without a reload (the marker survives).
        page.click("nav.tabs >> text=Request log")
        expect(page.locator("#request-log")).to_contain_text("Waiting for the first SCIM request")
        page.evaluate("window.__notReloaded = true")
        with scim_client(directory) as scim:
            created = scim.post("/Users", json=hostile_user())
            assert created.status_code == 201, created.text
            user_id = created.json()["id"]
            duplicate = scim.post("/Users", json=hostile_user())
            assert duplicate.status_code == 409
        failed = page.locator("#request-log tr.failed")
        expect(failed).to_have_count(1)
        expect(failed).to_contain_text("uniqueness")
        expect(page.locator("#request-log tr[data-id]")).to_have_count(2)
        assert page.evaluate("window.__notReloaded") is True
        screenshot(page, "05-request-log-live")

        # The user, its raw attributes and its events; markup from the IdP is text.
        page.click("nav.tabs >> text=Users")
        expect(page.locator("table.list")).to_contain_text(HOSTILE_USER_NAME)
        screenshot(page, "06-users")
        page.click(f"a[href$='/users/{user_id}']")
        expect(page.locator("#user-name")).to_have_text(HOSTILE_USER_NAME)
        expect(page.locator("#display-name")).to_have_text(HOSTILE_DISPLAY_NAME)
        expect(page.locator("#user-events")).to_contain_text("user.created")
        assert page.locator("main img").count() == 0
        assert page.evaluate("window.__pwned") is None
        screenshot(page, "07-user")

        # Search by e-mail and by userName (either case).
        page.goto(f"{server.base_url}/admin/directories/{directory.id}/users?q=ADA@example.com")
        expect(page.locator("table.list tbody tr")).to_have_count(1)
        page.fill("input[name=q]", HOSTILE_USER_NAME.upper())
        page.click("button:has-text('Search')")
        expect(page.locator("table.list tbody tr")).to_have_count(1)

        page.click("nav.tabs >> text=Events")
        expect(page.locator("#events")).to_contain_text("user.created")
        screenshot(page, "08-events")
        page.click("nav.tabs >> text=Groups")
        screenshot(page, "09-groups")

        # Deliveries: the worker delivered user.created; a replay sends it again.
        receiver.wait_for(1)
        page.click("nav.tabs >> text=Deliveries")
        expect(page.locator("#deliveries tbody tr")).to_have_count(1)
        page.click("#deliveries button:has-text('Replay')")
        expect(page.locator("#replay-result")).to_contain_text("HTTP 200")
        receiver.wait_for(2)
        screenshot(page, "10-deliveries")

        # Send a test event: a real signed POST to the receiver.
        page.click("nav.tabs >> text=Overview")
        page.click("#send-test-event")
        expect(page.locator("#test-result")).to_contain_text("HTTP 200")
        test_post = receiver.wait_for(3)[2]
        assert b'"webhook.test"' in test_post.body
        assert "webhook-signature" in {k.lower() for k in test_post.headers}

    # Rotate the token: shown once; the old one fails at once, the new one works.
    page.click("#rotate-token")
    new_token = page.locator("#once-scim-token").inner_text()
    assert new_token.startswith("scim_")
    assert new_token != directory.scim_token
    screenshot(page, "11-token-rotated")
    with scim_client(directory) as old, scim_client(directory, new_token) as new:
        assert old.get("/Users").status_code == 401
        assert new.get("/Users").status_code == 200

    # A setup link: shown once, then revoked; the portal's endpoint refuses it.
    page.click("#create-setup-link")
    link = page.locator("#once-setup-link").inner_text()
    assert "/setup/" in link
    assert httpx.get(f"{link}/status").status_code == 200
    page.click("#setup-links button:has-text('Revoke')")
    expect(page.locator("#setup-links .badge")).to_have_text("revoked")
    assert httpx.get(f"{link}/status").status_code in (403, 404, 410)
    screenshot(page, "12-directory")

    # No token or secret in any later page's HTML.
    html = page.content()
    for secret in (new_token, directory.scim_token, ADMIN_TOKEN, link.rsplit("/", 1)[1]):
        assert secret not in html

    page.click("aside >> text=Audit log")
    audit = page.locator("#audit-log")
    for action in ("console.signed_in", "directory.created", "scim_token.rotated"):
        expect(audit).to_contain_text(action)
    expect(audit.locator("tr", has_text="scim_token.rotated")).to_contain_text("session")
    screenshot(page, "13-audit-log")
    assert ADMIN_TOKEN not in page.content()

    page.click("aside >> text=Directories")
    expect(page.locator("table.list")).to_contain_text("Acme Corp")
    screenshot(page, "14-directories")

    page.click("text=Sign out")
    expect(page).to_have_url(f"{server.base_url}/admin/sign-in")
    page.goto(f"{server.base_url}/admin/directories")
    expect(page).to_have_url(f"{server.base_url}/admin/sign-in")
    assert dialogs == []


def test_an_api_created_directory_lists_with_counts_and_filters(
    page: Page, web_server: RunningServer
) -> None:
    with admin_client(web_server) as admin:
        for name, tenant, provider in (("Globex", "globex", "entra"), ("Initech", "ini", "okta")):
            response = admin.post(
                "/api/v1/directories", json={"name": name, "tenant": tenant, "provider": provider}
            )
            assert response.status_code == 201
    sign_in(page, web_server)
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(2)
    page.fill("input[name=q]", "GLOB")
    page.click("button:has-text('Filter')")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Microsoft Entra ID")
    page.goto(f"{web_server.base_url}/admin/directories?provider=okta")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Initech")


@pytest.mark.parametrize("bad", ["job = nosuchattribute", "job title without an equals sign"])
def test_the_attribute_map_editor_validates_and_previews(
    page: Page, web_server: RunningServer, bad: str
) -> None:
    sign_in(page, web_server)
    directory = create_directory_in_browser(page, "")
    with scim_client(directory) as scim:
        body = {**hostile_user(), "userName": "grace@example.com", "title": "Admiral"}
        assert scim.post("/Users", json=body).status_code == 201
    page.fill("textarea[name=attribute_map]", "job = title")
    page.click("button:has-text('Preview on a user')")
    expect(page.locator("#map-preview")).to_contain_text('"job": "Admiral"')
    page.fill("textarea[name=attribute_map]", bad)
    page.click("button:has-text('Save map')")
    expect(page.locator(".alert.error")).to_be_visible()
    with admin_client(web_server) as admin:
        stored = admin.get(f"/api/v1/directories/{directory.id}").json()["attribute_map"]
    assert "job" not in stored
