"""A pull directory's own actions on its overview: save the connection, Sync now, and
the schedule and guard settings. Each calls the admin API's service and is audited there
with the session as actor; each answers with the overview (``overview.py``).
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from scimbridge.errors import Conflict, InvalidRequest, TooManyRequests
from scimbridge.services import directories as service
from scimbridge.services import sync_requests
from scimbridge.web.console import connection_forms, connection_providers, sync_settings
from scimbridge.web.console.base import Page, console_page
from scimbridge.web.console.overview import directory_page, fetches, update


def _submitted(page: Page) -> dict[str, str]:
    """The POSTed fields as text, unstripped (a password may end in a space)."""
    if page.form is None:
        return {}
    return {key: value for key, value in page.form.multi_items() if isinstance(value, str)}


@console_page
async def save_connection(page: Page) -> Response:
    """Save the connection form; the connector's refusal comes back with the page (400)
    and the non-secret values as typed."""
    directory_id = page.param("directory_id")
    directory = await page.db(service.get_directory, page.runtime, directory_id)
    form = connection_providers.form_for(directory["provider"])
    if form is None:
        raise InvalidRequest(f"a {directory['provider']} directory takes no connection")
    submitted = _submitted(page)
    stored = directory.get("connection")
    try:
        connection = connection_forms.to_connection(form, submitted, stored)
        await update(page, directory_id, {"connection": connection})
    except (InvalidRequest, ValueError) as error:
        message = getattr(error, "message", str(error))
        typed = connection_forms.typed_secrets(form, submitted)
        if typed:
            message += f". Not kept, enter again: {', '.join(typed)}."
        return await directory_page(
            page,
            directory_id,
            status=400,
            connection_error=message,
            connection_state=connection_forms.submitted_state(form, submitted, stored),
        )
    first = not stored and fetches(directory["provider"])
    notice = "Connection saved: the first sync starts now." if first else "Connection saved."
    return await directory_page(page, directory_id, notice=notice)


@console_page
async def sync_now(page: Page) -> Response:
    """Queue a sync (``POST …/sync``'s service, audited); the cooldown's 429 says the wait.
    A push or csv directory has no Sync now button: a POST for one gets the error page."""
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
        return await directory_page(page, directory_id, status=429, sync_error=message)
    except Conflict as error:  # no connection yet, inactive, or a run under way
        return await directory_page(page, directory_id, status=409, sync_error=error.message)
    notice = "Sync queued: the worker starts it in a moment. Reload this page to see the result."
    return await directory_page(page, directory_id, sync_notice=notice)


@console_page
async def update_sync_settings(page: Page) -> Response:
    directory_id = page.param("directory_id")
    try:
        changes = sync_settings.settings_changes(_submitted(page))
        await update(page, directory_id, changes)
    except (InvalidRequest, ValueError) as error:
        message = getattr(error, "message", str(error))
        return await directory_page(page, directory_id, status=400, settings_error=message)
    return await directory_page(page, directory_id, settings_notice="Sync settings saved.")


ROUTES: list[BaseRoute] = [
    Route("/admin/directories/{directory_id}/connection", save_connection, methods=["POST"]),
    Route("/admin/directories/{directory_id}/sync", sync_now, methods=["POST"]),
    Route(
        "/admin/directories/{directory_id}/sync-settings", update_sync_settings, methods=["POST"]
    ),
]
