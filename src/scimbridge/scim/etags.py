"""ETags from ``meta.version`` and conditional requests (RFC 7644 §3.14, RFC 9110 §13).

Versions are integers bumped on every change; the ETag is weak (``W/"3"``) because the
representation varies with ``attributes`` while the resource does not. Comparison is
weak, as RFC 9110 §13.1.1/§13.1.2 prescribe for If-Match on weak tags.
"""

from __future__ import annotations

from scimbridge.scim.errors import precondition_failed


def weak_etag(version: int | str) -> str:
    return f'W/"{version}"'


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def _matches(header: str, current: str) -> bool:
    wanted = {_opaque(part) for part in header.split(",") if part.strip()}
    return "*" in wanted or _opaque(current) in wanted


def check_if_match(header: str | None, current_etag: str) -> None:
    """412 when ``If-Match`` is present and names another version."""
    if header is not None and header.strip() and not _matches(header, current_etag):
        raise precondition_failed(
            f"the resource is at version {current_etag}, not {header.strip()}"
        )


def if_none_match_satisfied(header: str | None, current_etag: str) -> bool:
    """True when a GET may answer 304: the client already has this version."""
    return header is not None and bool(header.strip()) and _matches(header, current_etag)
