"""PATCH and attribute paths (RFC 7644 §3.5.2 ``PATH``, §3.10).

``PATH = attrPath / valuePath [subAttr]``: ``name.givenName``, ``emails[type eq "work"]``,
``emails[type eq "work"].value``, ``urn:…:enterprise:2.0:User:manager.value``, or a bare
extension schema URN whose value is the whole extension object.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from scimbridge.scim.errors import ScimError, invalid_path
from scimbridge.scim.filter.ast import Filter
from scimbridge.scim.filter.parser import parse_filter, split_attr_path
from scimbridge.scim.filter.printer import format_filter

MAX_PATH_LENGTH = 4096


@dataclass(frozen=True, slots=True)
class PatchPath:
    uri: str | None
    attr: str | None  # None when the path is exactly an extension schema URN
    value_filter: Filter | None = None
    sub_attr: str | None = None


def _split_uri(text: str, schema_uris: Collection[str]) -> tuple[str | None, str]:
    folded = text.casefold()
    for uri in sorted(schema_uris, key=len, reverse=True):
        candidate = uri.casefold()
        if folded == candidate:
            return uri, ""
        if folded.startswith(candidate + ":"):
            return uri, text[len(uri) + 1 :]
    return None, text


def parse_path(text: str, schema_uris: Collection[str] = ()) -> PatchPath:
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_PATH_LENGTH:
        raise invalid_path("the path is empty, not a string or too long")
    text = text.strip()
    uri, rest = _split_uri(text, schema_uris)
    if uri is not None and rest == "":
        return PatchPath(uri, None)
    bracket = rest.find("[")
    try:
        if bracket < 0:
            parsed = split_attr_path(rest if uri is None else f"{uri}:{rest}")
            return PatchPath(parsed.uri, parsed.attr, None, parsed.sub_attr)
        closing = rest.rfind("]")
        if closing < bracket:
            raise invalid_path(f"unbalanced brackets in path {text!r}")
        head, inner, tail = rest[:bracket], rest[bracket + 1 : closing], rest[closing + 1 :]
        parsed = split_attr_path(head if uri is None else f"{uri}:{head}")
        if parsed.sub_attr is not None:
            raise invalid_path(
                f"a value filter follows an attribute, not a sub-attribute: {text!r}"
            )
        sub_attr = None
        if tail:
            if not tail.startswith(".") or not tail[1:] or not tail[1:].replace("$", "a").isalnum():
                raise invalid_path(f"unexpected {tail!r} after the value filter in {text!r}")
            sub_attr = tail[1:]
        return PatchPath(parsed.uri, parsed.attr, parse_filter(inner), sub_attr)
    except ScimError as error:
        if error.scim_type == "invalidPath":
            raise
        raise invalid_path(f"invalid path {text!r}: {error.detail}") from None


def format_path(path: PatchPath) -> str:
    if path.attr is None:
        return path.uri or ""
    text = f"{path.uri}:{path.attr}" if path.uri else path.attr
    if path.value_filter is not None:
        text += f"[{format_filter(path.value_filter)}]"
    return f"{text}.{path.sub_attr}" if path.sub_attr else text
