"""A request that fails writes nothing: no half-created resource, no orphan event."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from scimbridge.store import events as event_store
from scimbridge.store.engine import create_db_engine
from scimbridge.store.tables import events, users
from tests.factories import user_resource
from tests.support.clients import Directory


def test_failure_after_insert_rolls_everything_back(
    server,
    admin: httpx.Client,
    scim: httpx.Client,
    directory: Directory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = event_store.append_events

    def failing(*args, **kwargs):
        original(*args, **kwargs)  # the user row and its event are written in this transaction...
        raise RuntimeError("forced failure before commit")  # ...and then the request fails

    monkeypatch.setattr(event_store, "append_events", failing)
    response = scim.post("/Users", json=user_resource(userName="half@example.com"))
    monkeypatch.undo()
    assert response.status_code == 500
    assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]

    engine = create_db_engine(server.database_url)
    try:
        with engine.connect() as connection:
            user_rows = connection.execute(
                select(func.count()).select_from(users).where(users.c.directory_id == directory.id)
            ).scalar_one()
            event_rows = connection.execute(
                select(func.count())
                .select_from(events)
                .where(events.c.directory_id == directory.id)
            ).scalar_one()
    finally:
        engine.dispose()
    assert (user_rows, event_rows) == (0, 0)
    # The sequence was not consumed either: the next change is event 1.
    assert scim.post("/Users", json=user_resource()).status_code == 201
    feed = admin.get("/api/v1/events", params={"directory_id": directory.id}).json()["data"]
    assert [e["sequence"] for e in feed] == [1]
