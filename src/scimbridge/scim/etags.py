"""ETags from ``meta.version`` and conditional requests (RFC 7644 §3.14, RFC 7232).

Versions are integers bumped on every change. The ETag is weak (``W/"3"``) because the
representation varies with ``attributes``/``excludedAttributes`` while the resource does
not, so two bodies of the same version are equivalent rather than byte-identical.

Comparison is weak for both headers. RFC 7232 §3.1 asks for strong comparison on
``If-Match``, under which a weak tag never matches; RFC 7644 §3.14 nevertheless shows
``If-Match: W/"…"`` with the weak ETags it returns, and that is what IdPs send. Weak
comparison (RFC 7232 §2.3.2: same opaque tag, ``W/`` ignored) is the only reading that
lets those requests work.
"""

from __future__ import annotations

import re
from typing import Final

from scimbridge.scim.errors import precondition_failed

# One member of an If-Match / If-None-Match list: "*", W/"x", "x", or a bare token from a
# lax client. Quoted tags may contain commas (RFC 7232 §2.3 etagc), so split with a regex.
_TAG: Final = re.compile(r'\s*(\*|(?:W/)?"[^"]*"|[^,\s]+)\s*(?:,|$)')


def weak_etag(version: int | str) -> str:
    """``W/"<version>"``; an argument that is already an entity-tag is made weak, not nested."""
    text = str(version)
    if text.startswith("W/"):
        return text
    if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
        return f"W/{text}"
    return f'W/"{text}"'


def check_if_match(header: str | None, current_etag: str) -> None:
    """Refuse a write whose ``If-Match`` names neither ``*`` nor the current version.

    Raises 412 Precondition Failed (RFC 7644 §3.14, RFC 7232 §3.1). An absent or empty
    header imposes no condition.
    """
    if header is None or not header.strip():
        return
    if not _matches(header, current_etag):
        raise precondition_failed(
            f"the resource is at version {current_etag}, not {header.strip()}"
        )


def if_none_match_satisfied(header: str | None, current_etag: str) -> bool:
    """True when a GET may answer 304 Not Modified: the client has this version already.

    RFC 7232 §3.2: ``If-None-Match`` is false (answer 304 for GET/HEAD) when ``*`` is
    given and the resource exists, or when one listed tag weakly matches the current one.
    """
    return header is not None and bool(header.strip()) and _matches(header, current_etag)


def _matches(header: str, current_etag: str) -> bool:
    """``*``, or one listed tag with the same opaque part as the current one (weak match)."""
    members = [match.group(1) for match in _TAG.finditer(header)]
    return "*" in members or _opaque(current_etag) in {_opaque(m) for m in members}


def _opaque(tag: str) -> str:
    """The opaque part (RFC 7232 §2.3): ``W/"3"`` and ``"3"`` and ``3`` all give ``3``."""
    tag = tag.strip()
    if tag.startswith("W/"):
        tag = tag[2:]
    if len(tag) >= 2 and tag.startswith('"') and tag.endswith('"'):
        tag = tag[1:-1]
    return tag
