"""Standard Webhooks signatures (https://www.standardwebhooks.com, spec 1.0.0).

Signing goes through the ``standardwebhooks`` reference library, so what we send is
exactly what its verifiers in every language accept. ``webhook-id`` is the event id (the
receiver's idempotency key, unchanged across retries); ``webhook-timestamp`` is the time
of *this* attempt, so every retry is signed again. The library's ``sign`` replaces the
datetime's tzinfo with UTC without converting, so only aware UTC datetimes go in.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook


def signature_headers(
    secrets: Sequence[str], event_id: str, body: str, at: datetime
) -> dict[str, str]:
    """Headers for one attempt; several secrets give a space-separated list (rotation)."""
    if not secrets:
        raise ValueError("at least one webhook secret is needed to sign")
    moment = at.astimezone(UTC)
    signatures = [Webhook(secret).sign(event_id, moment, body) for secret in secrets]
    return {
        "content-type": "application/json",
        "webhook-id": event_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
