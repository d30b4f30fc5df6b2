"""The schema comes only from Alembic; upgrade, downgrade and drift, on both databases."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

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
