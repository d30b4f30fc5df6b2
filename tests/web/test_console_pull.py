"""Pull directories in the console, in real Chromium against a real server (issue 14):
a Google Workspace directory set up from "New directory" to synced users with the
connection form and "Sync now"; an LDAP connection the connector refuses; a CSV
directory's overview. No secret is ever part of a page. Screenshots of each overview
land in ``tests/web/screenshots/``."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.conftest import make_settings
from tests.support.clients import admin_client
from tests.support.fake_google import FakeGoogle, new_key
from tests.support.fake_google_server import fake_google
from tests.support.server import RunningServer, running_server
from tests.web.test_console import sign_in

Shot = Callable[[Page, str], Any]
COOLDOWN = 30
WAIT_SECONDS = 60


@pytest.fixture
def pull_web_server(database_url: str) -> Iterator[RunningServer]:
    """A real server with its embedded worker (so queued syncs run) and a cooldown long
    enough that a second "Sync now" is refused."""
    with running_server(make_settings(database_url, sync_cooldown_seconds=COOLDOWN)) as server:
        yield server


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    with fake_google() as fake:
        fake.add_admin("admin@example.com")
        yield fake


def create_in_browser(page: Page, provider: str, name: str) -> str:
    """ "New directory" with ``provider``; the id of the directory it opens on."""
    page.click("text=New directory")
    page.fill("#name", name)
    page.fill("#tenant", name.lower().replace(" ", "-"))
    page.check(f"input[value={provider}]")
    page.click("button:has-text('Create directory')")
    expect(page.locator(".alert.ok")).to_have_text("Directory created.")
    href = page.locator("nav.tabs a").first.get_attribute("href")
    assert href is not None
    return href.rsplit("/", 1)[1]


def audit_entries(server: RunningServer, directory_id: str) -> list[dict[str, Any]]:
    with admin_client(server) as admin:
        response = admin.get("/api/v1/audit-log", params={"directory_id": directory_id})
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


def reload_until(page: Page, url: str, ready: Callable[[], bool]) -> None:
    """Reload ``url`` until ``ready()`` (the worker runs syncs in the background);
    bounded, and not a timing assertion."""
    deadline = time.monotonic() + WAIT_SECONDS
    page.goto(url)
    while not ready():
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} never got ready: {page.locator('main').inner_text()}")
        time.sleep(0.3)
        page.goto(url)


def assert_no_secret(page: Page, *secrets: str) -> None:
    html = page.content()
    for secret in secrets:
        assert secret not in html
    assert "********" not in html


def test_a_google_directory_from_new_to_synced_users(
    page: Page, pull_web_server: RunningServer, google: FakeGoogle, screenshot: Shot
) -> None:
    server = pull_web_server
    google.add_user("ada@example.com", "Ada", "Lovelace")
    google.add_user("alan@example.com", "Alan", "Turing")
    key_file = google.service_account(new_key())
    private_key = key_file["private_key"]
    key_body = private_key.splitlines()[1]  # a line of the PEM, as a page might show it
    sign_in(page, server)
    directory_id = create_in_browser(page, "google", "Acme Google")

    # A pull directory: no SCIM card or token; the next step is said plainly.
    expect(page.locator("#scim")).to_have_count(0)
    expect(page.locator("#once-scim-token")).to_have_count(0)
    expect(page.locator("#next-step")).to_contain_text("enter the connection below")
    expect(page.locator("#sync-now")).to_be_disabled()
    screenshot(page, "pull-google-new")

    page.fill("#conn-service_account", json.dumps(key_file, indent=2))
    page.fill("#conn-subject", "admin@example.com")
    page.click("details.advanced summary")
    page.fill("#conn-api_base_url", google.url)
    page.fill("#conn-token_uri", google.token_uri)
    page.click("#save-connection")
    expect(page.locator(".alert.ok")).to_have_text("Connection saved: the first sync starts now.")
    expect(page.locator("#conn-service_account-stored")).to_be_visible()
    expect(page.locator("#conn-service_account")).to_have_value("")
    expect(page.locator("#conn-api_base_url")).to_have_value(google.url)
    expect(page.locator("#next-step")).to_have_count(0)
    assert_no_secret(page, private_key, key_body)

    page.click("#sync-now")
    expect(page.locator("#sync-notice")).to_contain_text("Sync queued")
    page.click("#sync-now")
    expect(page.locator("#sync-error")).to_contain_text("Try again in")
    expect(page.locator("#sync-error")).to_contain_text(f"less than {COOLDOWN} s ago")

    overview = f"{server.base_url}/admin/directories/{directory_id}"
    rows = page.locator("table.list tbody tr")
    reload_until(page, f"{overview}/users", lambda: rows.count() == 3)  # admin, Ada, Alan
    expect(page.locator("table.list")).to_contain_text("ada@example.com")

    # The overview shows the run Sync now queued, once finished, with its report's link.
    last_run = page.locator("#last-run")
    reload_until(
        page,
        overview,
        lambda: "manual" in last_run.inner_text() and "running" not in last_run.inner_text(),
    )
    expect(last_run.locator(".badge")).to_have_text("succeeded")
    href = page.locator("#run-report").get_attribute("href") or ""
    assert href.startswith(f"/admin/directories/{directory_id}/syncs/")
    assert_no_secret(page, private_key, key_body)
    screenshot(page, "pull-google-overview")

    # Saving again with the secret left empty keeps it (the next sync still works).
    page.fill("#conn-subject", "admin@example.com")
    page.click("#save-connection")
    expect(page.locator(".alert.ok")).to_have_text("Connection saved.")
    with admin_client(server) as admin:
        shown = admin.get(f"/api/v1/directories/{directory_id}").json()["connection"]
    assert shown["service_account"] == "********"

    entries = audit_entries(server, directory_id)
    requested = [e for e in entries if e["action"] == "directory.sync_requested"]
    assert [e["actor"]["kind"] for e in requested] == ["session"]
    updates = [e for e in entries if e["action"] == "directory.updated"]
    assert {"connection": "changed"} in [e["details"]["changed"] for e in updates]
    assert key_body not in json.dumps(entries)


def test_an_ldap_connection_the_connector_refuses_comes_back_with_its_error(
    page: Page, pull_web_server: RunningServer, screenshot: Shot
) -> None:
    server = pull_web_server
    sign_in(page, server)
    directory_id = create_in_browser(page, "ldap", "Acme LDAP")
    page.fill("#conn-url", "ldap://127.0.0.1:9")
    page.fill("#conn-bind_dn", "cn=sync,dc=example,dc=com")
    page.fill("#conn-bind_password", "s3cret-bind-pw")
    page.fill("#conn-user_base_dn", "ou=people,dc=example,dc=com")
    page.select_option("#conn-profile", "active_directory")
    page.click("#save-connection")
    expect(page.locator("#connection-error")).to_contain_text("sends the password unencrypted")
    expect(page.locator("#connection-error")).to_contain_text("enter again: Bind password")
    expect(page.locator("#conn-url")).to_have_value("ldap://127.0.0.1:9")
    expect(page.locator("#conn-profile")).to_have_value("active_directory")
    expect(page.locator("#conn-bind_password")).to_have_value("")
    assert_no_secret(page, "s3cret-bind-pw")

    # Unreadable override lines are refused before the connector sees them.
    page.check("#conn-start_tls")
    page.fill("#conn-bind_password", "s3cret-bind-pw")
    expect(page.locator("details.advanced")).to_have_attribute("open", "")  # after an error
    page.fill("#conn-attribute_map", "userName mail")
    page.click("#save-connection")
    expect(page.locator("#connection-error")).to_contain_text("line 1: write it as name = value")

    page.fill("#conn-bind_password", "s3cret-bind-pw")
    page.fill("#conn-attribute_map", "userName = mail, uid")
    page.click("#save-connection")
    expect(page.locator(".alert.ok")).to_have_text("Connection saved: the first sync starts now.")
    expect(page.locator("#conn-bind_password-stored")).to_be_visible()
    expect(page.locator("#conn-attribute_map")).to_have_value("userName = mail, uid")
    assert_no_secret(page, "s3cret-bind-pw")

    # The schedule: minutes in, a clear range when out of it.
    page.fill("#interval_minutes", "4")
    page.click("button:has-text('Save settings')")
    expect(page.locator("#settings-error")).to_contain_text("from 5 to 10080")
    page.fill("#interval_minutes", "45")
    page.fill("#guard_percent", "20")
    page.click("button:has-text('Save settings')")
    expect(page.locator("#settings-notice")).to_have_text("Sync settings saved.")
    expect(page.locator("#interval_minutes")).to_have_value("45")
    with admin_client(server) as admin:
        sync = admin.get(f"/api/v1/directories/{directory_id}").json()["sync"]
    assert (sync["interval_seconds"], sync["guard_percent"]) == (2700, 20)

    # The first run (started by the save) fails: nothing listens on port 9.
    state = page.locator("#sync-state")
    overview = f"{server.base_url}/admin/directories/{directory_id}"
    reload_until(page, overview, lambda: "The last run failed" in state.inner_text())
    expect(page.locator("#sync-reason")).to_contain_text("unreachable")
    assert_no_secret(page, "s3cret-bind-pw")
    screenshot(page, "pull-ldap-overview")

    # The admin API's POST …/sync is audited with the admin token as actor.
    with admin_client(server) as admin:
        queued = admin.post(f"/api/v1/directories/{directory_id}/sync")
    assert queued.status_code == 202, queued.text
    requested = [
        e for e in audit_entries(server, directory_id) if e["action"] == "directory.sync_requested"
    ]
    assert [e["actor"]["kind"] for e in requested] == ["admin_token"]


def test_a_csv_directory_offers_the_upload_and_no_sync_now(
    page: Page, pull_web_server: RunningServer, screenshot: Shot
) -> None:
    server = pull_web_server
    sign_in(page, server)
    directory_id = create_in_browser(page, "csv", "Acme CSV")
    expect(page.locator("#sync-now")).to_have_count(0)
    expect(page.locator("#scim")).to_have_count(0)
    upload = page.locator("#upload-csv")
    expect(upload).to_have_attribute("href", f"/admin/directories/{directory_id}/import")
    expect(page.locator("#next-step")).to_contain_text("upload a CSV file")
    expect(page.locator("#interval_minutes")).to_have_count(0)  # nothing to schedule
    page.fill("#conn-header_map", "Mail = email\nLogin = id")
    page.click("#save-connection")
    expect(page.locator(".alert.ok")).to_have_text("Connection saved.")
    expect(page.locator("#conn-header_map")).to_have_value("Mail = email\nLogin = id")
    screenshot(page, "pull-csv-overview")
    with httpx.Client(base_url=server.base_url) as anonymous:
        refused = anonymous.post(f"/admin/directories/{directory_id}/sync")
    assert refused.status_code == 401
