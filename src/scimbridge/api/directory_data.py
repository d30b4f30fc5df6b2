"""``/api/v1/directories/{id}/users|groups``: the normalized data, for the application.

A page is at most 100 rows walked by primary key, so an unfiltered page or one resource
is bounded work (``store.calls``: on the event loop on SQLite); a filter (``group``,
``email``, ``active``) may have to walk further to fill a page, so it goes to a thread.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from scimbridge.api.deps import Admin, Limit
from scimbridge.api.responses import json_response, list_response
from scimbridge.services import directory_data as service

router = APIRouter(prefix="/api/v1/directories/{directory_id}", tags=["directory data"])


@router.get("/users")
async def list_users(
    directory_id: str,
    runtime: Admin,
    limit: Limit = 10,
    after: str | None = None,
    group: str | None = None,
    email: str | None = None,
    active: bool | None = None,
) -> Response:
    data, cursor = await runtime.run_db(
        group is None and email is None and active is None,
        lambda: service.list_users(
            runtime, directory_id, limit=limit, after=after, group=group, email=email, active=active
        ),
    )
    return list_response(data, cursor)


@router.get("/users/{user_id}")
async def get_user(directory_id: str, user_id: str, runtime: Admin) -> Response:
    return json_response(
        await runtime.run_db(True, service.get_user, runtime, directory_id, user_id)
    )


@router.get("/groups")
async def list_groups(
    directory_id: str,
    runtime: Admin,
    limit: Limit = 10,
    after: str | None = None,
    user: str | None = None,
) -> Response:
    data, cursor = await runtime.run_db(
        user is None,
        lambda: service.list_groups(runtime, directory_id, limit=limit, after=after, user=user),
    )
    return list_response(data, cursor)


@router.get("/groups/{group_id}")
async def get_group(directory_id: str, group_id: str, runtime: Admin) -> Response:
    return json_response(
        await runtime.run_db(True, service.get_group, runtime, directory_id, group_id)
    )
