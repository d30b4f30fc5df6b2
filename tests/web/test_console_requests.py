"""The request log's detail page in real Chromium, through a real server.

An IdP's PATCH fails: the admin opens its row in the live log and sees what the IdP sent,
what we answered, the scimType and the portal's plain-words explanation. A password in a
request body shows as ``[redacted]``; another directory's request id is a 404 page.
Screenshots of a failed and of a successful request land in ``tests/web/screenshots/``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from scimbridge.web.console.base import CONTENT_SECURITY_POLICY
from tests.factories import patch_body, user_resource
from tests.support.clients import admin_client, create_directory, scim_client, wait_for_requests
from tests.support.server import RunningServer
from tests.web.test_console import sign_in

Shot = Callable[[Page, str], Any]
PASSWORD = "Hunter2-very-secret"
OKTA_AGENT = "Okta SCIM Client 1.0.0"


def status_of(page: Page, url: str) -> int:
    answer = page.goto(url)
    assert answer is not None
    return answer.status


def test_a_failed_patch_opens_with_both_bodies_and_the_explanation(
    page: Page, web_server: RunningServer, screenshot: Shot
) -> None:
    with admin_client(web_server) as admin:
        directory = create_directory(admin, provider="okta")
        other = create_directory(admin, name="Other", tenant="other")
    base = f"{web_server.base_url}/admin/directories/{directory.id}"
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    sign_in(page, web_server)
    page.goto(f"{base}/requests")
    expect(page.locator("#request-log")).to_contain_text("Waiting for the first SCIM request")

    with scim_client(directory) as scim:
        scim.headers["User-Agent"] = OKTA_AGENT
        created = scim.post("/Users", json=user_resource(password=PASSWORD))
        assert created.status_code == 201, created.text
        user_id = created.json()["id"]
        failed = scim.patch(
            f"/Users/{user_id}",
            json=patch_body({"op": "frobnicate", "path": "title", "value": "<b>CTO</b>"}),
        )
        assert failed.status_code == 400, failed.text

    # Both rows arrive live (added by console.js), each a link to its request.
    rows = page.locator("#request-log tr[data-id]")
    expect(rows).to_have_count(2)
    live_failed = page.locator("#request-log tr.failed")
    live_failed.locator("a.request-link").click()
    expect(page.locator("#request-line")).to_have_text(f"PATCH /Users/{user_id}")
    expect(page.locator("#request-status")).to_have_text("400 Bad Request")
    expect(page.locator("#scim-error")).to_contain_text("frobnicate")
    expect(page.locator("#explanation")).to_contain_text("RFC 7644")
    expect(page.locator("#request-idp")).to_have_text("Okta")
    expect(page.locator("#request-body")).to_contain_text('"op": "frobnicate"')
    expect(page.locator("#request-body")).to_contain_text("<b>CTO</b>")
    expect(page.locator("#response-body")).to_contain_text('"status": "400"')
    expect(page.locator("#request-subject a")).to_have_attribute(
        "href", f"/admin/directories/{directory.id}/users/{user_id}"
    )
    assert page.locator("main b").count() == 0
    screenshot(page, "requests-detail-failed")
    answer = page.reload()
    assert answer is not None
    assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert re.search(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=", page.content()) is None

    # The server-rendered row of the POST: its password was redacted at capture.
    page.click("text=← Request log")
    page.locator("#request-log tr:not(.failed) a.request-link").click()
    expect(page.locator("#request-status")).to_have_text("201 Created")
    expect(page.locator("#scim-error")).to_have_count(0)
    expect(page.locator("#request-body")).to_contain_text('"password": "[redacted]"')
    expect(page.locator("main")).not_to_contain_text(PASSWORD)
    expect(page.locator("#response-body")).to_contain_text(user_id)
    screenshot(page, "requests-detail-created")
    page.locator("#request-subject a").click()
    expect(page.locator("#user-name")).to_have_text(created.json()["userName"])

    assert console_errors == []  # no CSP violation from console.js or the pages

    # Another directory's id for the request: not found, as in the admin API.
    with admin_client(web_server) as admin:
        request_id = wait_for_requests(admin, directory.id, 2)[0]["id"]
    other_url = f"{web_server.base_url}/admin/directories/{other.id}/requests/{request_id}"
    assert status_of(page, other_url) == 404
    expect(page.locator("[role=alert]")).to_contain_text("not found")
    assert status_of(page, f"{base}/requests/request_unknown") == 404


def test_a_cut_body_is_noted_and_a_deleted_user_is_not_linked(
    page: Page, web_server: RunningServer, screenshot: Shot
) -> None:
    with admin_client(web_server) as admin:
        directory = create_directory(admin)
        with scim_client(directory) as scim:
            large = user_resource(title="x" * 9000)
            created = scim.post("/Users", json=large)
            assert created.status_code == 201, created.text
            deleted = scim.delete(f"/Users/{created.json()['id']}")
            assert deleted.status_code == 204, deleted.text
        wait_for_requests(admin, directory.id, 2)
    sign_in(page, web_server)
    page.goto(f"{web_server.base_url}/admin/directories/{directory.id}/requests")
    screenshot(page, "requests-log-linked")
    page.locator("#request-log tr", has_text="POST").locator("a.request-link").click()
    expect(page.locator("#request-body-truncated")).to_contain_text(
        f"Truncated ({len(created.request.content):,} bytes in all)"
    )
    expect(page.locator("#request-body")).to_contain_text('"title": "xxx')
    expect(page.locator("#request-subject")).to_contain_text("no longer in this directory")
    expect(page.locator("#request-subject a")).to_have_count(0)
    screenshot(page, "requests-detail-truncated")
    page.click("text=← Request log")
    page.locator("#request-log tr", has_text="DELETE").locator("a.request-link").click()
    expect(page.locator("#request-status")).to_have_text("204 No Content")
    expect(page.locator("#request-body")).to_have_text("No body.")
