"""The lookups IdPs send most are index lookups, never table scans, on both databases.

SQLite's ``EXPLAIN QUERY PLAN`` shows its choice directly. PostgreSQL prefers a sequential
scan on a small test table whatever indexes exist, so the test disables sequential scans
for its session: a plan that still scans ``users`` has no usable index.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select, text

from scimbridge.scim.filter.parser import parse_filter
from scimbridge.scim.schemas import GROUP_RESOURCE, USER_RESOURCE
from scimbridge.store import filter_sql, global_feed
from scimbridge.store.tables import groups, users

LOOKUPS = [
    (USER_RESOURCE, 'userName eq "bjensen@example.com"'),
    (USER_RESOURCE, 'externalId eq "00u1"'),
    (USER_RESOURCE, 'emails[value eq "bjensen@example.com"]'),
    (USER_RESOURCE, 'emails.value eq "bjensen@example.com"'),
    (USER_RESOURCE, 'id eq "user_1"'),
    (GROUP_RESOURCE, 'displayName eq "Engineering"'),
    (GROUP_RESOURCE, 'externalId eq "g-1"'),
    (GROUP_RESOURCE, 'members[value eq "user_1"]'),
]


def _explain(engine: Engine, sql: str) -> str:
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            rows = connection.execute(text(f"EXPLAIN QUERY PLAN {sql}")).all()
            return "\n".join(str(row[-1]) for row in rows)
        connection.execute(text("SET enable_seqscan = off"))
        return "\n".join(row[0] for row in connection.execute(text(f"EXPLAIN {sql}")))


def _literal_sql(engine: Engine, statement) -> str:
    return str(statement.compile(engine, compile_kwargs={"literal_binds": True}))


def assert_indexed(engine: Engine, shown: str) -> None:
    if engine.dialect.name == "sqlite":
        assert "SCAN users" not in shown, shown
        assert "SCAN groups" not in shown, shown
        assert "INDEX" in shown, shown
    else:
        assert "Seq Scan" not in shown, shown
        assert "Index" in shown, shown


def plan(engine: Engine, resource_type, filter_text: str) -> str:
    table = groups if resource_type is GROUP_RESOURCE else users
    where = filter_sql.compile_filter(
        resource_type, parse_filter(filter_text), engine.dialect.name, "directory_1"
    )
    query = select(table.c.id).where(table.c.directory_id == "directory_1", where)
    return _explain(engine, _literal_sql(engine, query))


@pytest.mark.parametrize(("resource_type", "filter_text"), LOOKUPS)
def test_lookup_uses_an_index(engine: Engine, resource_type, filter_text: str) -> None:
    assert_indexed(engine, plan(engine, resource_type, filter_text))


def test_the_write_path_uniqueness_check_uses_both_indexes(engine: Engine) -> None:
    """userName and externalId are checked in one query: an OR the planner must split."""
    from scimbridge.store.resources import _USERS_BY_UNIQUE_KEYS

    query = _USERS_BY_UNIQUE_KEYS.statement.params(
        directory_id="directory_1", key="bjensen@example.com", external_id="00u1"
    )
    shown = _explain(engine, _literal_sql(engine, query))
    if engine.dialect.name == "sqlite":
        assert "SCAN users" not in shown, shown
        assert "MULTI-INDEX OR" in shown, shown
    else:
        assert "Seq Scan" not in shown, shown
        assert "BitmapOr" in shown or "Index" in shown, shown


@pytest.mark.parametrize(
    ("resource_type", "filter_text"),
    [(r, f) for r, f in LOOKUPS if filter_sql.key_lookup(r, parse_filter(f)) is not None],
)
def test_the_prepared_key_lookup_uses_an_index(engine: Engine, resource_type, filter_text) -> None:
    """The page statement an IdP's existence probe runs (``scim_queries.find_by_key``)."""
    from scimbridge.store.scim_queries import _key_page

    lookup = filter_sql.key_lookup(resource_type, parse_filter(filter_text))
    assert lookup is not None
    column = lookup.column
    page = _key_page(lookup.table, column.name).statement.params(
        directory_id="directory_1", value=lookup.value, offset=0, limit=100
    )
    assert_indexed(engine, _explain(engine, _literal_sql(engine, page)))


FEED_STATEMENTS = {
    "page": global_feed.page_query(5, 10, None),
    "page of some types": global_feed.page_query(5, 10, ["user.created", "group.user_added"]),
    "horizon": global_feed.HORIZON,
    "unpositioned up to": global_feed.UNPOSITIONED_UP_TO.params(up_to=10),
    "sequencer": global_feed.POSITION_BATCH,
}


@pytest.mark.parametrize("name", FEED_STATEMENTS)
def test_the_global_feed_reads_through_its_indexes(engine: Engine, name: str) -> None:
    """A poller at the head checks for unpositioned events on every poll: that must be a
    look into an index (ix_events_unpositioned holds only them; NULLs lead
    ix_events_feed_position), never a scan of every event."""
    shown = _explain(engine, _literal_sql(engine, FEED_STATEMENTS[name]))
    assert "ix_events_" in shown, shown
    assert "SCAN events\n" not in f"{shown}\n", shown  # SQLite: a bare table scan
    assert "Seq Scan on events" not in shown, shown
