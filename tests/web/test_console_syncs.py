"""The console's sync pages in real Chromium, through a real server (issue 14).

A CSV directory walked as an admin would: an empty Syncs tab, a file with problems (each
shown with its line, nothing applied), a dry run, a real import and its report, the users
it made, a snapshot that would deactivate most of them (held, with the numbers and the
users who would lose access), and "Approve and apply". A pull from an LDAP server that
is not there shows a failed run with its explanation. Screenshots land in
``tests/web/screenshots/``.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.factories import user_resource
from tests.support.clients import admin_client, create_directory
from tests.support.csv_people import write_people
from tests.support.pulls import first_run, write_user
from tests.support.server import RunningServer
from tests.web.test_console import sign_in

pytest.importorskip("scimbridge.connectors.csv_source")

Shot = Callable[[Page, str], Any]
PEOPLE = 20


def csv_directory(server: RunningServer) -> str:
    with admin_client(server) as admin:
        return create_directory(admin, provider="csv", tenant="hr", name="HR export").id


def upload(page: Page, path: Path, *, mode: str = "snapshot", dry_run: bool = True) -> None:
    page.set_input_files("#file", str(path))
    page.check(f"input[name=mode][value={mode}]")
    page.set_checked("#dry_run", dry_run)
    page.click("#upload")


def count(page: Page, scope: str, key: str) -> str:
    return page.locator(f"{scope} tr[data-count={key}] td.num").inner_text()


def test_a_csv_directory_is_imported_held_and_approved(
    page: Page, web_server: RunningServer, screenshot: Shot, tmp_path: Path
) -> None:
    directory_id = csv_directory(web_server)
    base = f"{web_server.base_url}/admin/directories/{directory_id}"
    sign_in(page, web_server)
    page.goto(base)
    page.click("nav.tabs >> text=Syncs")
    expect(page.locator("#no-runs")).to_contain_text("upload a CSV file")

    page.click("#upload-csv")
    expect(page.locator("#csv-columns")).to_contain_text("name.givenName")
    expect(page.locator("#dry_run")).to_be_checked()
    screenshot(page, "sync-import-form")

    # A file with problems: every one with its line, nothing applied.
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "id,user_name,email\ne1,a@example.com,a@example.com\ne2,,b@example.com\n"
        "e3,c@example.com,not-an-address\n",
        encoding="utf-8",
    )
    upload(page, bad)
    problems = page.locator("#import-problems")
    expect(problems).to_contain_text("Nothing was applied")
    expect(problems.locator("tbody tr")).to_have_count(2)
    expect(problems.locator("tbody tr").nth(0).locator("td").first).to_have_text("3")
    expect(problems.locator("tbody tr").nth(1).locator("td").first).to_have_text("4")
    screenshot(page, "sync-import-invalid")

    # A dry run: the counts and first changes, nothing changed.
    people = tmp_path / "people.csv"
    write_people(people, PEOPLE, groups=3)
    upload(page, people)
    expect(page.locator("#dry-run")).to_contain_text("nothing was changed")
    assert count(page, "#dry-run-counts", "created") == str(PEOPLE)
    expect(page.locator("#dry-run-changes tbody tr")).to_have_count(20)
    screenshot(page, "sync-dry-run")
    expect(page.locator("nav.tabs a[href$='/users'] .count")).to_have_text("0")

    # The real import: the run's report, then the users it created.
    upload(page, people, dry_run=False)
    expect(page.locator("h2.entity .badge")).to_have_text("succeeded")
    assert count(page, "#run-counts", "created") == str(PEOPLE)
    assert count(page, "#run-counts", "seen_users") == str(PEOPLE)
    assert int(count(page, "#run-counts", "events")) > PEOPLE
    screenshot(page, "sync-run-succeeded")
    page.click("nav.tabs >> text=Users")
    expect(page.locator("table.list tbody tr")).to_have_count(PEOPLE)
    expect(page.locator("table.list")).to_contain_text("person.7@example.com")

    # A snapshot of 4 of the 20: the guard holds it and shows who would lose access.
    few = tmp_path / "few.csv"
    write_people(few, 4, groups=3)
    page.goto(f"{base}/import")
    upload(page, few)
    expect(page.locator("#would-be-held")).to_contain_text("would take access from")
    upload(page, few, dry_run=False)
    expect(page.locator("h2.entity .badge")).to_have_text("held")
    expect(page.locator("#run-explanation")).to_contain_text("Nothing was changed")
    # write_people marks every 50th person inactive: person.0 is inactive in both files.
    expect(page.locator("#held-removals")).to_have_text(str(PEOPLE - 4))
    expect(page.locator("#held-total")).to_have_text(str(PEOPLE))
    expect(page.locator("#held-sample tbody tr")).to_have_count(PEOPLE - 4)
    expect(page.locator("#held-sample tbody tr").first).to_contain_text("person.10@example.com")
    expect(page.locator("#held-sample")).to_contain_text("First19 Last19")
    assert count(page, "#run-counts", "deactivated") == str(PEOPLE - 4)
    expect(page.locator("#run-counts tr[data-count=deactivated]")).to_contain_text("would")
    screenshot(page, "sync-run-held")

    # Approve needs the box ticked (a required field: the browser does not submit).
    page.click("#approve")
    expect(page.locator("h2.entity .badge")).to_have_text("held")
    # ... and the server checks it too.
    page.evaluate("document.querySelector('#approve-checked').required = false")
    page.click("#approve")
    expect(page.locator("#run-error")).to_contain_text("I checked the numbers")
    expect(page.locator("h2.entity .badge")).to_have_text("held")
    page.check("#approve-checked")
    page.click("#approve")
    expect(page.locator("#run-notice")).to_contain_text("Approved")
    expect(page.locator("h2.entity .badge")).to_have_text("approved")
    assert count(page, "#run-counts", "deactivated") == str(PEOPLE - 4)
    expect(page.locator("#held")).to_have_count(0)
    expect(page.locator("#run-explanation")).to_have_count(0)

    page.click("nav.tabs >> text=Syncs")
    rows = page.locator("#sync-runs tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator(".badge")).to_have_text("approved")
    expect(rows.nth(0)).to_contain_text(f"{PEOPLE - 4} deactivated")
    expect(rows.nth(0).locator("td").last).to_have_text("")  # the hold is over
    expect(rows.nth(1).locator(".badge")).to_have_text("succeeded")
    expect(rows.nth(1)).to_contain_text(f"{PEOPLE} created")
    screenshot(page, "syncs-list")


def test_approving_after_the_directory_changed_is_refused_clearly(
    page: Page, web_server: RunningServer, tmp_path: Path
) -> None:
    with admin_client(web_server) as admin:
        directory = create_directory(admin, provider="csv", tenant="hr", name="HR export")
    base = f"{web_server.base_url}/admin/directories/{directory.id}"
    people, few = tmp_path / "people.csv", tmp_path / "few.csv"
    write_people(people, PEOPLE, groups=3)
    write_people(few, 4, groups=3)
    sign_in(page, web_server)
    page.goto(f"{base}/import")
    upload(page, people, dry_run=False)
    page.goto(f"{base}/import")
    upload(page, few, dry_run=False)
    expect(page.locator("h2.entity .badge")).to_have_text("held")

    # Meanwhile the directory changes (SCIM refuses writes to a pull directory, so the
    # change goes through the write path itself): the held snapshot is stale.
    write_user(web_server.database_url, directory.id, user_resource(userName="late@example.com"))
    page.check("#approve-checked")
    page.click("#approve")
    refused = page.locator("#run-error")
    expect(refused).to_contain_text("Not applied: the directory changed since this run was held")
    expect(page.locator("h2.entity .badge")).to_have_text("held")
    expect(page.locator("#approve-form")).to_have_count(0)
    expect(page.locator("#held")).to_contain_text("can no longer be approved")


def test_a_failed_pull_shows_its_explanation(
    page: Page, web_server: RunningServer, screenshot: Shot
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    connection = {
        "url": f"ldaps://127.0.0.1:{port}",
        "bind_dn": "cn=reader,dc=example,dc=org",
        "bind_password": "reader-secret",
        "user_base_dn": "dc=example,dc=org",
        "profile": "openldap",
    }
    with admin_client(web_server) as admin:
        directory = create_directory(admin, provider="ldap", tenant="corp", connection=connection)
        run = first_run(admin, directory.id)
    assert run["outcome"] == "failed", run
    sign_in(page, web_server)
    page.goto(f"{web_server.base_url}/admin/directories/{directory.id}/syncs")
    row = page.locator("#sync-runs tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator(".badge")).to_have_text("failed")
    expect(row).to_contain_text("unreachable")
    row.locator("a").click()
    explanation = page.locator("#run-explanation")
    expect(explanation).to_contain_text("could not be reached")
    expect(explanation).to_contain_text("check the host, port")
    assert "reader-secret" not in page.content()
    screenshot(page, "sync-run-failed")
    response = page.goto(f"{web_server.base_url}/admin/directories/{directory.id}/import")
    assert response is not None
    assert response.status == 400
    expect(page.locator("main")).to_contain_text("only csv directories take file uploads")


def test_a_scim_directory_has_no_syncs_tab_or_pages(page: Page, web_server: RunningServer) -> None:
    with admin_client(web_server) as admin:
        directory = create_directory(admin)
    sign_in(page, web_server)
    page.goto(f"{web_server.base_url}/admin/directories/{directory.id}")
    expect(page.locator("nav.tabs a", has_text="Syncs")).to_have_count(0)
    for path in ("syncs", "import"):
        response = page.goto(f"{web_server.base_url}/admin/directories/{directory.id}/{path}")
        assert response is not None
        assert response.status == 400
    expect(page.locator("main")).to_contain_text("this directory is pushed over SCIM")
