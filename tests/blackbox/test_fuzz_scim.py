"""A Hypothesis fuzzer over the SCIM surface, sent over HTTP to the real server.

Bodies for Users, Groups, PATCH, Bulk and ``.search``, filters and query parameters are
drawn from strategies that mix what IdPs send with what they must never make the
server choke on: values of every JSON type where strings belong, strings past their
column lengths, nesting near and past the limit, integers past 64 bits, NUL, unknown
attributes and operations. On both databases, no answer may be a 5xx, and every error
must be an RFC 7644 §3.12 error body (Bulk: every operation's status and response too).
Issue 11 §3 found its 500s this way; the example count is bounded for CI.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scimbridge.scim.lengths import NAME_LENGTH
from scimbridge.scim.limits import MAX_NESTING
from tests.factories import ENTERPRISE, GROUP_SCHEMA, PATCH_SCHEMA, USER_SCHEMA, user_resource
from tests.scim.test_limits import nested
from tests.support.assertions import ERROR_SCHEMA
from tests.support.clients import create

BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"

fuzz = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # one directory per test, shared by examples
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)

# --------------------------------------------------------------------------- values

big_integers = st.sampled_from([2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**30])
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | big_integers
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
deep = st.integers(min_value=MAX_NESTING - 4, max_value=300).map(nested)
json_values = (
    st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.text(max_size=8), children, max_size=3)
        ),
        max_leaves=10,
    )
    | deep
)
long_text = st.integers(min_value=NAME_LENGTH - 2, max_value=NAME_LENGTH + 2).flatmap(
    lambda n: st.sampled_from(["x" * n, "ß" * (n // 2 + 1), "é" * n, f"{'a' * (n - 7)}@ex.com"])
)
texts = st.text(max_size=40) | long_text | st.just("a\u0000b")
strings_or_anything = texts | json_values


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return strategy | st.none()


emails = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "value": strings_or_anything,
            "type": st.sampled_from(["work", "home", "t" * 64, "t" * 65]) | strings_or_anything,
            "primary": st.booleans() | json_values,
        },
    )
    | json_values,
    max_size=3,
)
user_attributes = {
    "userName": strings_or_anything,
    "externalId": strings_or_anything,
    "displayName": strings_or_anything,
    "name": st.fixed_dictionaries(
        {},
        optional={
            "givenName": strings_or_anything,
            "familyName": strings_or_anything,
            "formatted": strings_or_anything,
        },
    )
    | json_values,
    "emails": emails | json_values,
    "active": st.booleans() | json_values,
    "title": strings_or_anything,
    "phoneNumbers": st.lists(st.fixed_dictionaries({"value": strings_or_anything}), max_size=2),
    ENTERPRISE: st.fixed_dictionaries(
        {},
        optional={
            "department": strings_or_anything,
            "manager": st.fixed_dictionaries({"value": strings_or_anything}) | json_values,
            "employeeNumber": strings_or_anything,
        },
    )
    | json_values,
    "urn:example:params:scim:schemas:extension:acme:2.0:User": json_values,
    "schemas": st.just([USER_SCHEMA]) | st.just([USER_SCHEMA, ENTERPRISE]) | json_values,
    "id": strings_or_anything,
    "meta": json_values,
}


@st.composite
def user_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """A valid user, then some attributes replaced, dropped or added."""
    body = user_resource()
    chosen = draw(st.lists(st.sampled_from(sorted(user_attributes)), max_size=4, unique=True))
    for name in chosen:
        body[name] = draw(user_attributes[name])
    for name in draw(st.lists(st.sampled_from(sorted(body)), max_size=2, unique=True)):
        body.pop(name, None)
    body.update(draw(st.dictionaries(texts, json_values, max_size=2)))
    return body


def group_bodies(member_ids: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    member = st.fixed_dictionaries(
        {"value": st.sampled_from(member_ids) | strings_or_anything},
        optional={"display": strings_or_anything, "type": strings_or_anything},
    )
    return st.fixed_dictionaries(
        {
            "schemas": st.just([GROUP_SCHEMA]) | json_values,
            "displayName": st.text(min_size=1, max_size=30) | strings_or_anything,
        },
        optional={
            "externalId": strings_or_anything,
            "members": st.lists(member | json_values, max_size=4) | json_values,
        },
    )


# --------------------------------------------------------------------------- paths, filters

ATTRIBUTES = [
    "userName",
    "displayName",
    "externalId",
    "title",
    "active",
    "name.givenName",
    "name.familyName",
    "emails",
    "emails.value",
    "emails.type",
    "members",
    "members.value",
    "groups",
    "meta.lastModified",
    "id",
    f"{ENTERPRISE}:department",
    f"{ENTERPRISE}:manager.value",
    "schemas",
    "nosuch",
]
OPERATORS = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "EQ", "xx"]
literals = (
    st.text(max_size=10).map(lambda t: '"' + t.replace("\\", "").replace('"', "") + '"')
    | st.sampled_from(["true", "false", "null", '"2026-01-01T00:00:00Z"', "1.5", "-0"])
    | st.integers(min_value=-(2**66), max_value=2**66).map(str)
)
comparisons = st.builds(
    lambda attribute, operator, value: f"{attribute} {operator} {value}",
    st.sampled_from(ATTRIBUTES),
    st.sampled_from(OPERATORS),
    literals,
) | st.sampled_from(ATTRIBUTES).map(lambda attribute: f"{attribute} pr")


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return (
        st.tuples(children, st.sampled_from(["and", "or", "AND"]), children).map(" ".join)
        | children.map(lambda inner: f"({inner})")
        | children.map(lambda inner: f"not({inner})")
        | st.tuples(st.sampled_from(["emails", "members", "groups", "title"]), children).map(
            lambda pair: f"{pair[0]}[{pair[1]}]"
        )
    )


filters = (
    st.recursive(comparisons, _combine, max_leaves=12)
    | st.integers(min_value=25, max_value=40).map(
        lambda depth: "not(" * depth + 'userName eq "x"' + ")" * depth
    )
    | st.text(max_size=60)
)
patch_paths = (
    st.sampled_from(ATTRIBUTES)
    | st.sampled_from(['emails[type eq "work"].value', 'members[value eq "x"]', "name"])
    | filters.map(lambda text: f"emails[{text}].value")
    | texts
)
integers_as_text = st.integers(min_value=-(2**66), max_value=2**66).map(str) | st.sampled_from(
    ["", "1e3", "9" * 5000, " 5 ", "+3", "0x10"]
)


def mostly(
    valid: st.SearchStrategy[Any], invalid: st.SearchStrategy[Any]
) -> st.SearchStrategy[Any]:
    """Valid values three times in four: one invalid parameter ends a request with a 400
    before the others reach the database."""
    return st.one_of(valid, valid, valid, invalid)


attribute_lists = st.lists(st.sampled_from(ATTRIBUTES), max_size=3)
query_parameters = st.fixed_dictionaries(
    {},
    optional={
        "filter": filters,
        "startIndex": integers_as_text,
        "count": integers_as_text,
        "sortBy": mostly(st.sampled_from(ATTRIBUTES), texts),
        "sortOrder": mostly(st.sampled_from(["ascending", "descending", "DESCENDING"]), texts),
        "attributes": mostly(attribute_lists.map(",".join), texts),
        "excludedAttributes": mostly(attribute_lists.map(",".join), texts),
    },
)
search_bodies = st.fixed_dictionaries(
    {},
    optional={
        "schemas": mostly(st.just([SEARCH_REQUEST]), json_values),
        "filter": mostly(filters, json_values),
        "startIndex": st.integers(min_value=-(2**66), max_value=2**66) | json_values,
        "count": st.integers(min_value=-(2**66), max_value=2**66) | json_values,
        "sortBy": mostly(st.sampled_from(ATTRIBUTES), json_values),
        "sortOrder": mostly(st.sampled_from(["ascending", "descending"]), json_values),
        "attributes": mostly(attribute_lists, json_values),
        "excludedAttributes": mostly(attribute_lists, json_values),
    },
)


def patch_bodies(values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    operation = st.fixed_dictionaries(
        {"op": st.sampled_from(["add", "replace", "remove", "Replace", "move"]) | json_values},
        optional={"path": patch_paths | json_values, "value": values},
    )
    return st.fixed_dictionaries(
        {
            "schemas": st.just([PATCH_SCHEMA]) | json_values,
            "Operations": st.lists(operation | json_values, max_size=4) | json_values,
        }
    )


# --------------------------------------------------------------------------- assertions


def assert_no_server_error(response: httpx.Response) -> None:
    """No 5xx, and an error is an RFC 7644 §3.12 body with the answer's status."""
    request = response.request
    where = f"{request.method} {request.url} {request.content[:3000]!r}"
    assert response.status_code < 500, f"{where} -> {response.text[:2000]}"
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/scim+json"), where
        _assert_error_body(response.json(), response.status_code, where)
    if request.url.path.endswith("/Bulk") and response.status_code == 200:
        for result in response.json()["Operations"]:
            status = int(result["status"])
            assert status < 500, f"{where} -> {result}"
            if status >= 400:
                _assert_error_body(result["response"], status, where)


def _assert_error_body(body: Any, status: int, where: str) -> None:
    assert body["schemas"] == [ERROR_SCHEMA], where
    assert body["status"] == str(status), where
    assert isinstance(body["detail"], str), where
    assert body["detail"], where
    assert isinstance(body.get("scimType", ""), str), where


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def targets(scim: httpx.Client) -> dict[str, str]:
    """A user and a group that PUT, PATCH, Bulk and group members can point at."""
    user = create(scim, "/Users", user_resource())
    group = create(scim, "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Fuzzed"})
    return {"user": user["id"], "group": group["id"]}


# --------------------------------------------------------------------------- tests


@fuzz
@given(body=user_bodies())
def test_create_users(scim: httpx.Client, body: dict[str, Any]) -> None:
    assert_no_server_error(scim.post("/Users", json=body))


@fuzz
@given(body=user_bodies(), data=st.data())
def test_replace_and_patch_a_user(
    scim: httpx.Client, targets: dict[str, str], body: dict[str, Any], data: st.DataObject
) -> None:
    user = f"/Users/{targets['user']}"
    assert_no_server_error(scim.put(user, json=body))
    patch = data.draw(patch_bodies(strings_or_anything | user_bodies()))
    assert_no_server_error(scim.patch(user, json=patch))


@fuzz
@given(data=st.data())
def test_create_and_patch_groups(
    scim: httpx.Client, targets: dict[str, str], data: st.DataObject
) -> None:
    bodies = group_bodies([targets["user"]])
    assert_no_server_error(scim.post("/Groups", json=data.draw(bodies)))
    members = st.lists(st.fixed_dictionaries({"value": st.just(targets["user"]) | texts}))
    patch = data.draw(patch_bodies(strings_or_anything | members))
    assert_no_server_error(scim.patch(f"/Groups/{targets['group']}", json=patch))


@fuzz
@given(data=st.data())
def test_bulk(scim: httpx.Client, targets: dict[str, str], data: st.DataObject) -> None:
    paths = st.sampled_from(
        [
            *("/Users", "/Groups", f"/Users/{targets['user']}", f"/Groups/{targets['group']}"),
            *("/Users/bulkId:a", "/Nope", "Users"),
        ]
    )
    operation = st.fixed_dictionaries(
        {
            "method": st.sampled_from(["POST", "PUT", "PATCH", "DELETE", "GET"]) | json_values,
            "path": paths | texts,
        },
        optional={
            "bulkId": st.sampled_from(["a", "b"]) | texts,
            "data": user_bodies() | group_bodies([targets["user"], "bulkId:a"]) | json_values,
            "version": texts,
        },
    )
    body = data.draw(
        st.fixed_dictionaries(
            {
                "schemas": st.just([BULK_REQUEST]) | json_values,
                "Operations": st.lists(operation | json_values, max_size=4) | json_values,
            },
            optional={"failOnErrors": st.integers(min_value=-(2**65), max_value=2**65)},
        )
    )
    assert_no_server_error(scim.post("/Bulk", json=body))


@fuzz
@given(parameters=query_parameters, body=search_bodies, data=st.data())
def test_list_and_search(
    scim: httpx.Client,
    targets: dict[str, str],
    parameters: dict[str, str],
    body: Any,
    data: st.DataObject,
) -> None:
    endpoint = data.draw(st.sampled_from(["/Users", "/Groups"]))
    assert_no_server_error(scim.get(endpoint, params=parameters))
    if parameters:  # each parameter alone too: another one's 400 may hide its failure
        name = data.draw(st.sampled_from(sorted(parameters)))
        assert_no_server_error(scim.get(endpoint, params={name: parameters[name]}))
    assert_no_server_error(scim.post(f"{endpoint}/.search", json=body))
    assert_no_server_error(scim.post("/.search", json=body))
    assert_no_server_error(scim.get(f"/Users/{targets['user']}", params=parameters))
