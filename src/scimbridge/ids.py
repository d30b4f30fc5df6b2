"""Identifiers, tokens and secrets.

Resource ids are prefixed, time-ordered and random (a ULID body in Crockford base32):
sorting by id is sorting by creation time, which is what the admin API's keyset cursors
use, and the prefix tells a support engineer what an id names. Tokens carry a prefix too,
so secret scanners recognise a leaked one (RELIABILITY.md §6.1).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import threading
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# 26 characters of 5 bits carry the 128 bits of ``_ulid_body``: the first is at most 7.
_ULID_BODY = re.compile(r"[0-7][0-9A-HJKMNP-TV-Z]{25}")


def _ulid_body() -> str:
    """26 characters: 48 bits of milliseconds, then 80 random bits."""
    return _encode(_ulid_value())


def _ulid_value() -> int:
    return (time.time_ns() // 1_000_000) << 80 | secrets.randbits(80)


def _encode(value: int) -> str:
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    """A new id such as ``user_01JD3Z…``."""
    return f"{prefix}_{_ulid_body()}"


def is_id(text: str, prefix: str) -> bool:
    """Is ``text`` shaped like an id ``new_id(prefix)`` returns (upper case, as issued)?"""
    head, underscore, body = text.partition("_")
    return head == prefix and bool(underscore) and _ULID_BODY.fullmatch(body) is not None


def directory_id() -> str:
    return new_id("directory")


def user_id() -> str:
    return new_id("user")


def group_id() -> str:
    return new_id("group")


def event_id() -> str:
    return new_id("event")


def new_token(prefix: str) -> str:
    """A bearer token: prefix plus 32 random bytes, URL-safe."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def scim_token() -> str:
    return new_token("scim")


def admin_token() -> str:
    return new_token("sbadm")


def webhook_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` + base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def hash_token(token: str) -> str:
    """SHA-256 of a token; only this is stored, and directories are looked up by it.

    A fast hash is right here: tokens carry 256 bits of entropy, so there is nothing to
    brute-force, and the lookup runs on every SCIM request.
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class MonotonicIds:
    """Ids that sort in the order this process made them, even within one millisecond.

    ``new_id`` is random within a millisecond, so two audit rows written in the same
    millisecond could list in the wrong order; this keeps the ULID layout and, when the
    clock has not moved past the last id, increments the last one instead (the ULID
    specification's monotonic mode). Across processes, order within a millisecond stays
    arbitrary.
    """

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._last = 0
        self._lock = threading.Lock()

    def new(self) -> str:
        with self._lock:
            value = max(_ulid_value(), self._last + 1)
            self._last = value
        return f"{self.prefix}_{_encode(value)}"
