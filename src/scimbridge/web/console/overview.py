"""The overview page of one directory, which every directory action answers with.

A push directory shows its SCIM card (base URL, token rotation) and state. A pull
directory (google, ldap, csv) has no SCIM card: nothing pushes to it, so its SCIM token
is never shown. It shows instead what to do next, its sync card (state and reason, last
run with a link to its report, Sync now or, for csv, the upload page), its schedule and
guard, and its connection form (``connection_forms.py``; no secret is ever rendered).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from scimbridge.connectors import registry
from scimbridge.services import directories as service
from scimbridge.services import setup_links
from scimbridge.services.directories import PULL_PROVIDERS
from scimbridge.web.console import connection_forms, connection_providers, sync_settings
from scimbridge.web.console.base import TEMPLATES, Page
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


def fetches(provider: str) -> bool:
    """Whether the provider's directories are fetched (Sync now), not only imported (csv)."""
    connector = registry.connector_for(provider)
    return connector is not None and connector.open_source is not None


async def update(page: Page, directory_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """``update_directory`` as the session's admin (audited there)."""
    updated: dict[str, Any] = await page.db(
        service.update_directory, page.runtime, directory_id, changes, actor=page.session.actor
    )
    return updated


async def directory_page(
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
    extra.update(pull_context(page, directory, extra.pop("connection_state", None)))
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


def pull_context(page: Page, directory: dict[str, Any], state: FormState | None) -> dict[str, Any]:
    """What the overview of a pull directory adds: its connection form and sync card."""
    form = connection_providers.form_for(directory["provider"])
    if directory["provider"] not in PULL_PROVIDERS or form is None:
        return {"pull": False}
    sync = directory.get("sync") or {}
    return {
        "pull": True,
        "connection_form": form,
        "connection_state": state or connection_forms.stored_state(form, directory["connection"]),
        "fetches": fetches(directory["provider"]),
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
