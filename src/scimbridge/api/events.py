"""``/api/v1/events``: the ordered events feed (contract: Events feed)."""

from __future__ import annotations

import orjson
from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from scimbridge.api.deps import Admin, Limit
from scimbridge.services import events_feed

router = APIRouter(prefix="/api/v1/events", tags=["events"])


@router.get("")
async def list_events(
    runtime: Admin,
    directory_id: str | None = None,
    after: str | None = None,
    limit: Limit = 10,
    types: str | None = None,
) -> Response:
    parsed_types = events_feed.parse_types(types)
    page, cursor = await run_in_threadpool(
        lambda: events_feed.read_feed(
            runtime, directory_id=directory_id, after=after, limit=limit, types=parsed_types
        )
    )
    # The stored event bytes go out as they are: the feed and the webhooks carry identical JSON.
    body = (
        b'{"data":'
        + page.encode("utf-8")
        + b',"list_metadata":'
        + orjson.dumps({"after": cursor})
        + b"}"
    )
    return Response(body, media_type="application/json")
