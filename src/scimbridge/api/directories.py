"""``/api/v1/directories``: directory administration (contract: Admin API)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from scimbridge.api.admin_models import DirectoryCreate, DirectoryUpdate
from scimbridge.api.deps import Admin, AdminAction, Limit
from scimbridge.api.responses import json_response, list_response
from scimbridge.services import directories as service

router = APIRouter(prefix="/api/v1/directories", tags=["directories"])


@router.post("", status_code=201)
async def create_directory(body: DirectoryCreate, call: AdminAction) -> Response:
    data = service.DirectoryInput(**body.model_dump())
    return json_response(
        await run_in_threadpool(
            lambda: service.create_directory(call.runtime, data, actor=call.actor)
        ),
        201,
    )


@router.get("")
async def list_directories(
    runtime: Admin,
    tenant: str | None = None,
    after: str | None = None,
    limit: Limit = 10,
) -> Response:
    data, cursor = await run_in_threadpool(
        lambda: service.list_directories(runtime, tenant=tenant, after=after, limit=limit)
    )
    return list_response(data, cursor)


@router.get("/{directory_id}")
async def get_directory(directory_id: str, runtime: Admin) -> Response:
    return json_response(await run_in_threadpool(service.get_directory, runtime, directory_id))


@router.patch("/{directory_id}")
async def update_directory(directory_id: str, body: DirectoryUpdate, call: AdminAction) -> Response:
    changes = body.model_dump(exclude_unset=True)
    return json_response(
        await run_in_threadpool(
            lambda: service.update_directory(call.runtime, directory_id, changes, actor=call.actor)
        )
    )


@router.delete("/{directory_id}", status_code=204)
async def delete_directory(directory_id: str, call: AdminAction) -> Response:
    await run_in_threadpool(
        lambda: service.delete_directory(call.runtime, directory_id, actor=call.actor)
    )
    return Response(status_code=204)


@router.post("/{directory_id}/scim-token")
async def rotate_scim_token(directory_id: str, call: AdminAction) -> Response:
    token = await run_in_threadpool(
        lambda: service.rotate_scim_token(call.runtime, directory_id, actor=call.actor)
    )
    return json_response({"scim_token": token})
