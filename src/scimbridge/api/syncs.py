"""Pull runs on the admin API: start a sync, import a CSV file, list runs, approve a held one.

Extensions of the contract's ``POST …/sync`` and ``POST …/import`` (README, "Pull
sources"). Sync work is blocking I/O and runs in a thread, never on the event loop.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from scimbridge.api.deps import Admin, AdminAction, Limit
from scimbridge.api.responses import json_response, list_response
from scimbridge.api.uploads import receive_upload
from scimbridge.services import csv_import, sync_approval, sync_requests, syncs
from scimbridge.services.sync_runs import list_runs

router = APIRouter(prefix="/api/v1/directories", tags=["syncs"])


@router.post("/{directory_id}/sync", status_code=202)
async def request_sync(directory_id: str, call: AdminAction) -> Response:
    queued = await run_in_threadpool(
        lambda: sync_requests.request_sync(call.runtime, directory_id, actor=call.actor)
    )
    return json_response(queued, 202)


@router.get("/{directory_id}/syncs")
async def list_syncs(
    directory_id: str,
    runtime: Admin,
    after: str | None = None,
    limit: Limit = 10,
) -> Response:
    data, cursor = await run_in_threadpool(
        lambda: list_runs(runtime, directory_id, after=after, limit=limit)
    )
    return list_response(data, cursor)


@router.get("/{directory_id}/syncs/{run_id}")
async def get_sync(directory_id: str, run_id: str, runtime: Admin) -> Response:
    return json_response(await run_in_threadpool(syncs.get_run, runtime, directory_id, run_id))


@router.post("/{directory_id}/syncs/{run_id}/approve")
async def approve_sync(directory_id: str, run_id: str, call: AdminAction) -> Response:
    return json_response(
        await run_in_threadpool(
            sync_approval.approve, call.runtime, directory_id, run_id, call.actor
        )
    )


@router.post("/{directory_id}/import")
async def import_file(
    directory_id: str,
    request: Request,
    call: AdminAction,
    dry_run: bool = False,
    mode: Annotated[str, Query(pattern="^(snapshot|upsert)$")] = "snapshot",
) -> Response:
    """A CSV file as the body (``text/csv``) or as the ``file`` part of a multipart form;
    streamed to a temporary file, never held whole in memory."""
    async with receive_upload(request) as path:
        result = await run_in_threadpool(
            lambda: csv_import.import_csv(
                call.runtime, directory_id, path, mode=mode, dry_run=dry_run, actor=call.actor
            )
        )
    return json_response(result)
