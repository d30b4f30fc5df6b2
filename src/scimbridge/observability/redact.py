"""What the SCIM request log may keep of a request: redaction rules, as pure functions.

The log exists to answer "why does my Okta connection fail?", so it keeps bodies, paths
and queries, but never a credential:

* No header is ever stored except the user agent, so the bearer token (RFC 6750 §2.1)
  cannot reach the log. A token sent in the query as ``access_token`` (RFC 6750 §2.3),
  or anything shaped like one of our tokens (``scim_…``, ``sbadm_…``, ``sbsetup_…``,
  ``whsec_…``) anywhere in the stored text, is replaced as well.
* Any JSON member whose name looks like a secret (``password``, ``secret``, ``token``,
  ``key``, ``credential``…, matched on the words of the name, so ``apiKey`` and
  ``client_secret`` are caught but ``keywords`` is not) is replaced by ``"[redacted]"``,
  at any depth. A PATCH operation whose ``path`` names such an attribute has its
  ``value`` replaced too (RFC 7644 §3.5.2: ``{"op": "replace", "path": "password",
  "value": …}`` is how Entra ID and Okta push a password).
* Filters stay readable: RFC 7644 §7.5.2 warns that filters can carry personal data, and
  that is accepted here because the same values are the directory's own stored data
  (same access, and the log is pruned after ``SCIMBRIDGE_REQUEST_LOG_DAYS``); only a
  comparison against a secret-named attribute (``password eq "…"``) loses its value.
* A body that is not JSON (the IdP sent broken JSON, the very case worth seeing) is kept
  as text with the same member rule applied by pattern.
* Stored bodies are cut at :data:`BODY_LIMIT` bytes (8 KiB) after redaction, and marked
  truncated; bodies above :data:`PARSE_LIMIT` are not kept at all (size only), because
  they cannot be redacted without parsing them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import orjson

REDACTED = "[redacted]"
BODY_LIMIT = 8 * 1024
PARSE_LIMIT = 1024 * 1024

SECRET_WORDS = frozenset(
    {
        "password",
        "passwd",
        "passphrase",
        "pwd",
        "secret",
        "secrets",
        "token",
        "tokens",
        "key",
        "keys",
        "apikey",
        "credential",
        "credentials",
        "authorization",
        "cookie",
        "otp",
        "pin",
        "salt",
        "signature",
    }
)

# Every secret word above contains one of these; a body without any of them (and without a
# JSON \u escape, which could spell one, or a NUL) has nothing to redact, and is kept as
# it came without being parsed: most SCIM traffic, at a fraction of the cost.
_SUSPECT = (
    *(word.encode() for word in ("pass", "pwd", "secret", "token", "key", "credential")),
    *(word.encode() for word in ("authorization", "cookie", "otp", "pin", "salt", "signature")),
    *(word.encode() for word in ("bearer", "scim_", "sbadm_", "sbsetup_", "whsec_")),
    b"\\u",
    b"\x00",
)
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
# Our own token formats (ids.py) and Standard Webhooks secrets, wherever they appear.
_TOKEN_SHAPED = re.compile(r"\b(?:scim|sbadm|sbsetup|whsec)_[A-Za-z0-9_\-+/=]{8,}")
_BEARER = re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=\-]+")
# A JSON member in text that did not parse: "name": "string" or "name": bare-value.
_MEMBER = re.compile(r'"((?:[^"\\]|\\.){1,200})"(\s*:\s*)("(?:[^"\\]|\\.)*"?|[^,}\]\s]*)')
# A filter comparison: attribute path, operator, value (RFC 7644 §3.4.2.2).
_COMPARISON = re.compile(
    r'([A-Za-z0-9_:.$\-]+)(\s+)(eq|ne|co|sw|ew|gt|ge|lt|le)(\s+)("(?:[^"\\]|\\.)*"?|[^\s)\]]+)',
    re.IGNORECASE,
)


def is_secret_name(name: str) -> bool:
    """Whether an attribute, member or parameter name looks like it holds a secret.

    The name is split into words at separators and camelCase humps, and the last segment
    of a URN-qualified name (``urn:…:User:password``) counts like any other.
    """
    words = _WORD.findall(name)
    return any(word.lower() in SECRET_WORDS for word in words) or name.lower() in SECRET_WORDS


def redact(value: Any) -> Any:
    """A copy of a parsed JSON value with every secret-named member replaced."""
    if isinstance(value, dict):
        names_secret = isinstance(value.get("path"), str) and is_secret_name(value["path"])
        result: dict[str, Any] = {}
        for name, item in value.items():
            if is_secret_name(str(name)) or (names_secret and name == "value"):
                result[name] = REDACTED
            elif name == "filter" and isinstance(item, str):
                result[name] = redact_filter(item)
            else:
                result[name] = redact(item)
        return result
    if isinstance(value, list):
        return [redact(item) for item in value]
    if isinstance(value, str):
        return scrub_text(value)
    return value


def redact_filter(text: str) -> str:
    """A filter with the values of comparisons on secret-named attributes replaced."""

    def replace(match: re.Match[str]) -> str:
        if not is_secret_name(match.group(1)):
            return match.group(0)
        return f'{match.group(1)}{match.group(2)}{match.group(3)}{match.group(4)}"{REDACTED}"'

    return scrub_text(_COMPARISON.sub(replace, text))


def scrub_text(text: str) -> str:
    """Free text with token-shaped strings and ``Bearer …`` credentials replaced; no NUL.

    PostgreSQL text cannot hold U+0000, so it is written as the JSON escape it came as.
    """
    text = _BEARER.sub(f"Bearer {REDACTED}", _TOKEN_SHAPED.sub(REDACTED, text))
    return text.replace("\x00", "\\u0000")


def redact_query(query: str) -> str | None:
    """A query string with secret-named parameters (``access_token``) and filters redacted."""
    if not query:
        return None
    pairs = []
    for name, value in parse_qsl(query, keep_blank_values=True):
        if is_secret_name(name):
            value = REDACTED
        elif name == "filter":
            value = redact_filter(value)
        pairs.append((scrub_text(name), scrub_text(value)))
    return urlencode(pairs, quote_via=quote, safe="[]:/\"'")


def _redact_unparsed(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        if not is_secret_name(match.group(1)):
            return match.group(0)
        return f'"{match.group(1)}"{match.group(2)}"{REDACTED}"'

    return scrub_text(_MEMBER.sub(replace, text))


def _suspect(raw: bytes) -> bool:
    """Whether a body may hold something to redact (substring tests run in C)."""
    lowered = raw.lower()
    return any(word in lowered for word in _SUSPECT)


@dataclass(frozen=True)
class StoredBody:
    """A body as the log keeps it: redacted text (maybe cut), its original size.

    ``document`` is the parsed JSON *before* redaction, for the caller to read a SCIM
    error or a created resource's id from; it is never stored.
    """

    text: str | None
    size: int
    truncated: bool
    document: Any = None


def redact_body(raw: bytes, limit: int = BODY_LIMIT, *, parse: bool = False) -> StoredBody:
    """Redact a request or response body and cut it to ``limit`` bytes of UTF-8.

    ``parse``: fill ``document`` even when the body needs no redaction.
    """
    size = len(raw)
    if size == 0:
        return StoredBody(None, 0, False)
    if size > PARSE_LIMIT:
        return StoredBody(None, size, True)
    # Only the first ``limit`` bytes can be stored, and a secret value comes after its
    # member name: a prefix without a suspect word holds nothing to redact, whatever
    # follows it (a word cut at the end leaves its value outside the prefix too).
    prefix = raw[:limit]
    if not _suspect(prefix):
        kept, _ = cut(prefix.decode("utf-8", errors="replace"), limit)
        if size > limit:
            kept = kept.removesuffix("\ufffd")  # a character the cut split in two
        return StoredBody(kept, size, size > limit, _parsed(raw) if parse else None)
    document = None
    try:
        document = orjson.loads(raw)
        text = orjson.dumps(redact(document)).decode("utf-8")
    except (orjson.JSONDecodeError, orjson.JSONEncodeError, RecursionError):
        # Not JSON, or JSON too deep to walk (orjson admits 1,024 levels, Python's
        # recursion 1,000): redact it as text instead.
        document = None
        text = _redact_unparsed(raw.decode("utf-8", errors="replace"))
    kept, truncated = cut(text, limit)
    return StoredBody(kept, size, truncated, document)


def _parsed(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None


def cut(text: str, limit: int) -> tuple[str, bool]:
    """At most ``limit`` bytes of UTF-8, never splitting a character; whether it was cut."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text, False
    return encoded[:limit].decode("utf-8", errors="ignore"), True
