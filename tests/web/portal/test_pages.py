"""The portal's pages over HTTP against the real server, on both databases."""

from __future__ import annotations

import re

import httpx

from tests.support.clients import create_directory, scim_client, wait_for_requests
from tests.support.server import RunningServer
from tests.web.portal.conftest import csrf_of, expire, link_token, new_link, submit


def issued_token(html: str) -> str:
    match = re.search(r'<code id="scim-token" class="secret">([^<]+)</code>', html)
    assert match, html
    return match.group(1)


class TestPage:
    def test_shows_directory_steps_and_no_secret(
        self, server: RunningServer, admin: httpx.Client, it_admin: httpx.Client
    ) -> None:
        directory = create_directory(admin, name="Globex", tenant="globex", provider="entra")
        link = new_link(admin, directory)
        page = it_admin.get(link["url"])
        assert page.status_code == 200
        html = page.text
        assert "Globex" in html
        assert "Microsoft Entra ID" in html
        assert directory.scim_base_url in html
        for field in ("Tenant URL", "Secret Token", "Test Connection", "Automatic"):
            assert field in html
        assert "Waiting for the first request" in html
        assert "replaces the previous token" in html
        assert directory.scim_token not in html
        assert link_token(link) not in html
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert page.headers["cache-control"] == "no-store"
        assert page.headers["referrer-policy"] == "no-referrer"
        assert "<script>" not in html  # only the external script tag
        cookie = page.headers["set-cookie"]
        assert "samesite=strict" in cookie.lower()
        assert "httponly" in cookie.lower()

    def test_assets_are_served_from_the_package(self, server: RunningServer) -> None:
        for name, kind in (("portal.css", "text/css"), ("portal.js", "text/javascript")):
            response = httpx.get(f"{server.base_url}/setup-assets/{name}")
            assert response.status_code == 200
            assert response.headers["content-type"].startswith(kind)
        assert httpx.get(f"{server.base_url}/setup-assets/../app.py").status_code == 404


class TestIssueToken:
    def test_issue_shows_the_token_once_and_rotates(
        self, server: RunningServer, admin: httpx.Client, it_admin: httpx.Client
    ) -> None:
        directory = create_directory(admin, provider="okta")
        link = new_link(admin, directory)
        result = submit(it_admin, link, action="issue_token")
        assert result.status_code == 200
        token = issued_token(result.text)
        assert "shown only once" in result.text
        assert "Authorization (Bearer)" in result.text
        with scim_client(directory, token=token) as scim:
            assert scim.get("/Users").status_code == 200
        with scim_client(directory) as old:
            assert old.get("/Users").status_code == 401
        again = issued_token(submit(it_admin, link, action="issue_token").text)
        assert again != token
        assert token not in it_admin.get(link["url"]).text
        audit = admin.get("/api/v1/audit-log", params={"directory_id": directory.id}).json()
        assert audit["data"][0]["actor"] == {"kind": "setup_link", "id": link["id"]}
        assert token not in str(audit)
        assert again not in str(audit)

    def test_post_without_csrf_is_refused(
        self, server: RunningServer, admin: httpx.Client, it_admin: httpx.Client
    ) -> None:
        directory = create_directory(admin)
        link = new_link(admin, directory)
        field = csrf_of(it_admin.get(link["url"]).text)
        attempts = [
            {"action": "issue_token"},  # no field (cookie present)
            {"action": "issue_token", "csrf_token": field + "x"},  # wrong field
        ]
        for data in attempts:
            assert it_admin.post(link["url"], data=data).status_code == 403
        # The right field but no cookie: a cross-site form (SameSite=Strict sends none).
        with httpx.Client(timeout=30) as stranger:
            response = stranger.post(
                link["url"], data={"action": "issue_token", "csrf_token": field}
            )
        assert response.status_code == 403
        assert "scim-token" not in response.text
        with scim_client(directory) as scim:  # nothing rotated
            assert scim.get("/Users").status_code == 200

    def test_a_field_of_another_link_is_refused(
        self, server: RunningServer, admin: httpx.Client, it_admin: httpx.Client
    ) -> None:
        a, b = create_directory(admin, name="A"), create_directory(admin, name="B")
        link_a, link_b = new_link(admin, a), new_link(admin, b)
        field_a = csrf_of(it_admin.get(link_a["url"]).text)
        it_admin.get(link_b["url"])
        response = it_admin.post(
            link_b["url"], data={"action": "issue_token", "csrf_token": field_a}
        )
        assert response.status_code == 403


class TestRefusals:
    def test_unknown_expired_and_revoked_links(
        self, server: RunningServer, admin: httpx.Client, it_admin: httpx.Client
    ) -> None:
        directory = create_directory(admin, name="Initech")
        unknown = it_admin.get(f"{server.base_url}/setup/sbsetup_nope")
        assert unknown.status_code == 404
        assert "cannot be used" in unknown.text
        expired, revoked = new_link(admin, directory), new_link(admin, directory)
        expire(server, expired)
        admin.delete(f"/api/v1/directories/{directory.id}/setup-links/{revoked['id']}")
        for link, words in ((expired, "expired"), (revoked, "revoked")):
            page = it_admin.get(link["url"])
            assert page.status_code == 410
            assert words in page.text
            assert "Initech" not in page.text
            assert directory.id not in page.text
            assert it_admin.get(link["url"] + "/log").status_code == 410
            post = it_admin.post(link["url"], data={"action": "issue_token"})
            assert post.status_code == 410
        with scim_client(directory) as scim:
            assert scim.get("/Users").status_code == 200

    def test_a_link_shows_nothing_of_another_directory(
        self, server: RunningServer, admin: httpx.Client, it_admin: httpx.Client
    ) -> None:
        a = create_directory(admin, name="Alpha Corp", tenant="alpha")
        b = create_directory(admin, name="Beta Corp", tenant="beta")
        with scim_client(b) as scim:
            scim.post("/Users", json={"userName": "beta-only@example.com"})
        wait_for_requests(admin, b.id, 1)
        link = new_link(admin, a)
        page = it_admin.get(link["url"]).text
        log = it_admin.get(link["url"] + "/log").text
        for text in (page, log):
            assert "Beta Corp" not in text
            assert b.id not in text
            assert "beta-only" not in text
        assert '"data":[]' in log


class TestLog:
    def test_failures_are_explained_and_ids_escaped(
        self, server: RunningServer, admin: httpx.Client, it_admin: httpx.Client
    ) -> None:
        directory = create_directory(admin, provider="onelogin")
        link = new_link(admin, directory)
        user = {"userName": "dup@example.com"}
        with scim_client(directory) as scim:
            assert scim.post("/Users", json=user).status_code == 201
            assert scim.post("/Users", json=user).status_code == 409
            assert scim.get("/Users/<script>alert(1)").status_code == 404
        with scim_client(directory, token="scim_wrong") as bad:
            assert bad.get("/Users").status_code == 401
        wait_for_requests(admin, directory.id, 4)
        log = it_admin.get(link["url"] + "/log").json()
        by_status = {row["status"]: row for row in log["data"]}
        assert by_status[201]["explanation"] is None
        assert "already exists" in by_status[409]["explanation"]["summary"]
        assert "SCIM Bearer Token" in by_status[401]["explanation"]["fix"]
        assert log["connection"]["state"] == "errors"
        html = it_admin.get(link["url"]).text
        assert "Errors in the last hour" in html
        assert "<script>alert(1)" not in html
        assert "&lt;script&gt;alert(1)" in html
        assert "What to change:" in html


class TestBadInput:
    def test_malformed_posts_are_4xx(
        self, server: RunningServer, admin: httpx.Client, it_admin: httpx.Client
    ) -> None:
        link = new_link(admin, create_directory(admin))
        field = csrf_of(it_admin.get(link["url"]).text)
        bodies = [
            ({"content-type": "multipart/form-data; boundary=x"}, b"--x\r\ngarbage"),
            ({"content-type": "application/json"}, b'{"action": "issue_token"}'),
            ({"content-type": "application/x-www-form-urlencoded"}, b"%zz=%%&&="),
        ]
        for headers, body in bodies:
            response = it_admin.post(link["url"], headers=headers, content=body)
            assert 400 <= response.status_code < 500, (headers, response.status_code)
        unknown = it_admin.post(link["url"], data={"csrf_token": field, "action": "nope"})
        assert unknown.status_code == 400

    def test_log_pages_back_with_after(
        self, server: RunningServer, admin: httpx.Client, it_admin: httpx.Client
    ) -> None:
        directory = create_directory(admin)
        link = new_link(admin, directory)
        with scim_client(directory) as scim:
            for _ in range(3):
                scim.get("/Users")
        rows = wait_for_requests(admin, directory.id, 3)
        newest = it_admin.get(link["url"] + "/log").json()["data"]
        assert [row["id"] for row in newest] == [row["id"] for row in rows]
        older = it_admin.get(link["url"] + "/log", params={"after": rows[0]["id"]}).json()
        assert [row["id"] for row in older["data"]] == [row["id"] for row in rows[1:]]
