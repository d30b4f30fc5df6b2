"""Standard Webhooks signatures verify with the reference library (RELIABILITY.md §1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from scimbridge import ids
from scimbridge.events.signing import signature_headers


def test_library_test_vector() -> None:
    """standard-webhooks libraries/python/tests/test_webhooks.py: test_sign_function."""
    headers = signature_headers(
        ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        '{"test": 2432232314}',
        datetime.fromtimestamp(1614265330, UTC),
    )
    assert headers["webhook-signature"] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert headers["webhook-timestamp"] == "1614265330"
    assert headers["webhook-id"] == "msg_p5jXN8AQM9LWM0D4loKWxJek"


def test_receiver_verifies_and_rejects_tampering() -> None:
    secret = ids.webhook_secret()
    body = '{"id":"event_1","type":"user.created"}'
    headers = signature_headers([secret], "event_1", body, datetime.now(UTC))
    assert Webhook(secret).verify(body, headers) == {"id": "event_1", "type": "user.created"}
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace("created", "deleted"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(ids.webhook_secret()).verify(body, headers)


def test_old_timestamp_fails() -> None:
    secret = ids.webhook_secret()
    body = "{}"
    headers = signature_headers(
        [secret], "event_1", body, datetime.now(UTC) - timedelta(minutes=10)
    )
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, headers)


def test_rotation_signs_with_every_secret() -> None:
    old, new = ids.webhook_secret(), ids.webhook_secret()
    headers = signature_headers([new, old], "event_1", "{}", datetime.now(UTC))
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        Webhook(secret).verify("{}", headers)


def test_non_utc_time_is_converted_not_shifted() -> None:
    moment = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    elsewhere = moment.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin"))
    secret = ids.webhook_secret()
    assert signature_headers([secret], "e", "{}", moment) == signature_headers(
        [secret], "e", "{}", elsewhere
    )
