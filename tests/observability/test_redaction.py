"""Database errors never put SQL parameters (users' personal data) into the log.

A real constraint violation on each database, carrying a marker value: logged through our
loggers, by hand and by the server's catch-all for an IdP's request, the marker never
reaches the captured log, while the error itself (class, SQLSTATE, statement) does.
"""

from __future__ import annotations

import logging

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from scimbridge.observability import redaction
from scimbridge.store import app_settings, unit_of_work
from scimbridge.store.engine import create_db_engine
from tests.conftest import make_settings
from tests.factories import user_resource
from tests.support.clients import create_directory, scim_client

MARKER = "jane.marker-7f3a@example.com"


def test_a_database_error_is_logged_without_its_parameters(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    log = redaction.logger("scimbridge.tests.redaction")
    with unit_of_work.write(engine) as connection:
        app_settings.put_setting(connection, MARKER, "first")
    with pytest.raises(IntegrityError) as raised, unit_of_work.write(engine) as connection:
        connection.execute(
            text("INSERT INTO app_settings (key, value) VALUES (:key, :value)"),
            {"key": MARKER, "value": "second"},
        )
    assert "parameters hidden" in str(raised.value)  # hide_parameters on the engine
    with caplog.at_level(logging.INFO):
        try:
            raise RuntimeError("delivery failed") from raised.value
        except RuntimeError:
            log.exception("while doing %s", "something")
    assert MARKER not in caplog.text
    assert "while doing something" in caplog.text
    assert "INSERT INTO app_settings" in caplog.text
    assert "IntegrityError" in caplog.text or "UniqueViolation" in caplog.text


def refuse_marker(engine: Engine, backend: str) -> None:
    """Make the database itself refuse a user row carrying the marker."""
    with engine.begin() as connection:
        if backend == "sqlite":
            connection.execute(
                text(
                    "CREATE TRIGGER refuse_marker BEFORE INSERT ON users "
                    "WHEN NEW.user_name LIKE '%marker-7f3a%' BEGIN SELECT RAISE(ABORT, 'no'); END"
                )
            )
        else:
            # PostgreSQL explains a check violation with "Failing row contains (…)".
            connection.execute(
                text(
                    "ALTER TABLE users ADD CONSTRAINT refuse_marker "
                    "CHECK (user_name NOT LIKE '%marker-7f3a%')"
                )
            )


def test_the_servers_catch_all_logs_a_database_error_without_personal_data(
    databases: object, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.conftest import DatabaseFactory
    from tests.support.server import running_server

    assert isinstance(databases, DatabaseFactory)
    url = databases.new_url()
    engine = create_db_engine(url)
    try:
        refuse_marker(engine, databases.backend)
    finally:
        engine.dispose()
    settings = make_settings(url, embedded_worker=False)
    with running_server(settings) as server, caplog.at_level(logging.INFO):
        with httpx.Client(
            base_url=server.base_url,
            headers={"Authorization": f"Bearer {server.admin_token}"},
            timeout=30,
        ) as admin:
            directory = create_directory(admin)
        with scim_client(directory) as scim:
            response = scim.post("/Users", json=user_resource(userName=MARKER))
        assert response.status_code >= 500, response.text
    assert MARKER not in caplog.text
    assert "marker-7f3a" not in caplog.text
    assert "unhandled error on POST" in caplog.text
    assert "INSERT INTO users" in caplog.text
