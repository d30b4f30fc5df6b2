"""Directory pages: the list, "new directory", and one directory's settings.

Each action calls the same ``services/`` function as the JSON API and is audited there
with the session as actor. A token, setup link or generated webhook secret is rendered
once, in the answer to the POST that made it (``no-store``), never on a later page.
The overview itself is rendered by ``overview.py``; a pull directory's own actions
(connection, Sync now, schedule) are in ``pulls.py``.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from scimbridge.errors import InvalidRequest
from scimbridge.services import console_directories, setup_links, webhook_test
from scimbridge.services import directories as service
from scimbridge.services.console_data import pretty_json
from scimbridge.services.directories import PULL_PROVIDERS, DirectoryInput, available_providers
from scimbridge.store.tables import DIRECTORY_STATES, PROVIDERS
from scimbridge.web.console.base import PAGE_SIZE, Page, console_page, redirect
from scimbridge.web.console.overview import PROVIDER_NAMES, directory_page, update


@console_page
async def home(page: Page) -> Response:
    return redirect("/admin/directories")


@console_page
async def directory_list(page: Page) -> Response:
    search, state, provider = page.query("q"), page.query("state"), page.query("provider")
    data, cursor = await page.db(
        console_directories.search_directories,
        page.runtime,
        search=search,
        state=state if state in DIRECTORY_STATES else None,
        provider=provider if provider in PROVIDERS else None,
        after=page.query("after"),
        limit=PAGE_SIZE,
    )
    return page.render(
        "console/directories.html",
        directories=data,
        cursor=cursor,
        filters={"q": search or "", "state": state or "", "provider": provider or ""},
        states=DIRECTORY_STATES,
        providers=PROVIDERS,
        provider_names=PROVIDER_NAMES,
    )


def _provider_choices() -> list[dict[str, Any]]:
    enabled = set(available_providers())
    return [
        {"id": p, "name": PROVIDER_NAMES[p], "enabled": p in enabled, "pull": p in PULL_PROVIDERS}
        for p in PROVIDERS
    ]


@console_page
async def new_directory_form(page: Page) -> Response:
    return page.render(
        "console/directory_new.html", providers=_provider_choices(), values={}, error=None
    )


@console_page
async def create_directory(page: Page) -> Response:
    values = {key: page.field(key) for key in ("name", "tenant", "provider", "webhook_url")}
    try:
        if not values["name"] or not values["tenant"]:
            raise InvalidRequest("name and tenant are required")
        created = await page.db(
            service.create_directory,
            page.runtime,
            DirectoryInput(
                name=values["name"],
                tenant=values["tenant"],
                provider=values["provider"],
                webhook_url=values["webhook_url"] or None,
            ),
            actor=page.session.actor,
        )
    except InvalidRequest as error:
        return page.render(
            "console/directory_new.html",
            400,
            providers=_provider_choices(),
            values=values,
            error=error.message,
        )
    once = {
        # A pull directory takes no SCIM push: its token is of no use to anyone.
        "scim_token": None if created["provider"] in PULL_PROVIDERS else created["scim_token"],
        "webhook_secret": created.get("webhook_secret"),
    }
    return await directory_page(page, created["id"], once=once, notice="Directory created.")


@console_page
async def directory_detail(page: Page) -> Response:
    return await directory_page(page, page.param("directory_id"))


@console_page
async def rotate_token(page: Page) -> Response:
    directory_id = page.param("directory_id")
    token = await page.db(
        service.rotate_scim_token, page.runtime, directory_id, actor=page.session.actor
    )
    notice = "SCIM token rotated: the old one no longer works."
    return await directory_page(page, directory_id, once={"scim_token": token}, notice=notice)


@console_page
async def create_setup_link(page: Page) -> Response:
    directory_id = page.param("directory_id")
    try:
        days = int(page.field("days") or setup_links.DEFAULT_DAYS)
        link = await page.db(
            setup_links.create_setup_link,
            page.runtime,
            directory_id,
            days=days,
            actor=page.session.actor,
        )
    except (InvalidRequest, ValueError) as error:
        message = getattr(error, "message", "expires_in_days must be a whole number")
        return await directory_page(page, directory_id, status=400, error=message)
    return await directory_page(
        page, directory_id, once={"setup_link": link["url"]}, notice="Setup link created."
    )


@console_page
async def revoke_setup_link(page: Page) -> Response:
    directory_id = page.param("directory_id")
    await page.db(
        setup_links.revoke_setup_link,
        page.runtime,
        directory_id,
        page.param("link_id"),
        actor=page.session.actor,
    )
    return redirect(f"/admin/directories/{directory_id}#setup-links")


@console_page
async def update_settings(page: Page) -> Response:
    """State and webhook: only the fields the form sent and the admin filled in change."""
    directory_id = page.param("directory_id")
    changes: dict[str, Any] = {}
    if page.field("state"):
        changes["state"] = page.field("state")
    if page.form is not None and "webhook_url" in page.form:
        changes["webhook_url"] = page.field("webhook_url") or None
    if page.field("webhook_secret"):
        changes["webhook_secret"] = page.field("webhook_secret")
    try:
        updated = await update(page, directory_id, changes)
    except InvalidRequest as error:
        return await directory_page(page, directory_id, status=400, error=error.message)
    once = {"webhook_secret": updated.get("webhook_secret")}
    return await directory_page(page, directory_id, once=once, notice="Settings saved.")


@console_page
async def attribute_map(page: Page) -> Response:
    """Validate the map; "Preview" shows a real user under it, "Save" stores it."""
    directory_id = page.param("directory_id")
    text = page.field("attribute_map")
    try:
        mapping = console_directories.parse_attribute_map(text)
        preview = await page.db(
            console_directories.preview_attribute_map,
            page.runtime,
            directory_id,
            mapping,
            page.field("user_id") or None,
        )
        if page.field("action") == "save":
            await update(page, directory_id, {"attribute_map": mapping})
            return await directory_page(page, directory_id, notice="Attribute map saved.")
    except InvalidRequest as error:
        return await directory_page(
            page, directory_id, status=400, error=error.message, map_text=text
        )
    return await directory_page(
        page,
        directory_id,
        map_text=text,
        preview=preview,
        preview_json=pretty_json(preview["custom_attributes"]) if preview else None,
        previewed=True,
    )


@console_page
async def send_test_event(page: Page) -> Response:
    directory_id = page.param("directory_id")
    try:
        result = await webhook_test.send_test_event(
            page.runtime, directory_id, actor=page.session.actor
        )
    except InvalidRequest as error:
        return await directory_page(page, directory_id, status=400, error=error.message)
    return await directory_page(page, directory_id, test_result=result)


ROUTES: list[BaseRoute] = [
    Route("/admin", home, methods=["GET"]),
    Route("/admin/directories", directory_list, methods=["GET"]),
    Route("/admin/directories/new", new_directory_form, methods=["GET"]),
    Route("/admin/directories/new", create_directory, methods=["POST"]),
    Route("/admin/directories/{directory_id}", directory_detail, methods=["GET"]),
    Route("/admin/directories/{directory_id}/rotate-token", rotate_token, methods=["POST"]),
    Route("/admin/directories/{directory_id}/setup-links", create_setup_link, methods=["POST"]),
    Route(
        "/admin/directories/{directory_id}/setup-links/{link_id}/revoke",
        revoke_setup_link,
        methods=["POST"],
    ),
    Route("/admin/directories/{directory_id}/settings", update_settings, methods=["POST"]),
    Route("/admin/directories/{directory_id}/attribute-map", attribute_map, methods=["POST"]),
    Route("/admin/directories/{directory_id}/webhook-test", send_test_event, methods=["POST"]),
]
