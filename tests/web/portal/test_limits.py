"""The portal's abuse limits over HTTP: pages and JSON, against a real server per backend.

A private server with small limits, so these tests neither wait nor use up the shared
server's allowance for the other portal tests (all test clients come from 127.0.0.1).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import make_settings
from tests.support.clients import create_directory, scim_client
from tests.support.server import RunningServer, running_server
from tests.web.portal.conftest import new_link, submit
from tests.web.portal.test_pages import issued_token

LOOKUPS = 3
ISSUES = 2


@pytest.fixture
def limited(database_url: str) -> Iterator[RunningServer]:
    settings = make_settings(
        database_url,
        portal_failed_lookups_per_minute=LOOKUPS,
        portal_token_issues_per_hour=ISSUES,
        embedded_worker=False,
    )
    with running_server(settings) as server:
        yield server


@pytest.fixture
def admin_of(limited: RunningServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {limited.admin_token}"}
    with httpx.Client(base_url=limited.base_url, headers=headers, timeout=30) as client:
        yield client


def retry_after_of(response: httpx.Response, most: int) -> int:
    seconds = int(response.headers["retry-after"])
    assert 1 <= seconds <= most
    return seconds


def test_an_address_probing_links_is_refused_everywhere(
    limited: RunningServer, admin_of: httpx.Client, it_admin: httpx.Client
) -> None:
    directory = create_directory(admin_of, name="Umbrella")
    good = new_link(admin_of, directory)["url"]
    assert it_admin.get(good).status_code == 200  # a usable link never counts
    for guess in range(LOOKUPS):
        assert it_admin.get(f"{limited.base_url}/setup/sbsetup_guess{guess}").status_code == 404

    page = it_admin.get(f"{limited.base_url}/setup/sbsetup_next")
    assert page.status_code == 429
    retry_after_of(page, 60)
    assert "Too many attempts" in page.text
    assert "content-security-policy" in page.headers
    assert page.headers["cache-control"] == "no-store"

    # Now every link answers 429 to this address, the good one included, on every route.
    refused_page = it_admin.get(good)
    assert refused_page.status_code == 429
    assert "Umbrella" not in refused_page.text
    assert it_admin.post(good, data={"action": "issue_token"}).status_code == 429
    assert it_admin.get(f"{good}/log").status_code == 429
    for method, path in (("GET", "status"), ("POST", "scim-token")):
        answer = it_admin.request(method, f"{good}/{path}")
        assert answer.status_code == 429
        assert answer.json()["error"]["code"] == "too_many_attempts"
        retry_after_of(answer, 60)
    with scim_client(directory) as scim:  # the refused POST rotated nothing
        assert scim.get("/Users").status_code == 200


def test_a_link_issues_a_few_tokens_an_hour(
    limited: RunningServer, admin_of: httpx.Client, it_admin: httpx.Client
) -> None:
    directory = create_directory(admin_of, provider="okta")
    link = new_link(admin_of, directory)
    first = submit(it_admin, link, action="issue_token")
    assert first.status_code == 200
    second = httpx.post(f"{link['url']}/scim-token", timeout=30)  # the JSON API shares it
    assert second.status_code == 200
    last_token = second.json()["scim_token"]
    assert issued_token(first.text) != last_token

    page = submit(it_admin, link, action="issue_token")
    assert page.status_code == 429
    retry_after_of(page, 3600)
    assert f"this link issued {ISSUES} SCIM tokens in the last hour" in page.text
    assert 'id="issue-error"' in page.text
    assert 'id="scim-token"' not in page.text  # no token shown, none issued

    answer = httpx.post(f"{link['url']}/scim-token", timeout=30)
    assert answer.status_code == 429
    assert answer.json()["error"]["code"] == "too_many_requests"
    retry_after_of(answer, 3600)
    with scim_client(directory, token=last_token) as scim:  # still the last token issued
        assert scim.get("/Users").status_code == 200

    other = new_link(admin_of, directory)  # the allowance is the link's own
    assert submit(it_admin, other, action="issue_token").status_code == 200
