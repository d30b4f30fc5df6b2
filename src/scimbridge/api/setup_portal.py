"""``/setup/{token}/…``: what the setup portal's pages call, without the admin token.

The token in the path is the credential (``services/setup_links.py``); these JSON
endpoints are what the portal's page polls (status) and its one button does (issue the
SCIM token). The HTML pages come with the console (issue 13 §3, §4).

Abuse limits (``services/setup_portal.py``): an address that looked up too many unusable
links gets 429 ``too_many_attempts``, and a link that issued its hourly allowance of SCIM
tokens gets 429 ``too_many_requests``, both with ``Retry-After``.

**No CSRF token on the POST, on purpose.** CSRF rides on a credential the browser adds by
itself (a cookie, HTTP authentication, a client certificate). These endpoints read none:
the only credential is the link's token in the URL, and a cross-site page that knows the
URL already holds the credential and needs no victim's browser. The portal's one cookie
(``web/portal/csrf.py``) is the double-submit half of the HTML forms' CSRF check, not a
credential, and nothing here reads it. The answer cannot be read cross-site either: no
CORS headers are sent, so a browser hides it from other origins (Fetch standard, CORS
protocol). OWASP's CSRF cheat sheet lists exactly this case (no ambient credentials) as
not needing a token.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from scimbridge.api.deps import client_address, runtime_of
from scimbridge.api.responses import json_response
from scimbridge.services import setup_links as service
from scimbridge.services import setup_portal

router = APIRouter(prefix="/setup/{token}", tags=["setup portal"], include_in_schema=False)

# Responses carry a credential or the customer's status: never cache them.
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@router.get("/status")
async def setup_status(token: str, request: Request) -> Response:
    runtime = runtime_of(request)
    with setup_portal.lookup_guard(runtime, client_address(request)):
        status = await run_in_threadpool(service.setup_status, runtime, token)
    return json_response(status, headers=NO_STORE)


@router.post("/scim-token")
async def issue_scim_token(token: str, request: Request) -> Response:
    """Issue the SCIM token (shown once); issuing again rotates it (at most N an hour)."""
    runtime = runtime_of(request)
    address = client_address(request)
    with setup_portal.lookup_guard(runtime, address):
        issued = await run_in_threadpool(setup_portal.issue_scim_token, runtime, token, address)
    return json_response(issued, headers=NO_STORE)
