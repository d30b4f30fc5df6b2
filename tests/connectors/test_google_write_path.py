"""What the Google source yields is accepted by the single write path, on both databases.

Not the sync engine (reconciliation lives in ``connectors/reconcile.py``): a first run
done by hand, every fetched user and group created through ``directory.commands``, so the
mapped resources are proven to be valid SCIM for scimbridge (schemas, enterprise
extension, the ``urn:scimbridge:google:1.0:User`` block) and to produce the same events
as a SCIM push.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import Engine

from scimbridge.directory import commands
from scimbridge.store import events as event_store
from scimbridge.store import unit_of_work
from scimbridge.store.resources import SqlDirectoryStore
from tests.connectors.google_fixtures import (  # noqa: F401 (fixtures, by name)
    google,
    open_google,
    retry,
    sa_connection,
    sa_key,
    waits,
)
from tests.store.test_events_store import make_directory
from tests.support.fake_google import FakeGoogle

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def test_first_run_through_directory_commands(
    engine: Engine, google: FakeGoogle, sa_key: rsa.RSAPrivateKey, open_google: Any
) -> None:
    ada = google.add_user(
        "ada@example.com",
        "Ada",
        "Lovelace",
        orgUnitPath="/Engineering",
        customSchemas={"Security": {"clearance": "high"}},
        externalIds=[{"value": "E-7", "type": "organization"}],
        relations=[{"value": "admin@example.com", "type": "manager"}],
        organizations=[{"title": "Engineer", "department": "R&D", "primary": True}],
    )
    bob = google.add_user("bob@example.com", "Bob", "Byron", suspended=True)
    eng = google.add_group("eng@example.com", "Engineering", "Builders")
    google.add_member(eng, ada)
    google.add_member(eng, bob)
    directory_id = make_directory(engine, "directory_google")
    source = open_google(sa_connection(google, sa_key))

    with unit_of_work.write(engine) as connection:
        writer = commands.open_writer(SqlDirectoryStore(connection, NOW), directory_id, NOW)
        stored = {u.source_id: commands.create_user(writer, u.resource) for u in source.users()}
        for group in source.groups():
            member_ids = [stored[sid].id for sid in source.members(group) if sid in stored]
            commands.create_group(
                writer, {**group.resource, "members": [{"value": i} for i in member_ids]}
            )
        writer.flush()

    with unit_of_work.read(engine) as connection:
        page = event_store.read_directory_feed(
            connection, directory_id, after_sequence=0, limit=100, types=None
        )
    events = [orjson.loads(event.body) for event in page]
    assert [e["type"] for e in events] == (
        ["user.created"] * 3 + ["group.created"] + ["group.user_added"] * 2
    )
    by_name = {e["data"]["username"]: e["data"] for e in events[:3]}
    assert by_name["ada@example.com"]["idp_id"] == ada["id"]
    custom = by_name["ada@example.com"]["custom_attributes"]  # the default attribute_map
    assert custom["job_title"] == "Engineer"
    assert custom["employee_number"] == "E-7"
    assert custom["department"] == "R&D"
    assert custom["manager_id"] == "admin@example.com"
    raw = by_name["ada@example.com"]["raw_attributes"]["urn:scimbridge:google:1.0:User"]
    assert raw["orgUnitPath"] == "/Engineering"
    assert raw["customSchemas"] == {"Security": {"clearance": "high"}}
    assert by_name["bob@example.com"]["active"] is False
    assert stored[bob["id"]].attributes["active"] is False
