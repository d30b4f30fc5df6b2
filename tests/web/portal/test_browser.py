"""The IT admin's whole setup in Debian's Chromium, against the real server.

Open the link in a fresh browser context, issue the token, provision over SCIM from the
test, watch the requests (and an explained 409) appear without reloading, map an allowed
attribute and see the preview, then the admin revokes the link and the portal refuses.
Screenshots of each page go to tests/web/screenshots/.
"""

from __future__ import annotations

import httpx

from tests.support.clients import create_directory, scim_client
from tests.support.server import RunningServer
from tests.web.portal.conftest import new_link

DEPARTMENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"
HOSTILE = '<script>window.pwned=1</script>"><img src=x onerror="window.pwned=2">'


def user_body(user_name: str) -> dict:
    return {
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        ],
        "userName": user_name,
        "displayName": HOSTILE,
        DEPARTMENT.rsplit(":", 1)[0]: {"department": "Research"},
    }


def test_the_it_admin_connects_okta(
    server: RunningServer, admin: httpx.Client, context, screenshot
) -> None:
    directory = create_directory(
        admin, name="Acme Robotics", provider="okta", portal_attribute_allowlist=["department"]
    )
    link = new_link(admin, directory)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.goto(link["url"])
    assert page.locator("#directory-name").inner_text() == "Acme Robotics"
    assert page.locator("#connection-status").get_attribute("data-state") == "waiting"
    assert page.locator("#scim-base-url").inner_text() == directory.scim_base_url
    screenshot(page, "portal-setup")

    page.click("#issue-token")
    token = page.locator("#scim-token").inner_text()
    assert token.startswith("scim_")
    screenshot(page, "portal-token")
    page.click("#back-to-setup")
    assert token not in page.content()

    with scim_client(directory, token=token) as scim:
        assert scim.post("/Users", json=user_body(HOSTILE + "@example.com")).status_code == 201
        created = page.locator("#requests li.req-ok", has_text="POST")
        created.first.wait_for()  # arrives through the poller: the page was not reloaded
        assert created.first.locator(".status").inner_text() == "201"
        assert scim.post("/Users", json=user_body(HOSTILE + "@example.com")).status_code == 409
    failed = page.locator("#requests li.req-failed", has_text="409")
    failed.first.wait_for()
    assert "already exists" in failed.first.locator(".what").inner_text()
    assert "What to change" in failed.first.inner_text()
    page.wait_for_function(
        "document.getElementById('connection-status').dataset.state === 'errors'"
    )
    screenshot(page, "portal-log")

    page.fill("input[name='map:department']", DEPARTMENT)
    page.click("#save-mapping")
    assert page.locator("#map-saved").is_visible()
    assert page.locator("dd.mapped[data-key='department']").inner_text() == "Research"
    preview = page.locator("#preview").inner_text()
    assert HOSTILE in preview  # shown as text
    assert page.evaluate("window.pwned") is None
    assert dialogs == []
    screenshot(page, "portal-mapping")
    mapped = admin.get(f"/api/v1/directories/{directory.id}").json()["attribute_map"]
    assert mapped["department"] == DEPARTMENT

    admin.delete(f"/api/v1/directories/{directory.id}/setup-links/{link['id']}")
    # The open page notices on its next poll and shows the refusal by itself.
    page.wait_for_selector("h1:has-text('cannot be used')")
    response = page.reload()
    assert response is not None
    assert response.status == 410
    assert "cannot be used" in page.inner_text("h1")
    assert "Acme Robotics" not in page.content()
    screenshot(page, "portal-refused")
