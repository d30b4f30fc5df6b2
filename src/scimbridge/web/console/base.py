"""What every console page shares: templates, the session gate, CSRF, security headers.

* Templates autoescape everything (``select_autoescape(default=True)``): every value an
  IdP sent (userName, displayName, raw attributes) is rendered as text, never markup,
  and no template uses ``|safe`` on data.
* A page needs a live session (``services/console_sessions.py``); without one a GET is
  sent to the sign-in page and anything else gets a 401.
* Every POST must carry the session's CSRF token in the ``csrf`` form field (OWASP
  synchronizer token pattern); without it the answer is 403 and nothing is done. The
  cookie is also ``SameSite=Strict``, a second layer.
* Every response carries a Content-Security-Policy with no inline script or style
  (CSP Level 3), ``frame-ancestors 'none'`` against click-jacking, and ``no-store``:
  pages may show a token once and must not be cached.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from scimbridge.api.deps import client_address, runtime_of
from scimbridge.errors import ScimbridgeError
from scimbridge.runtime import Runtime
from scimbridge.services import console_directories, console_sessions
from scimbridge.services.console_sessions import COOKIE_NAME, ConsoleSession

WEB_DIR = Path(__file__).resolve().parent.parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATES = Environment(
    loader=FileSystemLoader(WEB_DIR / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def when(value: str | None) -> str:
    """An ISO 8601 UTC timestamp as ``2026-12-02 17:05:39`` (the page says it is UTC)."""
    return value.replace("T", " ")[:19] if value else ""


TEMPLATES.filters["when"] = when

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
PAGE_SIZE = 25

Handler = Callable[["Page"], Awaitable[Response]]


class Page:
    """One console request: the runtime, the session, the parsed form of a POST."""

    def __init__(self, request: Request, session: ConsoleSession, form: FormData | None) -> None:
        self.request = request
        self.session = session
        self.form = form
        self.runtime: Runtime = runtime_of(request)

    def param(self, name: str) -> str:
        value: str = self.request.path_params[name]
        return value

    def query(self, name: str) -> str | None:
        value = self.request.query_params.get(name, "").strip()
        return value or None

    def field(self, name: str) -> str:
        value = self.form.get(name, "") if self.form is not None else ""
        return value.strip() if isinstance(value, str) else ""

    def render(self, template: str, status: int = 200, **context: Any) -> Response:
        return render(self.request, template, status, session=self.session, **context)

    async def directory(self) -> dict[str, Any]:
        """The header of a directory's sub-pages (``services.console_directories``)."""
        found: dict[str, Any] = await self.db(
            console_directories.directory_summary, self.runtime, self.param("directory_id")
        )
        return found

    async def db(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """A service call in the thread pool: console pages never block the event loop."""
        return await self.runtime.run_db(False, func, *args, **kwargs)


def render(
    request: Request,
    template: str,
    status: int = 200,
    *,
    session: ConsoleSession | None = None,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> Response:
    html = TEMPLATES.get_template(template).render(
        request=request,
        path=request.url.path,
        csrf=session.csrf_token if session else None,
        **context,
    )
    return HTMLResponse(html, status, headers={**SECURITY_HEADERS, **(headers or {})})


def is_https(request: Request) -> bool:
    """Secure cookies when the public URL is https or the request came over https."""
    public = runtime_of(request).settings.public_url or ""
    return public.startswith("https://") or request.url.scheme == "https"


def redirect(url: str) -> Response:
    return RedirectResponse(url, 303, headers=SECURITY_HEADERS)


def console_page(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a handler with the session gate, the CSRF check and the error page."""

    async def endpoint(request: Request) -> Response:
        runtime = runtime_of(request)
        session = await runtime.run_db(
            False,
            console_sessions.resolve,
            runtime,
            request.cookies.get(COOKIE_NAME),
            client_address(request),
        )
        if session is None:
            if request.method == "GET":
                return redirect("/admin/sign-in")
            return render(request, "console/error.html", 401, message="Sign in again.")
        form = None
        if request.method == "POST":
            form = await request.form()
            submitted = form.get("csrf")
            if not console_sessions.csrf_matches(
                session, submitted if isinstance(submitted, str) else None
            ):
                return render(
                    request, "console/error.html", 403, message="Missing or wrong CSRF token."
                )
        page = Page(request, session, form)
        try:
            return await handler(page)
        except ScimbridgeError as error:
            return page.render("console/error.html", error.status, message=str(error))

    return endpoint
