"""``/setup/{token}/…``: what the setup portal's pages call, without the admin token.

The token in the path is the credential (``services/setup_links.py``); these JSON
endpoints are what the portal's page polls (status) and its one button does (issue the
SCIM token). The HTML pages come with the console (issue 13 §3, §4).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from scimbridge.api.deps import client_address, runtime_of
from scimbridge.api.responses import json_response
from scimbridge.services import setup_links as service

router = APIRouter(prefix="/setup/{token}", tags=["setup portal"], include_in_schema=False)

# Responses carry a credential or the customer's status: never cache them.
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@router.get("/status")
async def setup_status(token: str, request: Request) -> Response:
    status = await run_in_threadpool(service.setup_status, runtime_of(request), token)
    return json_response(status, headers=NO_STORE)


@router.post("/scim-token")
async def issue_scim_token(token: str, request: Request) -> Response:
    """Issue the SCIM token (shown once); issuing again rotates it."""
    issued = await run_in_threadpool(
        service.issue_scim_token, runtime_of(request), token, client_address(request)
    )
    return json_response(issued, headers=NO_STORE)
