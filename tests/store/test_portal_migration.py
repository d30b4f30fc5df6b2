"""Revision 0010 (directories.portal_attribute_allowlist) down and up, on both databases."""

from __future__ import annotations

from sqlalchemy import inspect, text

from scimbridge.store import migrate
from scimbridge.store.engine import create_db_engine
from tests.support.migrations import parent_of


def columns(engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("directories")}


def test_0010_downgrades_and_upgrades_keeping_rows(databases) -> None:
    url = databases.empty_url()
    migrate.upgrade(url)
    parent = parent_of(url, "0010")
    engine = create_db_engine(url)
    try:
        assert "portal_attribute_allowlist" in columns(engine)
        migrate.downgrade(url, parent)
        assert "portal_attribute_allowlist" not in columns(engine)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO directories (id, name, tenant, provider, state, "
                    "scim_token_hash, attribute_map, last_sequence, created_at, updated_at, "
                    "deprovision_policy) VALUES ('directory_old', 'Old', 'old', 'okta', "
                    "'active', 'hash', '{}', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, "
                    "'deactivate')"
                )
            )
        migrate.upgrade(url)
        with engine.connect() as connection:
            value = connection.execute(
                text("SELECT portal_attribute_allowlist FROM directories")
            ).scalar_one()
        assert value in ([], "[]")  # an existing directory allows nothing
    finally:
        engine.dispose()
