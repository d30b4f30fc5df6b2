"""A pull directory's sync runs, one run's report with "Approve and apply", CSV upload.

The pages call the same services as the admin API (``services/sync_reports.py`` over
``services/sync_runs.py``, ``services/sync_approval.py``, ``services/csv_import.py``) and
are audited there with the session as actor. The upload streams to a temporary file
through ``api/uploads.form_upload``, the API's own code, from the form the CSRF check
already parsed. Approving needs a ticked "I checked the numbers" box (a required field,
checked again here): a confirmation without inline script, which the CSP forbids.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from scimbridge.api.uploads import form_upload
from scimbridge.errors import Conflict, InvalidRequest
from scimbridge.services import csv_import, sync_approval, sync_reports
from scimbridge.services.csv_import import InvalidFile
from scimbridge.services.directories import PULL_PROVIDERS
from scimbridge.web.console.base import PAGE_SIZE, TEMPLATES, Page, console_page, redirect

TEMPLATES.globals["pull_providers"] = PULL_PROVIDERS
MODES = ("snapshot", "upsert")
NOTICES = {"approved": "Approved: the held run was applied."}


async def _pull_directory(page: Page, provider: str | None = None) -> dict[str, Any]:
    directory = await page.directory()
    if directory["provider"] not in PULL_PROVIDERS:
        raise InvalidRequest("this directory is pushed over SCIM: it has no sync runs")
    if provider is not None and directory["provider"] != provider:
        raise InvalidRequest(f"only {provider} directories take file uploads")
    return directory


@console_page
async def run_list(page: Page) -> Response:
    directory = await _pull_directory(page)
    runs, cursor = await page.db(
        sync_reports.runs_page,
        page.runtime,
        directory["id"],
        after=page.query("after"),
        limit=PAGE_SIZE,
    )
    return page.render(
        "console/syncs.html", directory=directory, tab="syncs", runs=runs, cursor=cursor
    )


async def _report(page: Page, status: int = 200, **context: Any) -> Response:
    directory = await _pull_directory(page)
    report = await page.db(
        sync_reports.run_report, page.runtime, directory["id"], page.param("run_id")
    )
    return page.render(
        "console/sync_run.html",
        status,
        directory=directory,
        tab="syncs",
        run=report,
        notice=NOTICES.get(page.query("notice") or ""),
        **context,
    )


@console_page
async def run_detail(page: Page) -> Response:
    return await _report(page)


@console_page
async def approve(page: Page) -> Response:
    directory_id, run_id = page.param("directory_id"), page.param("run_id")
    if page.field("checked") != "yes":
        return await _report(page, 400, error="Tick “I checked the numbers” to approve the run.")
    try:
        await page.db(sync_approval.approve, page.runtime, directory_id, run_id, page.session.actor)
    except Conflict as error:
        return await _report(page, 409, error=f"Not applied: {error.message}.")
    return redirect(f"/admin/directories/{directory_id}/syncs/{run_id}?notice=approved")


async def _import_page(page: Page, status: int = 200, **context: Any) -> Response:
    return page.render(
        "console/sync_import.html",
        status,
        directory=await _pull_directory(page, "csv"),
        tab="syncs",
        columns=csv_import.column_table(),
        extra_schema=csv_import.extra_columns_schema(),
        **{"mode": "snapshot", "dry_run": True, **context},
    )


@console_page
async def import_form(page: Page) -> Response:
    return await _import_page(page)


@console_page
async def import_file(page: Page) -> Response:
    """A dry run renders its plan here; a real import opens the run's report."""
    directory = await _pull_directory(page, "csv")
    mode = page.field("mode")
    dry_run = page.field("dry_run") == "1"
    if mode not in MODES:
        return await _import_page(page, 400, error="Choose snapshot or upsert.")
    assert page.form is not None  # a POST: console_page parsed it for the CSRF check
    try:
        async with form_upload(page.form) as path:
            result = await page.db(
                csv_import.import_csv,
                page.runtime,
                directory["id"],
                path,
                mode=mode,
                dry_run=dry_run,
                actor=page.session.actor,
            )
    except InvalidFile as error:
        return await _import_page(
            page, 400, mode=mode, dry_run=dry_run, invalid=error, problems=error.problems
        )
    except InvalidRequest as error:
        return await _import_page(page, 400, mode=mode, dry_run=dry_run, error=error.message)
    if dry_run:
        return await _import_page(
            page,
            mode=mode,
            dry_run=dry_run,
            plan=result,
            plan_counts=sync_reports.labelled_counts(result["counts"]),
        )
    return redirect(f"/admin/directories/{directory['id']}/syncs/{result['id']}")


ROUTES: list[BaseRoute] = [
    Route("/admin/directories/{directory_id}/syncs", run_list, methods=["GET"]),
    Route("/admin/directories/{directory_id}/syncs/{run_id}", run_detail, methods=["GET"]),
    Route("/admin/directories/{directory_id}/syncs/{run_id}/approve", approve, methods=["POST"]),
    Route("/admin/directories/{directory_id}/import", import_form, methods=["GET"]),
    Route("/admin/directories/{directory_id}/import", import_file, methods=["POST"]),
]
