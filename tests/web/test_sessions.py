"""Console sessions over plain HTTP (httpx): cookie flags, CSP, CSRF, sign-out, reset."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import httpx
import pytest

from scimbridge.bootstrap import reset_admin_token
from scimbridge.services.audit import cli_actor
from scimbridge.store.engine import create_db_engine
from tests.conftest import ADMIN_TOKEN, make_settings
from tests.support.clients import admin_client, create_directory, scim_client
from tests.support.server import RunningServer, running_server

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


@contextmanager
def signed_in(base_url: str, token: str = ADMIN_TOKEN) -> Iterator[httpx.Client]:
    """A client holding a console session, as a browser would after the sign-in form."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        yield sign_in(client, token)


def sign_in(client: httpx.Client, token: str) -> httpx.Client:
    form = client.get("/admin/sign-in")
    match = re.search(r'name="signin_token" value="([^"]+)"', form.text)
    assert match is not None
    response = client.post("/admin/sign-in", data={"signin_token": match[1], "token": token})
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/admin"
    return client


def csrf_of(client: httpx.Client) -> str:
    page = client.get("/admin/directories")
    assert page.status_code == 200
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match is not None
    return match[1]


@pytest.fixture
def session(web_server: RunningServer) -> Iterator[httpx.Client]:
    with signed_in(web_server.base_url) as client:
        yield client


def test_the_session_cookie_is_httponly_strict_and_only_a_hash_is_stored(
    web_server: RunningServer,
) -> None:
    with signed_in(web_server.base_url) as client:
        cookie_header = [h for h in client.cookies.jar if h.name == "scimbridge_session"]
        assert len(cookie_header) == 1
        value = cookie_header[0].value
        assert cookie_header[0].has_nonstandard_attr("HttpOnly")
        assert cookie_header[0].get_nonstandard_attr("SameSite") == "strict"
        assert not cookie_header[0].secure  # plain http here
        page = client.get("/admin/directories")
    assert page.headers["content-security-policy"] == CSP
    assert page.headers["cache-control"] == "no-store"
    assert value not in page.text
    engine = create_db_engine(web_server.database_url)
    try:
        with engine.connect() as connection:
            stored = [
                row[0] for row in connection.exec_driver_sql("SELECT id_hash FROM admin_sessions")
            ]
    finally:
        engine.dispose()
    assert len(stored) == 1
    assert stored[0] != value
    assert len(stored[0]) == 64


def test_the_cookie_is_secure_when_the_public_url_is_https(database_url: str) -> None:
    settings = make_settings(database_url, public_url="https://directory.example.com")
    with running_server(settings) as server, httpx.Client(base_url=server.base_url) as client:
        form = client.get("/admin/sign-in")
        assert "secure" in form.headers["set-cookie"].lower()
        match = re.search(r'name="signin_token" value="([^"]+)"', form.text)
        assert match is not None
        # A Secure cookie is not sent back over http: hand it over as an https browser would.
        client.cookies.set("scimbridge_signin", match[1])
        response = client.post(
            "/admin/sign-in", data={"signin_token": match[1], "token": ADMIN_TOKEN}
        )
        assert response.status_code == 303
        session_cookie = next(
            h for h in response.headers.get_list("set-cookie") if "scimbridge_session=" in h
        )
        assert "secure" in session_cookie.lower()


def test_a_wrong_token_or_a_forged_form_signs_nobody_in(web_server: RunningServer) -> None:
    with httpx.Client(base_url=web_server.base_url) as client:
        form = client.get("/admin/sign-in")
        match = re.search(r'name="signin_token" value="([^"]+)"', form.text)
        assert match is not None
        wrong = client.post("/admin/sign-in", data={"signin_token": match[1], "token": "sbadm_x"})
        assert wrong.status_code == 401
        assert "scimbridge_session" not in client.cookies
    with httpx.Client(base_url=web_server.base_url) as forged:
        # Another site's form: no sign-in cookie to match the posted value.
        response = forged.post("/admin/sign-in", data={"signin_token": "x", "token": ADMIN_TOKEN})
        assert response.status_code == 403
        assert "scimbridge_session" not in forged.cookies


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    web_server: RunningServer, session: httpx.Client
) -> None:
    with admin_client(web_server) as admin:
        directory = create_directory(admin)
    rotate = f"/admin/directories/{directory.id}/rotate-token"
    assert session.post(rotate).status_code == 403
    assert session.post(rotate, data={"csrf": "0" * 64}).status_code == 403
    with scim_client(directory) as scim:
        assert scim.get("/Users").status_code == 200  # the token was not rotated
    with admin_client(web_server) as admin:
        actions = [e["action"] for e in admin.get("/api/v1/audit-log").json()["data"]]
    assert "scim_token.rotated" not in actions
    done = session.post(rotate, data={"csrf": csrf_of(session)})
    assert done.status_code == 200
    with scim_client(directory) as scim:
        assert scim.get("/Users").status_code == 401


def test_without_a_session_pages_redirect_and_posts_are_refused(
    web_server: RunningServer,
) -> None:
    with httpx.Client(base_url=web_server.base_url) as client:
        page = client.get("/admin/audit-log")
        assert page.status_code == 303
        assert page.headers["location"] == "/admin/sign-in"
        assert client.post("/admin/directories/new", data={"name": "x"}).status_code == 401
        assert client.get("/admin/directories/x/requests.json").status_code == 303


def test_sign_out_ends_the_session_on_the_server(web_server: RunningServer) -> None:
    with signed_in(web_server.base_url) as client:
        value = client.cookies["scimbridge_session"]
        response = client.post("/admin/sign-out", data={"csrf": csrf_of(client)})
        assert response.status_code == 303
    with httpx.Client(base_url=web_server.base_url) as replay:
        replay.cookies.set("scimbridge_session", value)
        assert replay.get("/admin/directories").status_code == 303


def test_an_admin_token_reset_ends_every_session_at_once(database_url: str) -> None:
    engine = create_db_engine(database_url)
    try:
        token = reset_admin_token(engine, actor=cli_actor())
    finally:
        engine.dispose()
    settings = make_settings(database_url, admin_token=None, embedded_worker=False)
    with running_server(settings) as server, ExitStack() as stack:
        first = stack.enter_context(signed_in(server.base_url, token))
        second = stack.enter_context(signed_in(server.base_url, token))
        assert first.get("/admin/directories").status_code == 200
        engine = create_db_engine(database_url)
        try:
            new_token = reset_admin_token(engine, actor=cli_actor())
        finally:
            engine.dispose()
        for client in (first, second):
            response = client.get("/admin/directories")
            assert response.status_code == 303
            assert response.headers["location"] == "/admin/sign-in"
        with signed_in(server.base_url, new_token) as fresh:
            assert fresh.get("/admin/directories").status_code == 200


def test_pages_have_no_inline_script_or_style_and_assets_are_served(
    web_server: RunningServer, session: httpx.Client
) -> None:
    """The CSP forbids inline script and style: the pages must not need any."""
    with admin_client(web_server) as admin:
        directory = create_directory(admin)
    base = f"/admin/directories/{directory.id}"
    for path in (
        "/admin/directories",
        "/admin/directories/new",
        base,
        f"{base}/requests",
        f"{base}/users",
        f"{base}/events",
        f"{base}/deliveries",
        "/admin/audit-log",
    ):
        page = session.get(path)
        assert page.status_code == 200, path
        assert page.headers["content-security-policy"] == CSP
        assert re.search(r"<script(?![^>]*\bsrc=)", page.text) is None, path
        assert re.search(r"<style|\sstyle=|\son[a-z]+=", page.text) is None, path
    for asset in ("/admin/static/console.css", "/admin/static/console.js"):
        assert session.get(asset).status_code == 200
