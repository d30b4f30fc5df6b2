"""List and search requests and the ListResponse (RFC 7644 §3.4.2, §3.4.3)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from scimbridge.scim.errors import invalid_syntax, invalid_value

LIST_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
SEARCH_REQUEST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"

SortOrder = Literal["ascending", "descending"]


@dataclass(frozen=True)
class ListParams:
    filter: str | None = None
    start_index: int = 1
    count: int = 100
    sort_by: str | None = None
    sort_order: SortOrder = "ascending"
    attributes: list[str] = field(default_factory=list)
    excluded_attributes: list[str] = field(default_factory=list)


def _integer(raw: Any, name: str) -> int:
    if isinstance(raw, bool):
        raise invalid_value(f"{name} must be an integer")
    if isinstance(raw, int):
        return raw
    try:
        return int(str(raw).strip())
    except ValueError:
        raise invalid_value(f"{name} must be an integer") from None


def _sort_order(raw: Any) -> SortOrder:
    if raw is None or raw == "":
        return "ascending"
    if not isinstance(raw, str) or raw.casefold() not in ("ascending", "descending"):
        raise invalid_value("sortOrder must be ascending or descending")
    return "ascending" if raw.casefold() == "ascending" else "descending"


def _names(raw: Any, name: str) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):
        return [part.strip() for part in raw.split(",") if part.strip()]
    if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        return [item.strip() for item in raw if item.strip()]
    raise invalid_value(f"{name} must be a list of attribute names")


def _build(values: Mapping[str, Any], default_count: int, max_count: int) -> ListParams:
    """startIndex below 1 means 1; a negative count means 0; count is capped (§3.4.2.4)."""
    start = (
        _integer(values["startIndex"], "startIndex")
        if values.get("startIndex") not in (None, "")
        else 1
    )
    count = (
        _integer(values["count"], "count")
        if values.get("count") not in (None, "")
        else default_count
    )
    filter_text = values.get("filter")
    if filter_text is not None and not isinstance(filter_text, str):
        raise invalid_value("filter must be a string")
    sort_by = values.get("sortBy")
    if sort_by is not None and not isinstance(sort_by, str):
        raise invalid_value("sortBy must be a string")
    return ListParams(
        filter=filter_text or None,
        start_index=max(1, start),
        count=min(max(0, count), max_count),
        sort_by=sort_by or None,
        sort_order=_sort_order(values.get("sortOrder")),
        attributes=_names(values.get("attributes"), "attributes"),
        excluded_attributes=_names(values.get("excludedAttributes"), "excludedAttributes"),
    )


def _lookup(values: Mapping[str, Any]) -> dict[str, Any]:
    """Parameter names case-insensitively, as several IdPs vary their case."""
    known = (
        "filter",
        "startIndex",
        "count",
        "sortBy",
        "sortOrder",
        "attributes",
        "excludedAttributes",
    )
    folded = {k.casefold(): v for k, v in values.items() if isinstance(k, str)}
    return {name: folded.get(name.casefold()) for name in known}


def parse_list_params(
    query: Mapping[str, str], *, default_count: int, max_count: int
) -> ListParams:
    return _build(_lookup(query), default_count, max_count)


def parse_search_body(body: Any, *, default_count: int = 100, max_count: int = 1000) -> ListParams:
    """A ``POST …/.search`` body (RFC 7644 §3.4.3); ``schemas`` may be omitted."""
    if not isinstance(body, Mapping):
        raise invalid_syntax("a search request must be a JSON object")
    return _build(_lookup(body), default_count, max_count)


def list_response(
    resources: Sequence[Mapping[str, Any]], total_results: int, start_index: int
) -> dict[str, Any]:
    return {
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": total_results,
        "itemsPerPage": len(resources),
        "startIndex": start_index,
        "Resources": list(resources),
    }
