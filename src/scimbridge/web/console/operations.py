"""Deliveries (with replay), the live SCIM request log, and the audit log.

The request log page is live without a reload: ``static/console.js`` polls
``…/requests.json`` (the newest page, the same ``services/operations_log.py`` call as the
API, bounded by its LIMIT) and prepends the rows it has not shown yet. The JSON endpoint
is behind the same session as the pages; it is a GET and changes nothing.

A row opens the request's own page: what the IdP sent and what we answered (both
redacted at capture), read with ``operations_log.get_request`` like the admin API.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from scimbridge.errors import InvalidRequest
from scimbridge.services import audit, operations_log, request_subject, webhooks
from scimbridge.web.console.base import PAGE_SIZE, SECURITY_HEADERS, Page, console_page
from scimbridge.web.console.request_view import request_view

LIVE_ROWS = 50


async def _deliveries(page: Page, status: int = 200, **context: Any) -> Response:
    directory_id = page.param("directory_id")
    rows, cursor = await page.db(
        webhooks.list_deliveries,
        page.runtime,
        directory_id,
        after=page.query("after"),
        limit=PAGE_SIZE,
        event_id=None,
    )
    return page.render(
        "console/deliveries.html",
        status,
        directory=await page.directory(),
        tab="deliveries",
        deliveries=rows,
        cursor=cursor,
        **context,
    )


@console_page
async def delivery_list(page: Page) -> Response:
    return await _deliveries(page)


@console_page
async def replay(page: Page) -> Response:
    """Send one event again now (``services.webhooks.replay_event``), reported inline."""
    event_id = page.field("event_id")
    try:
        result = await webhooks.replay_event(page.runtime, event_id, actor=page.session.actor)
    except InvalidRequest as error:
        return await _deliveries(page, 400, error=error.message)
    return await _deliveries(page, replayed=result)


@console_page
async def request_log(page: Page) -> Response:
    errors_only = page.query("errors") == "1"
    rows, cursor = await page.db(
        operations_log.list_requests,
        page.runtime,
        page.param("directory_id"),
        after=page.query("after"),
        limit=LIVE_ROWS,
        errors_only=errors_only,
    )
    return page.render(
        "console/requests.html",
        directory=await page.directory(),
        tab="requests",
        rows=rows,
        scim_prefix=f"/scim/v2/{page.param('directory_id')}",
        cursor=cursor,
        errors_only=errors_only,
        live=page.query("after") is None,
    )


@console_page
async def request_log_json(page: Page) -> Response:
    rows, _ = await page.db(
        operations_log.list_requests,
        page.runtime,
        page.param("directory_id"),
        after=None,
        limit=LIVE_ROWS,
        errors_only=page.query("errors") == "1",
    )
    return JSONResponse({"data": rows}, headers=SECURITY_HEADERS)


@console_page
async def request_detail(page: Page) -> Response:
    """One request; another directory's request id is a 404, as in the admin API."""
    directory_id = page.param("directory_id")
    directory = await page.directory()
    entry = await page.db(
        operations_log.get_request, page.runtime, directory_id, page.param("request_id")
    )
    subject = await page.db(
        request_subject.request_subject,
        page.runtime,
        directory_id,
        entry["path"],
        entry["resource_id"],
    )
    return page.render(
        "console/request.html",
        directory=directory,
        tab="requests",
        entry=request_view(entry, directory["provider"]),
        subject=subject,
        scim_prefix=f"/scim/v2/{directory_id}",
    )


@console_page
async def audit_log(page: Page) -> Response:
    rows, cursor = await page.db(
        audit.list_audit_log,
        page.runtime,
        after=page.query("after"),
        limit=PAGE_SIZE,
        directory_id=page.query("directory_id"),
    )
    return page.render("console/audit.html", rows=rows, cursor=cursor, section="audit")


ROUTES: list[BaseRoute] = [
    Route("/admin/directories/{directory_id}/deliveries", delivery_list, methods=["GET"]),
    Route("/admin/directories/{directory_id}/deliveries/replay", replay, methods=["POST"]),
    Route("/admin/directories/{directory_id}/requests", request_log, methods=["GET"]),
    Route("/admin/directories/{directory_id}/requests.json", request_log_json, methods=["GET"]),
    Route(
        "/admin/directories/{directory_id}/requests/{request_id}", request_detail, methods=["GET"]
    ),
    Route("/admin/audit-log", audit_log, methods=["GET"]),
]
