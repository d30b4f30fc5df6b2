"""Revision 0005 (request_log, audit_log, setup_links) down and up, on both databases."""

from __future__ import annotations

from sqlalchemy import inspect

from scimbridge.store import migrate
from scimbridge.store.engine import create_db_engine
from tests.support.migrations import parent_of

TABLES = {"request_log", "audit_log", "setup_links"}


def test_0005_downgrades_and_upgrades(databases) -> None:
    url = databases.empty_url()
    migrate.upgrade(url)
    parent = parent_of(url, "0005")
    engine = create_db_engine(url)
    try:
        assert set(inspect(engine).get_table_names()) >= TABLES
        indexes = {i["name"] for i in inspect(engine).get_indexes("request_log")}
        assert {
            "ix_request_log_directory_id_id",
            "ix_request_log_directory_id_failed_id",
            "ix_request_log_directory_id_status_id",
            "ix_request_log_received_at",
        } <= indexes
        migrate.downgrade(url, parent)
        assert not TABLES & set(inspect(engine).get_table_names())
        assert "directories" in inspect(engine).get_table_names()
        migrate.upgrade(url)
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()
