"""``/setup/{token}``: the customer's setup portal pages (issue 13 §4).

Thin handlers over ``services/setup_portal.py`` (which resolves links with
``services/setup_links.py``). The token in the path is the only credential; pages never
echo it (forms post to the page's own URL, the poller builds its URL from ``location``),
and every response carries a strict Content-Security-Policy, ``no-store`` and
``no-referrer`` (the URL is a secret).

Every lookup runs under ``setup_portal.lookup_guard``: an address that tried too many
unusable links gets a 429 "too many attempts" page with ``Retry-After``; a link past its
hourly SCIM token allowance gets its page back (429) saying when it may issue again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from scimbridge.api.deps import client_address, runtime_of
from scimbridge.api.responses import json_response
from scimbridge.errors import InvalidRequest, ScimbridgeError, TooManyRequests
from scimbridge.services import setup_portal
from scimbridge.web.portal import csrf
from scimbridge.web.portal.explain import explain
from scimbridge.web.portal.instructions import SCIM_BASE_URL, SCIM_TOKEN, instructions_for

HERE = Path(__file__).parent
STATIC = {
    "portal.css": ("text/css; charset=utf-8", (HERE / "static" / "portal.css")),
    "portal.js": ("text/javascript; charset=utf-8", (HERE / "static" / "portal.js")),
}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
MAP_PREFIX = "map:"
LINK_ERRORS = setup_portal.LINK_ERRORS

templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    auto_reload=False,
)
templates.globals.update(SCIM_BASE_URL=SCIM_BASE_URL, SCIM_TOKEN=SCIM_TOKEN)

router = APIRouter(include_in_schema=False)


def render(
    name: str, status: int = 200, *, retry_after: int | None = None, **context: Any
) -> Response:
    html = templates.get_template(name).render(**context)
    headers = dict(SECURITY_HEADERS)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return Response(html, status, headers, media_type="text/html")


def refused(error: ScimbridgeError) -> Response:
    """An unknown (404), expired or revoked (410) link: a page naming no directory."""
    return render("refused.html", error.status, code=error.code, message=error.message)


def too_many(error: TooManyRequests) -> Response:
    """The address tried too many unusable links: a 429 page naming no directory."""
    return render(
        "refused.html",
        error.status,
        retry_after=error.retry_after,
        code=error.code,
        message=error.message,
        wait_minutes=-(-error.retry_after // 60),
    )


def explained(row: dict[str, Any], provider: str) -> dict[str, Any]:
    error = row["error"] or {}
    explanation = explain(
        row["status"],
        error.get("scim_type"),
        error.get("detail"),
        method=row["method"],
        path=row["path"],
        provider=provider,
    )
    return {**row, "explanation": explanation.to_json() if explanation else None}


async def page(
    request: Request,
    token: str,
    status: int = 200,
    retry_after: int | None = None,
    **extra: Any,
) -> Response:
    runtime = runtime_of(request)
    try:
        with setup_portal.lookup_guard(runtime, client_address(request)):
            view = await run_in_threadpool(setup_portal.portal_view, runtime, token)
            log = await run_in_threadpool(setup_portal.portal_requests, runtime, token, after=None)
    except LINK_ERRORS as error:
        return refused(error)
    except setup_portal.TooManyAttempts as error:
        return too_many(error)
    token_value = csrf.csrf_token(runtime.secret_box, view.link.id)
    response = render(
        "portal.html",
        status,
        retry_after=retry_after,
        view=view,
        guide=instructions_for(view.directory.provider),
        requests=[explained(row, view.directory.provider) for row in log["data"]],
        csrf_field=csrf.FIELD,
        csrf_token=token_value,
        map_prefix=MAP_PREFIX,
        **extra,
    )
    response.set_cookie(
        csrf.COOKIE,
        token_value,
        path=request.url.path,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/setup/{token}")
async def portal_page(token: str, request: Request) -> Response:
    return await page(request, token)


@router.post("/setup/{token}")
async def portal_action(token: str, request: Request) -> Response:
    """The page's two forms: issue the SCIM token, or save the allowed attribute map."""
    runtime = runtime_of(request)
    form = await request.form()
    fields = {key: value for key, value in form.multi_items() if isinstance(value, str)}
    address = client_address(request)
    try:
        with setup_portal.lookup_guard(runtime, address):
            link = await run_in_threadpool(setup_portal.portal_link, runtime, token)
    except LINK_ERRORS as error:
        return refused(error)
    except setup_portal.TooManyAttempts as error:
        return too_many(error)
    cookie = request.cookies.get(csrf.COOKIE)
    if not csrf.csrf_ok(runtime.secret_box, link.id, fields.get(csrf.FIELD), cookie):
        message = "This form expired or did not come from this page. Reload the page and retry."
        return render("refused.html", 403, code="csrf_failed", message=message)
    action = fields.get("action")
    if action == "issue_token":
        try:
            issued = await run_in_threadpool(setup_portal.issue_scim_token, runtime, token, address)
        except LINK_ERRORS as error:  # revoked or expired since the check above
            return refused(error)
        except TooManyRequests as error:
            return await page(
                request, token, 429, retry_after=error.retry_after, issue_error=error.message
            )
        view = await run_in_threadpool(setup_portal.portal_view, runtime, token)
        guide = instructions_for(view.directory.provider)
        return render("token.html", view=view, guide=guide, scim_token=issued["scim_token"])
    if action == "map_attributes":
        values = {
            key.removeprefix(MAP_PREFIX): value
            for key, value in fields.items()
            if key.startswith(MAP_PREFIX)
        }
        try:
            await run_in_threadpool(setup_portal.map_attributes, runtime, token, values, address)
        except InvalidRequest as error:
            return await page(request, token, 400, map_error=error.message, submitted=values)
        return await page(request, token, map_saved=True)
    return render("refused.html", 400, code="invalid_request", message="Unknown form action.")


@router.get("/setup/{token}/log")
async def portal_log(token: str, request: Request) -> Response:
    """The live request log's JSON (what ``portal.js`` polls), scoped to the link."""
    after = request.query_params.get("after")
    runtime = runtime_of(request)
    with setup_portal.lookup_guard(runtime, client_address(request)):
        log = await run_in_threadpool(setup_portal.portal_requests, runtime, token, after=after)
    log["data"] = [explained(row, log["provider"]) for row in log["data"]]
    return json_response(log, headers=SECURITY_HEADERS)


@router.get("/setup-assets/{name}")
async def portal_asset(name: str) -> Response:
    """The portal's CSS and JS, shipped in the package (no CDN; CSP ``'self'``)."""
    if name not in STATIC:
        return Response("not found", 404, media_type="text/plain")
    media_type, path = STATIC[name]
    headers = {"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"}
    return Response(path.read_bytes(), 200, headers, media_type=media_type)
