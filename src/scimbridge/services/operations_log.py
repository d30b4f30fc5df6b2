"""Reading the SCIM request log, for the admin API (and later the console and portal)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from scimbridge.clock import isoformat
from scimbridge.errors import NotFound
from scimbridge.runtime import Runtime
from scimbridge.services import cursors
from scimbridge.services.lookups import require_directory
from scimbridge.store import request_log as store
from scimbridge.store import unit_of_work


def summary(row: Row[Any]) -> dict[str, Any]:
    return {
        "id": row.id,
        "directory_id": row.directory_id,
        "received_at": isoformat(row.received_at),
        "method": row.method,
        "path": row.path,
        "query": row.query,
        "status": row.status,
        "duration_ms": round(row.duration_us / 1000, 3),
        "error": ({"scim_type": row.scim_type, "detail": row.error_detail} if row.failed else None),
        "user_agent": row.user_agent,
        "idp": row.idp,
        "resource_id": row.resource_id,
        "request_bytes": row.request_bytes,
        "response_bytes": row.response_bytes,
    }


def list_requests(
    runtime: Runtime,
    directory_id: str,
    *,
    after: str | None,
    limit: int,
    status: int | None = None,
    errors_only: bool = False,
) -> tuple[list[dict[str, Any]], str | None]:
    """A newest-first page of summaries (no bodies); the cursor is the last row's id."""
    with unit_of_work.read(runtime.engine) as connection:
        require_directory(connection, directory_id)
        rows = store.list_requests(
            connection,
            directory_id,
            after=after,
            limit=limit + 1,
            status=status,
            errors_only=errors_only,
        )
    page, next_after = cursors.split_page(rows, limit)
    return [summary(row) for row in page], next_after


def get_request(runtime: Runtime, directory_id: str, request_id: str) -> dict[str, Any]:
    """One request with its redacted bodies (each a JSON text, cut at 8 KiB if marked)."""
    with unit_of_work.read(runtime.engine) as connection:
        row = store.get_request(connection, directory_id, request_id)
    if row is None:
        raise NotFound(f"request {request_id} not found in directory {directory_id}")
    return {
        **summary(row),
        "request_body": row.request_body,
        "request_truncated": row.request_truncated,
        "response_body": row.response_body,
        "response_truncated": row.response_truncated,
    }
