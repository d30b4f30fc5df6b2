"""Alembic environment: runs on the connection or URL that ``store.migrate`` hands over.

On PostgreSQL the upgrade holds an advisory lock so that replicas started together do
not race to migrate; every statement has a lock timeout so a migration never queues
forever behind a long transaction.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, text

from scimbridge.store.engine import create_db_engine
from scimbridge.store.tables import metadata

MIGRATION_LOCK_ID = 0x5C1B_0001


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL lock_timeout = '30s'"))
            connection.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})"))
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("no database URL given to the migration environment")
    engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


run_migrations_online()
