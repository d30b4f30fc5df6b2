"""Delivery history and replay, for the admin API."""

from __future__ import annotations

import asyncio
from typing import Any

from scimbridge.clock import isoformat
from scimbridge.errors import InvalidRequest, NotFound
from scimbridge.events.attempt import Outcome, attempt_record, send
from scimbridge.events.embedded import worker_config
from scimbridge.events.transport import webhook_client
from scimbridge.runtime import Runtime
from scimbridge.services import audit, cursors
from scimbridge.services.lookups import require_directory
from scimbridge.store import deliveries as store
from scimbridge.store import unit_of_work


def list_deliveries(
    runtime: Runtime, directory_id: str, *, after: str | None, limit: int, event_id: str | None
) -> tuple[list[dict[str, Any]], int | None]:
    """Attempts, newest first; the cursor is the id of the last attempt returned."""
    with unit_of_work.read(runtime.engine) as connection:
        require_directory(connection, directory_id)
        rows = store.list_attempts(
            connection,
            directory_id,
            after=cursors.delivery_cursor(connection, directory_id, after),
            limit=limit + 1,
            event_id=event_id,
        )
    page, next_after = cursors.split_page(rows, limit)
    data = [
        {
            "id": row.id,
            "event_id": row.event_id,
            "sequence": row.sequence,
            "attempt": row.attempt,
            "kind": row.kind,
            "url": row.url,
            "started_at": isoformat(row.started_at),
            "duration_ms": row.duration_ms,
            "status_code": row.status_code,
            "success": row.status_code is not None and 200 <= row.status_code < 300,
            "error": row.error,
            "response_excerpt": row.response_excerpt,
        }
        for row in page
    ]
    return data, next_after


async def send_once(runtime: Runtime, head: store.HeadEvent) -> Outcome:
    """One signed POST now, through the worker's transport (SSRF guard, timeouts)."""
    config = worker_config(runtime.settings)
    async with webhook_client(
        allow_private=config.allow_private,
        connect_timeout=config.connect_timeout,
        total_timeout=config.total_timeout,
    ) as client:
        return await send(
            client,
            head,
            secret_box=runtime.secret_box,
            clock=runtime.clock,
            total_timeout=config.total_timeout,
        )


async def replay_event(runtime: Runtime, event_id: str, *, actor: audit.Actor) -> dict[str, Any]:
    """Send one event again now, signed afresh with the same ``webhook-id``.

    The ordered cursor does not move: a replay is an extra copy, never a way to skip.
    """

    def load() -> store.HeadEvent | None:
        with unit_of_work.read(runtime.engine) as connection:
            return store.event_for_replay(connection, event_id)

    head = await asyncio.to_thread(load)
    if head is None:
        raise NotFound(f"event {event_id} not found")
    if not head.url:
        raise InvalidRequest("the event's directory has no webhook_url")
    started = runtime.clock.now()
    outcome = await send_once(runtime, head)
    attempt = attempt_record(head, 1, "replay", outcome, started)
    await asyncio.to_thread(_record, runtime, attempt, actor)
    return {
        "event_id": event_id,
        "status_code": outcome.status_code,
        "success": outcome.ok,
        "error": outcome.error,
        "duration_ms": outcome.duration_ms,
    }


def _record(runtime: Runtime, attempt: store.Attempt, actor: audit.Actor) -> None:
    """The attempt and the ``event.replayed`` audit row commit together."""
    with unit_of_work.write(runtime.engine) as connection:
        store.record_attempt(connection, attempt)
        audit.record(
            connection,
            runtime.clock.now(),
            actor,
            "event.replayed",
            directory_id=attempt.directory_id,
            target_id=attempt.event_id,
            details={"status_code": attempt.status_code, "error": attempt.error},
        )
