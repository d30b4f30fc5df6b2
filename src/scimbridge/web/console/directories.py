"""Directory pages: the list, "new directory", and one directory's settings.

Each action calls the same ``services/`` function as the JSON API and is audited there
with the session as actor. A token, setup link or generated webhook secret is rendered
once, in the answer to the POST that made it (``no-store``), never on a later page.

A pull directory (google, ldap, csv) has no SCIM card: nothing pushes to it, so its SCIM
token is never shown. It has instead its connection form (``connection_forms.py``; no
secret is ever rendered), "Sync now" (``services.sync_requests``, audited) or, for csv,
the way to the upload page, and its schedule and guard settings.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from scimbridge.connectors import registry
from scimbridge.errors import Conflict, InvalidRequest, TooManyRequests
from scimbridge.services import console_directories, setup_links, sync_requests, webhook_test
from scimbridge.services import directories as service
from scimbridge.services.console_data import pretty_json
from scimbridge.services.directories import PULL_PROVIDERS, DirectoryInput, available_providers
from scimbridge.store.tables import DIRECTORY_STATES, PROVIDERS
from scimbridge.web.console import connection_forms, sync_settings
from scimbridge.web.console.base import PAGE_SIZE, TEMPLATES, Page, console_page, redirect
from scimbridge.web.console.connection_forms import FormState

PROVIDER_NAMES = TEMPLATES.globals["provider_names"] = {
    "okta": "Okta",
    "entra": "Microsoft Entra ID",
    "onelogin": "OneLogin",
    "jumpcloud": "JumpCloud",
    "ping": "Ping Identity",
    "rippling": "Rippling",
    "generic": "Generic SCIM 2.0",
    "google": "Google Workspace",
    "ldap": "LDAP",
    "csv": "CSV upload",
}


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
    return await _directory_page(page, created["id"], once=once, notice="Directory created.")


async def _directory_page(
    page: Page,
    directory_id: str,
    *,
    status: int = 200,
    once: dict[str, Any] | None = None,
    notice: str | None = None,
    error: str | None = None,
    **extra: Any,
) -> Response:
    directory = await page.db(service.get_directory, page.runtime, directory_id)
    links = await page.db(setup_links.list_setup_links, page.runtime, directory_id)
    mapping = directory["attribute_map"]  # the effective map: provider defaults included
    extra.setdefault("map_text", "\n".join(f"{k} = {v}" for k, v in mapping.items()))
    extra.update(_pull_context(page, directory, extra.pop("connection_state", None)))
    return page.render(
        "console/directory.html",
        status,
        directory=directory,
        links=links,
        once=once or {},
        notice=notice,
        error=error,
        provider_names=PROVIDER_NAMES,
        tab="overview",
        **extra,
    )


def _pull_context(page: Page, directory: dict[str, Any], state: FormState | None) -> dict[str, Any]:
    """What the overview of a pull directory adds: its connection form and sync card."""
    form = connection_forms.form_for(directory["provider"])
    if directory["provider"] not in PULL_PROVIDERS or form is None:
        return {"pull": False}
    connector = registry.connector_for(directory["provider"])
    sync = directory.get("sync") or {}
    return {
        "pull": True,
        "connection_form": form,
        "connection_state": state or connection_forms.stored_state(form, directory["connection"]),
        "fetches": connector is not None and connector.open_source is not None,
        "configured": bool(directory.get("connection")),
        "sync": sync,
        "last_run": sync.get("last_run"),
        "interval_minutes": sync_settings.minutes(sync.get("interval_seconds") or 0),
        "bounds": {
            "minutes": (sync_settings.MINUTES_LOW, sync_settings.MINUTES_HIGH),
            "percent": (sync_settings.PERCENT_LOW, sync_settings.PERCENT_HIGH),
            "users": (sync_settings.MIN_USERS_LOW, sync_settings.MIN_USERS_HIGH),
        },
        "cooldown": int(page.runtime.settings.sync_cooldown_seconds),
    }


def _submitted(page: Page) -> dict[str, str]:
    """The POSTed fields as text, unstripped (a password may end in a space)."""
    if page.form is None:
        return {}
    return {key: value for key, value in page.form.multi_items() if isinstance(value, str)}


@console_page
async def directory_detail(page: Page) -> Response:
    return await _directory_page(page, page.param("directory_id"))


@console_page
async def rotate_token(page: Page) -> Response:
    directory_id = page.param("directory_id")
    token = await page.db(
        service.rotate_scim_token, page.runtime, directory_id, actor=page.session.actor
    )
    notice = "SCIM token rotated: the old one no longer works."
    return await _directory_page(page, directory_id, once={"scim_token": token}, notice=notice)


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
        return await _directory_page(page, directory_id, status=400, error=message)
    return await _directory_page(
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
        updated = await page.db(
            service.update_directory, page.runtime, directory_id, changes, actor=page.session.actor
        )
    except InvalidRequest as error:
        return await _directory_page(page, directory_id, status=400, error=error.message)
    once = {"webhook_secret": updated.get("webhook_secret")}
    return await _directory_page(page, directory_id, once=once, notice="Settings saved.")


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
            await page.db(
                service.update_directory,
                page.runtime,
                directory_id,
                {"attribute_map": mapping},
                actor=page.session.actor,
            )
            return await _directory_page(page, directory_id, notice="Attribute map saved.")
    except InvalidRequest as error:
        return await _directory_page(
            page, directory_id, status=400, error=error.message, map_text=text
        )
    return await _directory_page(
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
        return await _directory_page(page, directory_id, status=400, error=error.message)
    return await _directory_page(page, directory_id, test_result=result)


@console_page
async def save_connection(page: Page) -> Response:
    """Save the connection form; the connector's refusal comes back with the page (400)
    and the non-secret values as typed."""
    directory_id = page.param("directory_id")
    directory = await page.db(service.get_directory, page.runtime, directory_id)
    form = connection_forms.form_for(directory["provider"])
    if form is None:
        raise InvalidRequest(f"a {directory['provider']} directory takes no connection")
    submitted = _submitted(page)
    stored = directory.get("connection")
    try:
        connection = connection_forms.to_connection(form, submitted, stored)
        await page.db(
            service.update_directory,
            page.runtime,
            directory_id,
            {"connection": connection},
            actor=page.session.actor,
        )
    except (InvalidRequest, ValueError) as error:
        return await _directory_page(
            page,
            directory_id,
            status=400,
            connection_error=getattr(error, "message", str(error)),
            connection_state=connection_forms.submitted_state(form, submitted, stored),
        )
    first = not stored and directory["provider"] != "csv"
    notice = "Connection saved: the first sync starts now." if first else "Connection saved."
    return await _directory_page(page, directory_id, notice=notice)


@console_page
async def sync_now(page: Page) -> Response:
    """Queue a sync (``POST …/sync``'s service, audited); the cooldown's 429 says the wait."""
    directory_id = page.param("directory_id")
    try:
        await page.db(
            sync_requests.request_sync, page.runtime, directory_id, actor=page.session.actor
        )
    except TooManyRequests as error:
        cooldown = int(page.runtime.settings.sync_cooldown_seconds)
        message = (
            f"Not queued: a sync was requested less than {cooldown} s ago. "
            f"Try again in {error.retry_after} s."
        )
        return await _directory_page(page, directory_id, status=429, sync_error=message)
    except (Conflict, InvalidRequest) as error:
        return await _directory_page(
            page, directory_id, status=error.status, sync_error=error.message
        )
    notice = "Sync queued: the worker starts it in a moment. Reload this page to see the result."
    return await _directory_page(page, directory_id, sync_notice=notice)


@console_page
async def update_sync_settings(page: Page) -> Response:
    directory_id = page.param("directory_id")
    try:
        changes = sync_settings.settings_changes(_submitted(page))
        await page.db(
            service.update_directory, page.runtime, directory_id, changes, actor=page.session.actor
        )
    except (InvalidRequest, ValueError) as error:
        message = getattr(error, "message", str(error))
        return await _directory_page(page, directory_id, status=400, settings_error=message)
    return await _directory_page(page, directory_id, sync_notice="Sync settings saved.")


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
    Route("/admin/directories/{directory_id}/connection", save_connection, methods=["POST"]),
    Route("/admin/directories/{directory_id}/sync", sync_now, methods=["POST"]),
    Route(
        "/admin/directories/{directory_id}/sync-settings", update_sync_settings, methods=["POST"]
    ),
]
