"""A directory's data: users, one user, groups, one group (members paged), events.

Every list is a keyset page of ``PAGE_SIZE`` through the same services as the API
(``services/directory_data.py``, ``services/events_feed.py``): bounded work on a
directory of any size. "Next" carries the cursor; there is no total count. A user's and
a group's own history (``services/console_data.py``) is newest first, so its link is
"Older" and its cursor ``?before=`` a sequence number.
"""

from __future__ import annotations

from typing import Any, Literal

import orjson
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from scimbridge.services import console_data, directory_data, events_feed
from scimbridge.store.tables import EVENT_TYPES
from scimbridge.web.console.base import PAGE_SIZE, Page, console_page


async def _render(page: Page, template: str, tab: str, **context: Any) -> Response:
    return page.render(template, directory=await page.directory(), tab=tab, **context)


async def _user_page(
    page: Page, directory_id: str, *, group: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the directory's users (or of one group's members) after ``?after=``."""
    found: tuple[list[dict[str, Any]], str | None] = await page.db(
        directory_data.list_users,
        page.runtime,
        directory_id,
        limit=PAGE_SIZE,
        after=page.query("after"),
        group=group,
        email=None,
        active=None,
    )
    return found


async def _history(
    page: Page, directory_id: str, subject: Literal["user", "group"], resource_id: str
) -> tuple[list[dict[str, Any]], int | None]:
    """The resource's events, newest first, older than ``?before=`` (a sequence)."""
    found: tuple[list[dict[str, Any]], int | None] = await page.db(
        console_data.resource_events,
        page.runtime,
        directory_id,
        subject,
        resource_id,
        before=page.query("before"),
        limit=PAGE_SIZE,
    )
    return found


@console_page
async def user_list(page: Page) -> Response:
    directory_id, search = page.param("directory_id"), page.query("q")
    if search:
        users = await page.db(console_data.find_users, page.runtime, directory_id, search)
        cursor = None
    else:
        users, cursor = await _user_page(page, directory_id, group=None)
    return await _render(page, "console/users.html", "users", users=users, cursor=cursor, q=search)


@console_page
async def user_detail(page: Page) -> Response:
    directory_id, user_id = page.param("directory_id"), page.param("user_id")
    user = await page.db(directory_data.get_user, page.runtime, directory_id, user_id)
    events, older = await _history(page, directory_id, "user", user_id)
    return await _render(
        page,
        "console/user.html",
        "users",
        user=user,
        events=events,
        older=older,
        before=page.query("before") or "",
        raw=console_data.pretty_json(user["raw_attributes"]),
        custom=console_data.pretty_json(user["custom_attributes"]),
    )


@console_page
async def group_list(page: Page) -> Response:
    groups, cursor = await page.db(
        directory_data.list_groups,
        page.runtime,
        page.param("directory_id"),
        limit=PAGE_SIZE,
        after=page.query("after"),
        user=None,
    )
    return await _render(page, "console/groups.html", "groups", groups=groups, cursor=cursor)


@console_page
async def group_detail(page: Page) -> Response:
    directory_id, group_id = page.param("directory_id"), page.param("group_id")
    group = await page.db(directory_data.get_group, page.runtime, directory_id, group_id)
    members, cursor = await _user_page(page, directory_id, group=group_id)
    events, older = await _history(page, directory_id, "group", group_id)
    return await _render(
        page,
        "console/group.html",
        "groups",
        group=group,
        members=members,
        cursor=cursor,
        events=events,
        older=older,
        # Each pager keeps the other's place: members by ?after=, events by ?before=.
        after=page.query("after") or "",
        before=page.query("before") or "",
        raw=console_data.pretty_json(group["raw_attributes"]),
    )


@console_page
async def event_list(page: Page) -> Response:
    """The directory's feed, oldest first from the cursor, as the events API reads it."""
    event_type = page.query("type")
    body, cursor = await page.db(
        events_feed.read_feed,
        page.runtime,
        directory_id=page.param("directory_id"),
        after=page.query("after"),
        limit=PAGE_SIZE,
        types=events_feed.parse_types(event_type),
    )
    events = orjson.loads(body)
    return await _render(
        page,
        "console/events.html",
        "events",
        events=[{**e, "pretty": console_data.pretty_json(e.get("data"))} for e in events],
        cursor=cursor if len(events) == PAGE_SIZE else None,
        event_type=event_type or "",
        event_types=EVENT_TYPES,
    )


ROUTES: list[BaseRoute] = [
    Route("/admin/directories/{directory_id}/users", user_list, methods=["GET"]),
    Route("/admin/directories/{directory_id}/users/{user_id}", user_detail, methods=["GET"]),
    Route("/admin/directories/{directory_id}/groups", group_list, methods=["GET"]),
    Route("/admin/directories/{directory_id}/groups/{group_id}", group_detail, methods=["GET"]),
    Route("/admin/directories/{directory_id}/events", event_list, methods=["GET"]),
]
