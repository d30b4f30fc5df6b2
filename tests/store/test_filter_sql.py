"""SCIM filters compiled to SQL give the same answers as the in-memory evaluator.

A fixed table of filters (every operator, value paths, URN names, multi-valued
attributes kept in tables and in JSON) and a Hypothesis search both compare the rows the
database returns with ``scim.filter.evaluate.matches`` over the same resources, on
SQLite and on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from scimbridge.directory import commands
from scimbridge.scim.attributes import resolve
from scimbridge.scim.errors import ScimError
from scimbridge.scim.filter.ast import And, AttrPath, Compare, Filter, Or, Present, ValuePath
from scimbridge.scim.filter.evaluate import matches
from scimbridge.scim.filter.parser import parse_filter
from scimbridge.scim.filter.printer import format_filter
from scimbridge.scim.schemas import ENTERPRISE_USER_SCHEMA as ENTERPRISE
from scimbridge.scim.schemas import USER_RESOURCE
from scimbridge.store import filter_sql, scim_queries, unit_of_work
from scimbridge.store.resources import SqlDirectoryStore
from scimbridge.store.tables import users
from tests.store.test_events_store import make_directory

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

PEOPLE: list[dict[str, Any]] = [
    {
        "userName": "BJensen@example.com",
        "externalId": "ext-1",
        "title": "Tour Guide",
        "active": True,
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": True},
            {"value": "babs@jensen.org", "type": "home"},
        ],
        "phoneNumbers": [{"value": "555-0100", "type": "work"}],
        "roles": [{"value": "admin"}],
        ENTERPRISE: {"department": "Sales", "manager": {"value": "mgr-9"}},
    },
    {
        "userName": "straße@example.com",
        "externalId": "EXT-2",
        "active": False,
        "name": {"givenName": "Jörg", "familyName": "Straße"},
        "emails": [{"value": "STRASSE@example.com", "type": "work"}],
        ENTERPRISE: {"department": "R&D"},
    },
    {
        "userName": "100%_real@example.org",
        "title": "50% off_",
        "active": True,
        "emails": [{"value": "odd@example.org", "type": "other"}],
        "phoneNumbers": [{"value": "555-0199", "type": "mobile"}],
    },
]

FILTERS = [
    'userName eq "bjensen@example.com"',
    'userName eq "STRASSE@EXAMPLE.COM"',
    'userName ne "bjensen@example.com"',
    'userName co "%_"',
    'userName sw "100%"',
    'userName ew ".org"',
    'userName gt "c"',
    'externalId eq "ext-1"',
    'externalId eq "EXT-1"',
    "externalId pr",
    "title pr",
    'title co "%"',
    'title eq "tour guide"',
    "active eq true",
    "active eq false",
    'name.givenName sw "j"',
    'name.familyName eq "JENSEN"',
    'userName eq "STRASSE@example.com"',
    'emails eq "babs@jensen.org"',
    'emails.value co "EXAMPLE"',
    'emails[type eq "work" and value co "strasse"]',
    'emails[type eq "home"]',
    "emails[primary eq true]",
    'emails.type eq "other"',
    'phoneNumbers[type eq "mobile"]',
    'phoneNumbers.value sw "555-01"',
    'roles eq "ADMIN"',
    "phoneNumbers pr",
    f'{ENTERPRISE}:department eq "r&d"',
    f'{ENTERPRISE}:manager.value eq "mgr-9"',
    f"{ENTERPRISE}:department pr",
    'schemas eq "urn:ietf:params:scim:schemas:core:2.0:User"',
    'not (active eq true) or title co "guide"',
    'userName sw "b" and not (emails[type eq "home"])',
    'meta.lastModified gt "2020-01-01T00:00:00Z"',
    'meta.created lt "2020-01-01T00:00:00Z"',
    # A sub-attribute after the value filter (Entra-style; read as one element filter).
    'emails[type eq "work"].value eq "STRASSE@example.com"',
    'emails[type eq "home"].value ew "jensen.org" or userName sw "100"',
    'phoneNumbers[type eq "mobile"].value sw "555"',
    "emails[primary eq true].value pr",
]


@pytest.fixture
def population(engine: Engine) -> tuple[Engine, str, dict[str, dict[str, Any]]]:
    directory_id = make_directory(engine)
    resources: dict[str, dict[str, Any]] = {}
    with unit_of_work.write(engine) as connection:
        writer = commands.open_writer(SqlDirectoryStore(connection, NOW), directory_id, NOW)
        for person in PEOPLE:
            record = commands.create_user(writer, person)
            resources[record.id] = {
                **record.attributes,
                "meta": {"created": "2026-11-24T12:00:00Z", "lastModified": "2026-11-24T12:00:00Z"},
            }
        writer.flush()
    return engine, directory_id, resources


def database_answer(engine: Engine, directory_id: str, tree: Filter) -> set[str]:
    with unit_of_work.read(engine) as connection:
        where = filter_sql.compile_filter(
            USER_RESOURCE, tree, connection.dialect.name, directory_id
        )
        query = select(users.c.id).where(users.c.directory_id == directory_id, where)
        return set(connection.execute(query).scalars())


def memory_answer(resources: dict[str, dict[str, Any]], tree: Filter) -> set[str]:
    def case_exact(path: AttrPath) -> bool:
        resolved = resolve(USER_RESOURCE, path)
        return resolved.is_case_exact() if resolved else False

    return {
        user_id
        for user_id, resource in resources.items()
        if matches(tree, resource, case_exact=case_exact)
    }


@pytest.mark.parametrize("text", FILTERS)
def test_database_agrees_with_the_evaluator(population, text: str) -> None:
    engine, directory_id, resources = population
    tree = parse_filter(text)
    assert database_answer(engine, directory_id, tree) == memory_answer(resources, tree), text


def test_some_filters_select_something(population) -> None:
    engine, directory_id, _ = population
    assert (
        len(
            database_answer(engine, directory_id, parse_filter('userName eq "STRASSE@EXAMPLE.COM"'))
        )
        == 1
    )
    assert len(database_answer(engine, directory_id, parse_filter('userName co "%_"'))) == 1


@pytest.mark.parametrize(
    "text",
    [
        'nope eq "x"',
        'name eq "x"',
        f'{ENTERPRISE}:nope eq "x"',
        'emails[nope eq "x"]',
        "userName[value eq 1]",
    ],
)
def test_unknown_or_misused_attributes_are_invalid_filter(population, text: str) -> None:
    engine, directory_id, _ = population
    with pytest.raises(ScimError) as caught:
        database_answer(engine, directory_id, parse_filter(text))
    assert caught.value.scim_type == "invalidFilter"


attribute_paths = st.sampled_from(
    [
        AttrPath(None, "userName"),
        AttrPath(None, "title"),
        AttrPath(None, "externalId"),
        AttrPath(None, "name", "givenName"),
        AttrPath(None, "emails", "value"),
        AttrPath(None, "emails", "type"),
        AttrPath(None, "phoneNumbers", "value"),
        AttrPath(ENTERPRISE, "department"),
    ]
)
# Full Unicode case folding (ß = SS) holds for the attributes with casefolded key columns
# (userName, e-mail values, group displayName); other strings use the database's lower(),
# so the non-ASCII words go to the folded attributes only (README, "SCIM surface").
words = st.sampled_from(["b", "B", "example", ".com", "%", "_", "sales", "555", "work", "zz"])
folded_words = st.sampled_from(["straße", "STRASSE", "Straße@example.com", "BJENSEN"])
leaf = st.one_of(
    st.builds(Compare, attribute_paths, st.sampled_from(["eq", "ne", "co", "sw", "ew"]), words),
    st.builds(Present, attribute_paths),
    st.builds(
        Compare,
        st.sampled_from([AttrPath(None, "userName"), AttrPath(None, "emails", "value")]),
        st.sampled_from(["eq", "co", "sw"]),
        folded_words,
    ),
    st.builds(
        ValuePath,
        st.just(AttrPath(None, "emails")),
        st.builds(
            Compare,
            st.builds(AttrPath, st.none(), st.sampled_from(["type", "value"])),
            st.sampled_from(["eq", "co", "sw"]),
            words,
        ),
    ),
)
trees = st.recursive(leaf, lambda c: st.builds(Or, c, c), max_leaves=4)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(trees)
def test_random_filters_agree(population, tree: Filter) -> None:
    engine, directory_id, resources = population
    assert database_answer(engine, directory_id, tree) == memory_answer(resources, tree), (
        format_filter(tree)
    )


element_conditions = st.builds(
    Compare,
    st.builds(AttrPath, st.none(), st.sampled_from(["type", "value"])),
    st.sampled_from(["eq", "ne", "co", "sw", "ew"]),
    words | folded_words,
)
element_filters = st.recursive(
    element_conditions | st.builds(Present, st.just(AttrPath(None, "type"))),
    lambda c: st.builds(Or, c, c) | st.builds(And, c, c),
    max_leaves=3,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    attribute=st.sampled_from(["emails", "phoneNumbers"]),
    inner=element_filters,
    condition=element_conditions | st.builds(Present, st.just(AttrPath(None, "value"))),
)
def test_sub_attribute_after_value_filter_agrees_everywhere(
    population, attribute: str, inner: Filter, condition: Filter
) -> None:
    """``attr[F].sub op v`` (Entra-style) and ``attr[F and sub op v]`` select the same
    users in SQL and in memory, on both databases."""
    engine, directory_id, resources = population
    assert isinstance(condition, Compare | Present)
    suffixed = parse_filter(f"{attribute}[{format_filter(inner)}].{format_filter(condition)}")
    bracketed = parse_filter(f"{attribute}[{format_filter(And(inner, condition))}]")
    assert suffixed == bracketed
    answer = database_answer(engine, directory_id, suffixed)
    assert answer == memory_answer(resources, bracketed), format_filter(suffixed)


# ------------------------------------------------------------------ unique-key lookups


def key_lookup_answer(
    engine: Engine, directory_id: str, tree: Filter, offset: int = 0
) -> list[str] | None:
    lookup = filter_sql.key_lookup(USER_RESOURCE, tree)
    if lookup is None:
        return None
    with unit_of_work.read(engine) as connection:
        found = scim_queries.find_by_key(connection, directory_id, lookup, offset, 100)
    return [user.id for user in found]


KEY_FILTERS = [
    'userName eq "bjensen@example.com"',
    'USERNAME eq "BJENSEN@EXAMPLE.COM"',
    'userName eq "STRASSE@example.com"',  # casefold: ß matches ss
    'userName eq "straße@example.com"',
    'userName eq "100%_real@example.org"',
    'userName eq "nobody@example.com"',
    f'{USER_RESOURCE.schema.id}:userName eq "bjensen@example.com"',
    'externalId eq "ext-1"',
    'externalId eq "EXT-1"',  # caseExact: no match
    'externalid eq "EXT-2"',
    "userName eq true",
    "externalId eq 12",
]


@pytest.mark.parametrize("text", KEY_FILTERS)
def test_key_lookups_find_what_the_compiled_filter_finds(population, text: str) -> None:
    engine, directory_id, _ = population
    tree = parse_filter(text)
    assert key_lookup_answer(engine, directory_id, tree) == sorted(
        database_answer(engine, directory_id, tree)
    )
    assert key_lookup_answer(engine, directory_id, tree, offset=1) == []


def test_ids_are_unique_keys_too(population) -> None:
    engine, directory_id, resources = population
    some_id = next(iter(resources))
    tree = parse_filter(f'id eq "{some_id}"')
    assert key_lookup_answer(engine, directory_id, tree) == [some_id]


@pytest.mark.parametrize(
    "text",
    [
        'userName ne "x"',
        'userName co "x"',
        "userName eq null",
        'displayName eq "x"',
        'name.givenName eq "x"',
        'userName eq "a" and active eq true',
        f'{ENTERPRISE}:employeeNumber eq "7"',
    ],
)
def test_other_filters_are_no_key_lookup(text: str) -> None:
    assert filter_sql.key_lookup(USER_RESOURCE, parse_filter(text)) is None


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    attribute=st.sampled_from(["userName", "externalId", "USERNAME"]),
    value=st.one_of(
        st.sampled_from([p["userName"] for p in PEOPLE] + ["ext-1", "EXT-2"]).map(
            lambda v: v.upper() if len(v) % 2 else v
        ),
        st.text(max_size=20).filter(  # what the lexer admits: no NUL, no lone surrogate
            lambda v: "\x00" not in v and not any(0xD800 <= ord(c) <= 0xDFFF for c in v)
        ),
    ),
)
def test_random_key_lookups_agree(population, attribute: str, value: str) -> None:
    engine, directory_id, _ = population
    tree = Compare(AttrPath(None, attribute), "eq", value)
    assert key_lookup_answer(engine, directory_id, tree) == sorted(
        database_answer(engine, directory_id, tree)
    )
