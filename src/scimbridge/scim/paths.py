"""PATCH and attribute paths (RFC 7644 §3.5.2 ``PATH``, §3.10).

``PATH = attrPath / valuePath [subAttr]`` (RFC 7644 §3.5.2, Figure 7), plus the bare
extension schema URN some clients send to replace a whole extension object::

    name.givenName                              attr.sub
    urn:…:enterprise:2.0:User:manager.value     URI ":" attr.sub
    emails[type eq "work"]                      attr[filter]
    emails[type eq "work"].value                attr[filter].sub   (Entra ID)
    urn:…:enterprise:2.0:User                   the extension object itself

URNs contain dots and colons (``…:2.0:User``), so the URI is found first: a known schema
URN (``schema_uris``, matched case-insensitively) followed by ':' or ending the path;
otherwise everything before the last ':' ahead of any '['. The bracketed filter is parsed
by the filter parser (its names relative to one element), and may hold quoted ']'.
Every malformed path raises ``ScimError`` 400 ``invalidPath`` and nothing else.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Final

from scimbridge.scim.errors import ScimError, invalid_path
from scimbridge.scim.filter.ast import AttrPath, Filter
from scimbridge.scim.filter.parser import (
    is_attr_name,
    is_sub_attr_name,
    parse_value_filter,
    split_attr_path,
)
from scimbridge.scim.filter.printer import format_filter

MAX_PATH_LENGTH: Final = 4096


@dataclass(frozen=True, slots=True)
class PatchPath:
    """A parsed PATCH ``path``; ``attr`` is None when the path is a bare schema URN."""

    uri: str | None  # schema URN when qualified
    attr: str | None
    value_filter: Filter | None = None  # attr[filter]
    sub_attr: str | None = None  # attr.sub or attr[filter].sub


def parse_path(text: str, schema_uris: Collection[str] = ()) -> PatchPath:
    """Parse a PATCH operation's ``path`` (RFC 7644 §3.5.2); raises ``invalidPath``."""
    if not isinstance(text, str):
        raise invalid_path("the path must be a string")
    if len(text) > MAX_PATH_LENGTH:
        raise invalid_path(f"the path is longer than {MAX_PATH_LENGTH} characters")
    stripped = text.strip()
    if not stripped:
        raise invalid_path("the path is empty")
    try:
        return _parse(stripped, schema_uris)
    except ScimError as error:
        if error.scim_type == "invalidPath":
            raise
        raise invalid_path(f"invalid path {_quote(stripped)}: {error.detail}") from None


def format_path(path: PatchPath) -> str:
    """The text of a path; ``parse_path(format_path(p), uris) == p``."""
    if path.attr is None:
        return path.uri or ""
    text = f"{path.uri}:{path.attr}" if path.uri is not None else path.attr
    if path.value_filter is not None:
        text += f"[{format_filter(path.value_filter)}]"
    return f"{text}.{path.sub_attr}" if path.sub_attr is not None else text


def _parse(text: str, schema_uris: Collection[str]) -> PatchPath:
    bracket = text.find("[")
    head = text if bracket < 0 else text[:bracket]
    known_uri = _known_schema_uri(head, schema_uris)
    if known_uri is not None and len(head) == len(known_uri):
        if bracket >= 0:
            raise invalid_path(f"a value filter cannot follow the schema URN in {_quote(text)}")
        return PatchPath(known_uri, None)
    attr_path = _head_path(head, known_uri, text)
    if bracket < 0:
        return PatchPath(attr_path.uri, attr_path.attr, None, attr_path.sub_attr)
    if attr_path.sub_attr is not None:
        raise invalid_path(
            f"a value filter follows a multi-valued attribute, not a sub-attribute, "
            f"in {_quote(text)}"
        )
    closing = _closing_bracket(text, bracket)
    value_filter = parse_value_filter(text[bracket + 1 : closing])
    sub_attr = _trailing_sub_attr(text[closing + 1 :], text)
    return PatchPath(attr_path.uri, attr_path.attr, value_filter, sub_attr)


def _known_schema_uri(head: str, schema_uris: Collection[str]) -> str | None:
    """The longest known schema URN the head starts with, followed by ':' or the end."""
    for uri in sorted(schema_uris, key=len, reverse=True):
        prefix, following = head[: len(uri)], head[len(uri) : len(uri) + 1]
        if prefix.casefold() == uri.casefold() and following in ("", ":"):
            return uri
    return None


def _head_path(head: str, known_uri: str | None, text: str) -> AttrPath:
    """``[URI ":"] attr ["." sub]`` before any '['."""
    if known_uri is None:
        return split_attr_path(head)
    rest = head[len(known_uri) + 1 :]
    attr, dot, sub_attr = rest.partition(".")
    if not is_attr_name(attr) or (dot and not is_sub_attr_name(sub_attr)):
        raise invalid_path(f"{_quote(text)} names no valid attribute of {known_uri}")
    return AttrPath(known_uri, attr, sub_attr if dot else None)


def _closing_bracket(text: str, opening: int) -> int:
    """Index of the ']' closing ``text[opening]``, skipping JSON strings; linear time."""
    index = opening + 1
    in_string = False
    while index < len(text):
        char = text[index]
        if in_string:
            if char == "\\":
                index += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "[":
            raise invalid_path(f"value filters cannot be nested in {_quote(text)}")
        elif char == "]":
            return index
        index += 1
    raise invalid_path(f"the '[' at position {opening + 1} of {_quote(text)} is never closed")


def _trailing_sub_attr(tail: str, text: str) -> str | None:
    """Nothing, or ``"." subAttr`` after the closing bracket."""
    if not tail:
        return None
    if tail.startswith(".") and is_sub_attr_name(tail[1:]):
        return tail[1:]
    raise invalid_path(f"unexpected {_quote(tail)} after the value filter in {_quote(text)}")


def _quote(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


__all__ = ["MAX_PATH_LENGTH", "PatchPath", "format_path", "parse_path"]
