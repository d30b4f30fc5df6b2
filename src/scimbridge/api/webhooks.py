"""``/api/v1/directories/{id}/deliveries`` and ``/api/v1/events/{id}/replay``."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from scimbridge.api.deps import Admin, AdminAction, Limit
from scimbridge.api.responses import json_response, list_response
from scimbridge.services import webhooks as service

router = APIRouter(prefix="/api/v1", tags=["webhooks"])


@router.get("/directories/{directory_id}/deliveries")
async def list_deliveries(
    directory_id: str,
    runtime: Admin,
    limit: Limit = 20,
    after: str | None = None,
    event_id: str | None = None,
) -> Response:
    data, cursor = await run_in_threadpool(
        lambda: service.list_deliveries(
            runtime, directory_id, after=after, limit=limit, event_id=event_id
        )
    )
    return list_response(data, cursor)


@router.post("/events/{event_id}/replay")
async def replay_event(event_id: str, call: AdminAction) -> Response:
    return json_response(await service.replay_event(call.runtime, event_id, actor=call.actor))
