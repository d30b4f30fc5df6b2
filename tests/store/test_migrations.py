"""The schema comes only from Alembic; upgrade, downgrade and drift, on both databases."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from scimbridge.ids import event_id
from scimbridge.services.events_feed import read_global_page
from scimbridge.store import migrate
from scimbridge.store.engine import create_db_engine


def test_upgrade_downgrade_upgrade_and_no_drift(databases) -> None:
    url = databases.empty_url()
    migrate.upgrade(url)
    engine = create_db_engine(url)
    try:
        assert migrate.is_up_to_date(engine)
        assert {"directories", "users", "groups", "memberships", "events", "user_emails"} <= set(
            inspect(engine).get_table_names()
        )
        migrate.downgrade(url, "base")
        assert "users" not in inspect(engine).get_table_names()
        migrate.upgrade(url)
        # `alembic check`: the models and the migrated schema agree (warehouse bin/db-check).
        command.check(migrate.alembic_config(url))
    finally:
        engine.dispose()


def _insert(engine, statement: str, *rows: dict[str, object]) -> None:
    with engine.begin() as connection:
        connection.execute(text(statement), [{"now": "2026-11-24 12:00:00", **r} for r in rows])


def _by_event(engine, query: str) -> dict[str, int]:
    with engine.connect() as connection:
        return {row[0]: row[1] for row in connection.execute(text(query))}


def test_0003_keeps_the_order_the_old_feed_served_both_ways(databases) -> None:
    """Upgrade numbers existing events in the old feed's (txid, position) order, so a
    cursor an application holds stays where it was; downgrade gives txid back in feed
    order, below every real transaction id. A delivery attempt survives both."""
    url = databases.empty_url()
    first, second, third = (event_id() for _ in range(3))
    migrate.upgrade(url, "0002")
    engine = create_db_engine(url)
    try:
        _insert(
            engine,
            "INSERT INTO directories (id, name, tenant, provider, scim_token_hash, "
            "attribute_map, last_sequence, created_at, updated_at) VALUES ('d', 'D', 't', "
            "'generic', 'h', '{}', 3, :now, :now)",
            {},
        )
        _insert(
            engine,
            "INSERT INTO events (id, directory_id, sequence, type, occurred_at, txid, body) "
            "VALUES (:id, 'd', :sequence, 'user.created', :now, :txid, '{}')",
            *(
                {"id": id_, "sequence": sequence, "txid": txid}
                for id_, sequence, txid in [(first, 1, 20), (second, 2, 10), (third, 3, 10)]
            ),
        )
        _insert(
            engine,
            "INSERT INTO deliveries (directory_id, event_id, sequence, attempt, kind, url, "
            "started_at, duration_ms) VALUES ('d', :id, 1, 1, 'scheduled', 'u', :now, 5)",
            {"id": first},
        )
        migrate.upgrade(url)
        positions = _by_event(engine, "SELECT id, feed_position FROM events")
        assert positions == {second: 1, third: 2, first: 3}
        feed = read_global_page(engine, after=second, limit=10, types=None)
        assert [e.id for e in feed] == [third, first]
        migrate.downgrade(url, "0002")
        assert _by_event(engine, "SELECT id, txid FROM events") == {
            second: -3,
            third: -2,
            first: -1,
        }
        assert _by_event(engine, "SELECT event_id, attempt FROM deliveries") == {first: 1}
    finally:
        engine.dispose()
