"""Send a test event: one real signed POST to a directory's webhook URL (issue 13 §3).

It goes through the worker's own transport and signer (``services.webhooks.send_once``,
as a replay does: the SSRF guard, timeouts, and ``events.attempt.send``'s Standard
Webhooks ``webhook-id``/``webhook-timestamp``/``webhook-signature``), so a green result
means real deliveries will be accepted too. The test event is not stored and not in the
feed: it is type ``webhook.test`` and touches no cursor; the action is audited.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from scimbridge import ids
from scimbridge.clock import isoformat
from scimbridge.errors import InvalidRequest
from scimbridge.runtime import Runtime
from scimbridge.services import audit
from scimbridge.services.lookups import require_directory
from scimbridge.services.webhooks import send_once
from scimbridge.store import deliveries as delivery_store
from scimbridge.store import directories as directory_store
from scimbridge.store import unit_of_work

TEST_EVENT_TYPE = "webhook.test"


def _load(runtime: Runtime, directory_id: str) -> delivery_store.HeadEvent:
    with unit_of_work.read(runtime.engine) as connection:
        directory = require_directory(connection, directory_id)
        if not directory.webhook_url:
            raise InvalidRequest("the directory has no webhook URL: set one first")
        secret = directory_store.webhook_secret_ciphertext(connection, directory_id)
    event_id = ids.event_id()
    body = {
        "id": event_id,
        "type": TEST_EVENT_TYPE,
        "directory_id": directory_id,
        "created_at": isoformat(runtime.clock.now()),
        "data": {"message": "a test event sent from the scimbridge console"},
    }
    return delivery_store.HeadEvent(
        directory_id, event_id, 0, orjson.dumps(body).decode(), directory.webhook_url, secret
    )


def _audit(runtime: Runtime, directory_id: str, result: dict[str, Any], actor: audit.Actor) -> None:
    with unit_of_work.write(runtime.engine) as connection:
        audit.record(
            connection,
            runtime.clock.now(),
            actor,
            "webhook.tested",
            directory_id=directory_id,
            target_id=result["event_id"],
            details={"status_code": result["status_code"], "success": result["success"]},
        )


async def send_test_event(
    runtime: Runtime, directory_id: str, *, actor: audit.Actor
) -> dict[str, Any]:
    """POST a signed ``webhook.test`` event now and report what the receiver answered."""
    head = await asyncio.to_thread(_load, runtime, directory_id)
    outcome = await send_once(runtime, head)
    result = {
        "event_id": head.event_id,
        "status_code": outcome.status_code,
        "success": outcome.ok,
        "error": outcome.error,
        "duration_ms": outcome.duration_ms,
        "response_excerpt": outcome.excerpt,
    }
    await asyncio.to_thread(_audit, runtime, directory_id, result, actor)
    return result
