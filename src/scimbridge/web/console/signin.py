"""Sign-in and sign-out.

Before a session exists, the sign-in form is protected by a double-submit token: the GET
sets a random ``SameSite=Strict`` cookie and puts the same value in the form, and the
POST must bring both (login CSRF: another site must not sign a browser into *its*
session). The session cookie is ``HttpOnly`` (no script reads it), ``SameSite=Strict``,
``Path=/admin``, and ``Secure`` whenever the console is served over https.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from scimbridge.api.deps import client_address, runtime_of
from scimbridge.errors import Unauthorized
from scimbridge.services import console_sessions
from scimbridge.services.console_sessions import COOKIE_NAME, SESSION_LIFETIME
from scimbridge.web.console.base import Page, console_page, is_https, redirect, render

SIGNIN_COOKIE = "scimbridge_signin"


def _form_page(request: Request, status: int = 200, error: str | None = None) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "console/sign_in.html", status, signin_token=token, error=error)
    response.set_cookie(
        SIGNIN_COOKIE,
        token,
        max_age=3600,
        path="/admin",
        httponly=True,
        samesite="strict",
        secure=is_https(request),
    )
    return response


async def sign_in_form(request: Request) -> Response:
    return _form_page(request)


async def sign_in(request: Request) -> Response:
    form = await request.form()
    submitted, token = form.get("signin_token"), form.get("token")
    expected = request.cookies.get(SIGNIN_COOKIE, "")
    if not (isinstance(submitted, str) and expected and hmac.compare_digest(submitted, expected)):
        return render(request, "console/error.html", 403, message="Missing or wrong CSRF token.")
    if not isinstance(token, str) or not token.strip():
        return _form_page(request, 400, "Paste the admin token.")
    runtime = runtime_of(request)
    try:
        session = await runtime.run_db(
            False, console_sessions.sign_in, runtime, token, client_address(request)
        )
    except Unauthorized:
        return _form_page(request, 401, "That is not the admin token.")
    response = redirect("/admin")
    response.set_cookie(
        COOKIE_NAME,
        session.value,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/admin",
        httponly=True,
        samesite="strict",
        secure=is_https(request),
    )
    response.delete_cookie(SIGNIN_COOKIE, path="/admin")
    return response


@console_page
async def sign_out(page: Page) -> Response:
    await page.db(console_sessions.sign_out, page.runtime, page.session)
    response = redirect("/admin/sign-in")
    response.delete_cookie(COOKIE_NAME, path="/admin")
    return response


ROUTES: list[BaseRoute] = [
    Route("/admin/sign-in", sign_in_form, methods=["GET"]),
    Route("/admin/sign-in", sign_in, methods=["POST"]),
    Route("/admin/sign-out", sign_out, methods=["POST"]),
]
