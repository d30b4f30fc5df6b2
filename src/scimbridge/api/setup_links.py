"""``/api/v1/directories/{id}/setup-link(s)``: links for a customer's IT admin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from scimbridge.api.deps import Admin, AdminAction
from scimbridge.api.responses import json_response, list_response
from scimbridge.services import setup_links as service

router = APIRouter(prefix="/api/v1/directories/{directory_id}", tags=["setup links"])


class SetupLinkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expires_in_days: int = Field(default=service.DEFAULT_DAYS, ge=1, le=service.MAX_DAYS)


@router.post("/setup-link", status_code=201)
async def create_setup_link(
    directory_id: str,
    call: AdminAction,
    body: Annotated[SetupLinkCreate | None, Body()] = None,
) -> Response:
    """``{"id", "url", "expires_at"}``; the URL carries the token and is shown only here."""
    days = (body or SetupLinkCreate()).expires_in_days
    link = await run_in_threadpool(
        lambda: service.create_setup_link(call.runtime, directory_id, days=days, actor=call.actor)
    )
    return json_response(link, 201)


@router.get("/setup-links")
async def list_setup_links(directory_id: str, runtime: Admin) -> Response:
    data = await run_in_threadpool(service.list_setup_links, runtime, directory_id)
    return list_response(data, None)


@router.delete("/setup-links/{link_id}")
async def revoke_setup_link(directory_id: str, link_id: str, call: AdminAction) -> Response:
    return json_response(
        await run_in_threadpool(
            lambda: service.revoke_setup_link(call.runtime, directory_id, link_id, actor=call.actor)
        )
    )
