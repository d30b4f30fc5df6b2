"""List and search requests and the ListResponse (RFC 7644 §3.4.2, §3.4.3).

``GET /Users?filter=…&startIndex=…`` and ``POST /Users/.search`` carry the same
parameters, one as query strings and one as JSON; both become one :class:`ListParams`.
Paging follows §3.4.2.4 to the letter: a ``startIndex`` below 1 means 1, a negative
``count`` means 0, and a ``count`` above the server's page cap is reduced to it (the
server "MAY return fewer results than requested"). Values that are not integers at all
are client errors (400 ``invalidValue``), not silently replaced, and so are integers
outside the signed 64-bit range (``scim.limits``): no database can bind them as an
``OFFSET``, and a 4,300-digit string is past what Python's ``int()`` converts.

Parameter names are matched case-insensitively: the RFC spells them in camelCase, but
several IdPs vary the case (``startindex``), and nothing is gained by refusing them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal, TypeAlias

from scimbridge.scim.errors import ScimError, invalid_syntax, invalid_value
from scimbridge.scim.filter.ast import AttrPath
from scimbridge.scim.filter.parser import parse_attr_path
from scimbridge.scim.limits import MAX_INTEGER, MIN_INTEGER, NUMBER_PROBLEM

LIST_RESPONSE_SCHEMA: Final = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
SEARCH_REQUEST_SCHEMA: Final = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"

SortOrder: TypeAlias = Literal["ascending", "descending"]

_PARAMETERS: Final = (
    "filter",
    "startIndex",
    "count",
    "sortBy",
    "sortOrder",
    "attributes",
    "excludedAttributes",
)
# Leading zeros aside, a 64-bit integer has at most 19 digits: anything longer is out of
# range and never reaches ``int()``.
_INTEGER: Final = re.compile(rf"[+-]?0*([0-9]{{1,{len(str(MAX_INTEGER))}}})")
_DIGITS: Final = re.compile(r"[+-]?[0-9]+")


@dataclass(frozen=True)
class ListParams:
    """One list or search request (RFC 7644 §3.4.2.2 to §3.4.2.5, §3.9), already normalised.

    ``start_index`` is 1-based and at least 1; ``count`` is within ``0..max_count``.
    """

    filter: str | None = None
    start_index: int = 1
    count: int = 100
    sort_by: str | None = None
    sort_order: SortOrder = "ascending"
    attributes: list[str] = field(default_factory=list)
    excluded_attributes: list[str] = field(default_factory=list)


def parse_list_params(
    query: Mapping[str, str], *, default_count: int, max_count: int
) -> ListParams:
    """Parameters of a ``GET`` list request from its query string (RFC 7644 §3.4.2)."""
    return _build(_by_name(query), default_count, max_count)


def parse_search_body(body: Any, *, default_count: int = 100, max_count: int = 1000) -> ListParams:
    """A ``POST …/.search`` body (RFC 7644 §3.4.3).

    ``schemas`` must name the SearchRequest message when present; a body without it is
    accepted, because the endpoint already says what the body is and some clients omit
    it. Wrong JSON types are 400s: ``invalidSyntax`` for the body's shape,
    ``invalidValue`` for a parameter's value.
    """
    if not isinstance(body, Mapping):
        raise invalid_syntax("a search request must be a JSON object")
    _check_schemas(body)
    return _build(_by_name(body), default_count, max_count)


def list_response(
    resources: Sequence[Mapping[str, Any]], total_results: int, start_index: int
) -> dict[str, Any]:
    """A ListResponse (RFC 7644 §3.4.2): ``itemsPerPage`` is the size of this page."""
    return {
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": total_results,
        "itemsPerPage": len(resources),
        "startIndex": start_index,
        "Resources": list(resources),
    }


def sort_path(text: str) -> AttrPath:
    """The attribute a ``sortBy`` names (RFC 7644 §3.4.2.3: "standard attribute notation",
    §3.10); an error says ``sortBy``, not "filter", so a client sees which parameter."""
    try:
        return parse_attr_path(text)
    except ScimError as error:
        raise invalid_value(f"sortBy: {error.detail}") from None


def missing_values_first(sort_order: SortOrder) -> bool:
    """Where resources without a ``sortBy`` value go (RFC 7644 §3.4.2.3, ``sortBy``).

    "For all attribute types, if there is no data for the specified "sortBy" value, they
    are sorted via the "sortOrder" parameter, i.e., they are ordered last if ascending
    and first if descending." Databases disagree by default (PostgreSQL puts NULL last
    ascending, SQLite first), so the query states it explicitly.
    """
    return sort_order == "descending"


def total_from_page(offset: int, count: int, found: int) -> int | None:
    """``totalResults`` when the page itself proves it, else None (count the matches).

    A page shorter than asked for is the last one, so the total is everything before it
    plus what it holds; so is an empty first page. Only a full page, or an empty page past
    the start, leaves the total unknown. Most IdP calls are existence probes
    (``userName eq …``, one or no match), which this spares a second query.
    """
    if count > 0 and (0 < found < count or (found == 0 and offset == 0)):
        return offset + found
    return None


# --------------------------------------------------------------------------- parsing


def _check_schemas(body: Mapping[str, Any]) -> None:
    schemas = next((v for k, v in body.items() if str(k).casefold() == "schemas"), None)
    if schemas is None:
        return
    if not isinstance(schemas, list) or not all(isinstance(s, str) for s in schemas):
        raise invalid_syntax("schemas must be a list of URIs")
    if SEARCH_REQUEST_SCHEMA.casefold() not in {s.casefold() for s in schemas}:
        raise invalid_syntax(f"a search request's schemas must contain {SEARCH_REQUEST_SCHEMA}")


def _by_name(values: Mapping[str, Any]) -> dict[str, Any]:
    """The known parameters, looked up case-insensitively; absent ones are None."""
    folded = {k.casefold(): v for k, v in values.items() if isinstance(k, str)}
    return {name: folded.get(name.casefold()) for name in _PARAMETERS}


def _build(values: Mapping[str, Any], default_count: int, max_count: int) -> ListParams:
    start = _integer(values["startIndex"], "startIndex")
    count = _integer(values["count"], "count")
    return ListParams(
        filter=_text(values["filter"], "filter"),
        start_index=1 if start is None else max(1, start),
        count=min(max(0, default_count if count is None else count), max_count),
        sort_by=_text(values["sortBy"], "sortBy"),
        sort_order=_sort_order(values["sortOrder"]),
        attributes=_names(values["attributes"], "attributes"),
        excluded_attributes=_names(values["excludedAttributes"], "excludedAttributes"),
    )


def _integer(raw: Any, name: str) -> int | None:
    """An integer from JSON or a query string; None when absent or empty."""
    if raw is None or raw == "":
        return None
    value: int | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and _INTEGER.fullmatch(raw.strip()):
        value = int(raw.strip())
    elif not (isinstance(raw, str) and _DIGITS.fullmatch(raw.strip())):
        raise invalid_value(f"{name} must be an integer, not {_shown(raw)}")
    if value is None or not MIN_INTEGER <= value <= MAX_INTEGER:
        raise invalid_value(f"{name} is out of range: {NUMBER_PROBLEM}")
    return value


def _shown(raw: Any) -> str:
    text = repr(raw)
    return text if len(text) <= 64 else text[:61] + "..."


def _text(raw: Any, name: str) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise invalid_value(f"{name} must be a string")
    return raw.strip() or None


def _sort_order(raw: Any) -> SortOrder:
    """``ascending`` (the default, §3.4.2.3) or ``descending``, in any case."""
    if raw is None or raw == "":
        return "ascending"
    folded = raw.strip().casefold() if isinstance(raw, str) else None
    if folded == "ascending":
        return "ascending"
    if folded == "descending":
        return "descending"
    raise invalid_value(f"sortOrder must be ascending or descending, not {raw!r}")


def _names(raw: Any, name: str) -> list[str]:
    """A comma-separated string (query) or a list of strings (``.search`` body, §3.4.3)."""
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = raw.split(",")
    if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        return [item.strip() for item in raw if item.strip()]
    raise invalid_value(f"{name} must be a list of attribute names")
