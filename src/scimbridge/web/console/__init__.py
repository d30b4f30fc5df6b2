"""The admin console at ``/admin`` (issue 13 §3): Starlette routes over ``services/``."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from scimbridge.web.console import directories, operations, pulls, resources, signin, syncs
from scimbridge.web.console.base import STATIC_DIR

ROUTES: list[BaseRoute] = [
    Mount("/admin/static", app=StaticFiles(directory=STATIC_DIR), name="console-static"),
    *signin.ROUTES,
    *directories.ROUTES,
    *pulls.ROUTES,
    *resources.ROUTES,
    *operations.ROUTES,
    *syncs.ROUTES,
]
