"""Input that gave a 500 on main is a 400 on both databases, and nothing is written.

Issue 11 §3: nesting (orjson writes at most 254 levels, PostgreSQL JSONB has its own
depth limit), numbers past 64 bits, strings longer than their VARCHAR columns (a
database error on PostgreSQL, stored on SQLite), and filters at the nesting limit that
SQLite could not parse. Each case runs against the real server on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from scimbridge.scim.lengths import NAME_LENGTH
from scimbridge.scim.limits import MAX_INTEGER, MAX_NESTING
from tests.factories import GROUP_SCHEMA, group_resource, patch_body, user_resource
from tests.scim.test_lengths import USER_PATHS
from tests.scim.test_limits import nested
from tests.support.assertions import assert_scim_error

BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
EXTENSION = "urn:example:params:scim:schemas:extension:acme:2.0:User"


def _raw(client: httpx.Client, method: str, path: str, document: str) -> httpx.Response:
    """Send JSON text as is (httpx's json= re-encodes, and Python's encoder recurses)."""
    return client.request(
        method, path, content=document.encode(), headers={"Content-Type": "application/json"}
    )


def _deep(levels: int) -> str:
    return "[" * levels + "1" + "]" * levels


def _bulk(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [BULK_REQUEST], "Operations": list(operations)}


def _assert_count(scim: httpx.Client, endpoint: str, expected: int) -> None:
    assert scim.get(endpoint).json()["totalResults"] == expected


# --------------------------------------------------------------------------- nesting


def test_nesting_at_the_limit_is_stored_and_one_more_level_is_refused(
    scim: httpx.Client,
) -> None:
    # The body object is level 1 and the extension object level 2.
    fits = user_resource(**{EXTENSION: {"deep": nested(MAX_NESTING - 2)}})
    created = scim.post("/Users", json=fits)
    assert created.status_code == 201, created.text
    assert created.json()[EXTENSION]["deep"] == nested(MAX_NESTING - 2)
    too_deep = user_resource(**{EXTENSION: {"deep": nested(MAX_NESTING - 1)}})
    response = scim.post("/Users", json=too_deep)
    assert_scim_error(response, 400, "invalidSyntax")
    assert str(MAX_NESTING) in response.json()["detail"]
    _assert_count(scim, "/Users", 1)


@pytest.mark.parametrize("levels", [252, 600])
def test_deep_values_in_every_write_are_invalid_syntax(scim: httpx.Client, levels: int) -> None:
    user = scim.post("/Users", json=user_resource()).json()
    head = json.dumps(user_resource())[:-1]
    deep = _deep(levels)
    documents = [
        ("POST", "/Users", f'{head}, "{EXTENSION}": {{"x": {deep}}}}}'),
        ("PUT", f"/Users/{user['id']}", f'{head}, "{EXTENSION}": {{"x": {deep}}}}}'),
        (
            "PATCH",
            f"/Users/{user['id']}",
            json.dumps(patch_body({"op": "add", "path": f"{EXTENSION}:x", "value": 0})).replace(
                '"value": 0', f'"value": {deep}'
            ),
        ),
        ("POST", "/Bulk", json.dumps(_bulk()).replace("[]", f'[{{"data": {deep}}}]')),
        ("POST", "/Users/.search", f'{{"attributes": {deep}}}'),
    ]
    for method, path, document in documents:
        assert_scim_error(_raw(scim, method, path, document), 400, "invalidSyntax")
    assert scim.get(f"/Users/{user['id']}").json() == user


def test_admin_connection_nested_too_deep_is_refused(admin: httpx.Client) -> None:
    body = '{"name": "Deep", "tenant": "deep", "provider": "generic", "connection": {"a": %s}}'
    response = _raw(admin, "POST", "/api/v1/directories", body % _deep(300))
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalid_request"
    assert str(MAX_NESTING) in response.json()["error"]["message"]
    # Within the limit the body gets past parsing to the service, which then refuses a
    # connection for a push provider: the nesting limit is not what answers.
    fits = _raw(admin, "POST", "/api/v1/directories", body % _deep(MAX_NESTING - 3))
    assert fits.status_code == 400, fits.text
    assert "takes no connection" in fits.json()["error"]["message"]


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize("name", ["startIndex", "count"])
@pytest.mark.parametrize("value", [str(2**63), str(2**64), str(-(2**63) - 1), "9" * 5000])
def test_paging_integers_past_64_bits_are_invalid_value(
    scim: httpx.Client, name: str, value: str
) -> None:
    assert_scim_error(scim.get("/Users", params={name: value}), 400, "invalidValue")
    search = _raw(scim, "POST", "/Users/.search", f'{{"{name}": {value}}}')
    assert_scim_error(search, 400, "invalidValue")


def test_the_largest_start_index_is_an_empty_page(scim: httpx.Client) -> None:
    scim.post("/Users", json=user_resource())
    for response in (
        scim.get("/Users", params={"startIndex": str(MAX_INTEGER), "count": "5"}),
        scim.post("/Users/.search", json={"startIndex": MAX_INTEGER, "count": 5}),
    ):
        assert response.status_code == 200, response.text
        assert (response.json()["totalResults"], response.json()["Resources"]) == (1, [])


@pytest.mark.parametrize("value", [2**63, 2**64, -(2**63) - 1])
def test_numbers_past_64_bits_in_resources_are_invalid_value(
    scim: httpx.Client, value: int
) -> None:
    head = json.dumps(user_resource())[:-1]
    response = _raw(scim, "POST", "/Users", f'{head}, "{EXTENSION}": {{"n": {value}}}}}')
    assert_scim_error(response, 400, "invalidValue")
    fits = user_resource(**{EXTENSION: {"n": MAX_INTEGER, "m": -MAX_INTEGER - 1}})
    assert scim.post("/Users", json=fits).status_code == 201
    _assert_count(scim, "/Users", 1)


@pytest.mark.parametrize("value", [2**64, 2**63, 10**30])
def test_admin_integers_past_64_bits_are_refused(admin: httpx.Client, value: int) -> None:
    body = '{"name": "N", "tenant": "numbers", "provider": "generic", "connection": {"n": %d}}'
    response = _raw(admin, "POST", "/api/v1/directories", body % value)
    assert response.status_code == 400, response.text
    assert str(MAX_INTEGER) in response.json()["error"]["message"]
    assert admin.get("/api/v1/directories", params={"tenant": "numbers"}).json()["data"] == []


@pytest.mark.parametrize("after", [str(2**63), str(2**64), str(-(2**63) - 1)])
def test_admin_delivery_cursor_past_64_bits_is_refused(admin: httpx.Client, after: str) -> None:
    directory = admin.post(
        "/api/v1/directories", json={"name": "D", "tenant": "cursor", "provider": "generic"}
    ).json()
    response = admin.get(
        f"/api/v1/directories/{directory['id']}/deliveries", params={"after": after}
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalid_cursor"


# --------------------------------------------------------------------------- lengths


def _long(limit: int, extra: int) -> str:
    return "x" * (limit + extra - 3) + "@io"  # also a plausible e-mail address


def _assert_too_long(response: httpx.Response, name: str, limit: int) -> None:
    assert_scim_error(response, 400, "invalidValue")
    detail = response.json()["detail"]
    assert name in detail
    assert f"at most {limit}" in detail


@pytest.mark.parametrize(("name", "limit", "build"), USER_PATHS, ids=[f[0] for f in USER_PATHS])
def test_user_field_lengths_on_every_write_path(
    scim: httpx.Client, name: str, limit: int, build: Any
) -> None:
    at_limit = scim.post("/Users", json=user_resource(**build(_long(limit, 0))))
    assert at_limit.status_code == 201, at_limit.text
    user = scim.post("/Users", json=user_resource()).json()
    too_long = build(_long(limit, 1))
    _assert_too_long(scim.post("/Users", json=user_resource(**too_long)), name, limit)
    put = {**user_resource(userName=user["userName"]), **too_long}
    _assert_too_long(scim.put(f"/Users/{user['id']}", json=put), name, limit)
    operations = [{"op": "replace", "path": key, "value": value} for key, value in too_long.items()]
    _assert_too_long(scim.patch(f"/Users/{user['id']}", json=patch_body(*operations)), name, limit)
    bulk = scim.post(
        "/Bulk",
        json=_bulk(
            {"method": "POST", "path": "/Users", "bulkId": "a", "data": user_resource(**too_long)}
        ),
    )
    assert bulk.status_code == 200, bulk.text
    result = bulk.json()["Operations"][0]
    assert result["status"] == "400"
    assert name in result["response"]["detail"]
    assert scim.get(f"/Users/{user['id']}").json() == user
    _assert_count(scim, "/Users", 2)


def test_case_folding_that_lengthens_a_user_name_is_refused(scim: httpx.Client) -> None:
    """``"ß".casefold()`` is ``"ss"``: the folded unique key must fit its column too."""
    response = scim.post("/Users", json=user_resource(userName="ß" * 300))
    _assert_too_long(response, "userName", NAME_LENGTH)
    assert scim.post("/Users", json=user_resource(userName="ß" * 256)).status_code == 201


@pytest.mark.parametrize("name", ["displayName", "externalId"])
def test_group_field_lengths(scim: httpx.Client, name: str) -> None:
    assert scim.post("/Groups", json=group_resource(**{name: "g" * NAME_LENGTH})).status_code == 201
    group = scim.post("/Groups", json=group_resource()).json()
    too_long = {name: "g" * (NAME_LENGTH + 1)}
    _assert_too_long(scim.post("/Groups", json=group_resource(**too_long)), name, NAME_LENGTH)
    put = {"schemas": [GROUP_SCHEMA], "displayName": group["displayName"], **too_long}
    _assert_too_long(scim.put(f"/Groups/{group['id']}", json=put), name, NAME_LENGTH)
    patch = patch_body({"op": "replace", "path": name, "value": too_long[name]})
    _assert_too_long(scim.patch(f"/Groups/{group['id']}", json=patch), name, NAME_LENGTH)
    _assert_count(scim, "/Groups", 2)


@pytest.mark.parametrize(("field", "limit"), [("name", 200), ("tenant", 200)])
def test_admin_field_lengths(admin: httpx.Client, field: str, limit: int) -> None:
    body = {"name": "Acme", "tenant": "lengths", "provider": "generic"}
    fits = admin.post("/api/v1/directories", json={**body, field: "n" * limit})
    assert fits.status_code == 201, fits.text
    response = admin.post("/api/v1/directories", json={**body, field: "n" * (limit + 1)})
    assert response.status_code == 400, response.text
    assert field in response.json()["error"]["message"]
    update = admin.patch(
        f"/api/v1/directories/{fits.json()['id']}", json={field: "n" * (limit + 1)}
    )
    assert update.status_code == 400, update.text


# --------------------------------------------------------------------------- filters

FILTER_DEPTH = 32  # scim.filter.parser.MAX_DEPTH, as the README's limits table says


def _nots(levels: int, inner: str = 'userName eq "x"') -> str:
    return "not(" * levels + inner + ")" * levels


def _parens(levels: int) -> str:
    return "(" * levels + 'userName eq "x"' + ")" * levels


def _alternating(levels: int) -> str:
    """``a or (b and (c or (…)))``: each level keeps an operand waiting on its left.

    Every ``and`` has a true left operand and every ``or`` a false one, so the whole
    filter means ``title eq "deep"``.
    """
    text = 'title eq "deep"'
    for level in range(levels):
        left = "userName pr and" if level % 2 else 'displayName eq "nobody" or'
        text = f"{left} ({text})"
    return text


def _value_path(levels: int) -> str:
    """``not(…emails[not(…)]…)``: the value filter's bracket is one level."""
    outer = (levels - 1) // 2
    inner = levels - 1 - outer
    value_filter = _nots(inner, 'value eq "x" or type pr')
    return _nots(outer, f"emails[{value_filter}]")


def _deepest_subqueries(levels: int) -> str:
    """Subqueries (e-mail rows, JSON arrays, memberships) at the bottom of every level."""
    text = 'emails[value eq "x"] or groups[value eq "g"] or emails ne "y"'
    for level in range(levels - 2):  # the outer parenthesis and the bottom bracket
        text = f'phoneNumbers[value co "{level}"] and not({text})'
    return f"({text})"


SHAPES = [_nots, _parens, _alternating, _value_path, _deepest_subqueries]


@pytest.mark.parametrize("shape", SHAPES)
def test_filters_at_the_nesting_limit_run_on_both_databases(scim: httpx.Client, shape: Any) -> None:
    scim.post("/Users", json=user_resource(title="deep"))
    for resource in ("/Users", "/Groups"):
        response = scim.get(resource, params={"filter": shape(FILTER_DEPTH)})
        assert response.status_code in (200, 400), response.text
    response = scim.get("/Users", params={"filter": shape(FILTER_DEPTH)})
    assert response.status_code == 200, response.text
    search = scim.post("/Users/.search", json={"filter": shape(FILTER_DEPTH)})
    assert search.json()["totalResults"] == response.json()["totalResults"]


@pytest.mark.parametrize("shape", SHAPES)
def test_one_level_past_the_limit_is_invalid_filter(scim: httpx.Client, shape: Any) -> None:
    response = scim.get("/Users", params={"filter": shape(FILTER_DEPTH + 1)})
    assert_scim_error(response, 400, "invalidFilter")
    assert str(FILTER_DEPTH) in response.json()["detail"]


def test_nested_negations_keep_two_valued_logic(scim: httpx.Client) -> None:
    """``not`` of an absent attribute is true: the SQL form changed, the meaning did not."""
    scim.post("/Users", json=user_resource(title="deep"))
    scim.post("/Users", json=user_resource())
    scim.post("/Users", json=user_resource(title="shallow"))
    expected = {FILTER_DEPTH: 1, FILTER_DEPTH - 1: 2}  # even: title eq; odd: its negation
    for levels in expected:
        found = scim.get("/Users", params={"filter": _nots(levels, 'title eq "deep"')})
        assert found.json()["totalResults"] == expected[levels]
    assert (
        scim.get("/Users", params={"filter": _alternating(FILTER_DEPTH)}).json()["totalResults"]
        == 1
    )
