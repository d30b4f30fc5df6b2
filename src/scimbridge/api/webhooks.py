"""``/api/v1/directories/{id}/deliveries`` and ``/api/v1/events/{id}/replay``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from scimbridge.api.deps import AdminCall, require_admin, require_admin_call
from scimbridge.api.responses import json_response
from scimbridge.runtime import Runtime
from scimbridge.services import webhooks as service

router = APIRouter(prefix="/api/v1", tags=["webhooks"])
Admin = Annotated[Runtime, Depends(require_admin)]


@router.get("/directories/{directory_id}/deliveries")
async def list_deliveries(
    directory_id: str,
    runtime: Admin,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    after: str | None = None,
    event_id: str | None = None,
) -> Response:
    data, cursor = await run_in_threadpool(
        lambda: service.list_deliveries(
            runtime, directory_id, after=after, limit=limit, event_id=event_id
        )
    )
    return json_response({"data": data, "list_metadata": {"after": cursor}})


@router.post("/events/{event_id}/replay")
async def replay_event(
    event_id: str, call: Annotated[AdminCall, Depends(require_admin_call)]
) -> Response:
    return json_response(await service.replay_event(call.runtime, event_id, actor=call.actor))
