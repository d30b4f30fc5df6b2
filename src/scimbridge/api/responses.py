"""JSON responses serialised with orjson (fast, and exact about what bytes go out)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

SCIM_MEDIA_TYPE = "application/scim+json"


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status, headers, media_type="application/json")


def list_response(data: list[Any], after: Any) -> Response:
    """An admin API list page: ``data`` and the cursor of the next page (None at the end)."""
    return json_response({"data": data, "list_metadata": {"after": after}})


def scim_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A SCIM answer; RFC 7644 §3.1 and §8.1 name ``application/scim+json``."""
    return Response(orjson.dumps(body), status, headers, media_type=SCIM_MEDIA_TYPE)
