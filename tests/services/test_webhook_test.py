""" "Send a test event": a real signed POST to a real receiver on 127.0.0.1."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine
from standardwebhooks import Webhook

from scimbridge.errors import InvalidRequest
from scimbridge.runtime import Runtime
from scimbridge.services import webhook_test
from scimbridge.services.audit import list_audit_log
from tests.support.receiver import Answer, webhook_receiver
from tests.support.runtime import TEST_ACTOR, ManualClock, make_runtime, new_directory


def send_test_event(runtime: Runtime, directory_id: str) -> dict[str, Any]:
    """The coroutine on its own loop in a worker thread: the main thread may already run
    one (Playwright's sync API keeps its loop there while the session's browser lives)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(
            asyncio.run, webhook_test.send_test_event(runtime, directory_id, actor=TEST_ACTOR)
        ).result(timeout=60)


@pytest.fixture
def runtime(engine: Engine) -> Runtime:
    # The receiver-side check (standardwebhooks) refuses timestamps 5 minutes off now.
    return make_runtime(engine, ManualClock(datetime.now(UTC)))


def test_the_test_event_is_signed_and_reported(runtime: Runtime) -> None:
    with webhook_receiver(lambda _: Answer(202, body=b"thanks")) as receiver:
        directory = new_directory(runtime, webhook_url=receiver.url)
        result = send_test_event(runtime, directory["id"])
        [received] = receiver.wait_for(1)
    assert result["success"] is True
    assert result["status_code"] == 202
    assert result["response_excerpt"] == "thanks"
    payload = Webhook(directory["webhook_secret"]).verify(received.body, received.headers)
    assert payload["type"] == "webhook.test"
    assert payload["directory_id"] == directory["id"]
    assert orjson.loads(received.body)["id"] == result["event_id"]
    entries, _ = list_audit_log(runtime, after=None, limit=1, directory_id=directory["id"])
    assert entries[0]["action"] == "webhook.tested"
    assert entries[0]["details"] == {"status_code": 202, "success": True}


def test_a_failing_receiver_is_reported_not_raised(runtime: Runtime) -> None:
    with webhook_receiver(lambda _: Answer(500)) as receiver:
        directory = new_directory(runtime, webhook_url=receiver.url)
        result = send_test_event(runtime, directory["id"])
    assert result["success"] is False
    assert result["status_code"] == 500


def test_without_a_webhook_url_it_is_a_clear_error(runtime: Runtime) -> None:
    directory = new_directory(runtime)
    with pytest.raises(InvalidRequest, match="no webhook URL"):
        send_test_event(runtime, directory["id"])
