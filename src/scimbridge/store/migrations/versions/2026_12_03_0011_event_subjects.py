"""event subjects: events.user_id / events.group_id, indexed per directory

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-03 04:15:00

The console's user and group pages show a resource's whole event history. Finding it by
matching the JSON bodies could only ever look at a bounded window of recent events; two
columns naming the resources an event is about, indexed with the directory's sequence,
make "this user's events, newest first, before sequence N" one index range scan at any
history length. The indexes are partial (``WHERE … IS NOT NULL``, both databases, like
``ix_events_unpositioned``): a user event has no group and most events are user events,
so the group index stays small.

Upgrade backfills the existing rows from their ``body`` (the contract's event JSON),
keyset-paged by ``position`` so no batch holds more than ``_BATCH`` bodies in memory or
one statement's worth of rows in a transaction log entry. The rule is spelled out here,
not imported from ``store/events.py``: a revision describes the data as it was written.

SQLite: ``ALTER TABLE … ADD COLUMN`` (nullable, no default) and ``CREATE INDEX`` change
the table in place; no batch copy. Copying ``events`` would ``DROP TABLE`` it, and with
``foreign_keys=ON`` that cascades to ``deliveries`` (see revision 0004). SQLite 3.35+
drops the columns in place on downgrade once their indexes are gone.
"""

from __future__ import annotations

from typing import Any

import orjson
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None

_BATCH = 2000
_MEMBERSHIP_TYPES = ("group.user_added", "group.user_removed")
_INDEXES = {
    "ix_events_directory_id_user_id_sequence": "user_id",
    "ix_events_directory_id_group_id_sequence": "group_id",
}


def upgrade() -> None:
    op.add_column("events", sa.Column("user_id", sa.String(64), nullable=True))
    op.add_column("events", sa.Column("group_id", sa.String(64), nullable=True))
    _backfill()
    for name, column in _INDEXES.items():
        present = sa.text(f"{column} IS NOT NULL")
        op.create_index(
            name,
            "events",
            ["directory_id", column, "sequence"],
            postgresql_where=present,
            sqlite_where=present,
        )


def downgrade() -> None:
    for name in _INDEXES:
        op.drop_index(name, table_name="events")
    op.drop_column("events", "group_id")
    op.drop_column("events", "user_id")


def _id(value: Any) -> str | None:
    found = value.get("id") if isinstance(value, dict) else None
    return found if isinstance(found, str) else None


def _subjects(event_type: str, body: str) -> tuple[str | None, str | None]:
    """(user_id, group_id) of a stored event, from its JSON ``data``."""
    document = orjson.loads(body)
    data = document.get("data") if isinstance(document, dict) else None
    if event_type.startswith("user."):
        return _id(data), None
    if event_type in _MEMBERSHIP_TYPES:
        if not isinstance(data, dict):
            return None, None
        return _id(data.get("user")), _id(data.get("group"))
    if event_type.startswith("group."):
        return None, _id(data)
    return None, None


def _backfill() -> None:
    bind = op.get_bind()
    events = sa.table(
        "events",
        sa.column("position", sa.BigInteger),
        sa.column("type", sa.String),
        sa.column("body", sa.Text),
        sa.column("user_id", sa.String),
        sa.column("group_id", sa.String),
    )
    update = (
        events.update()
        .where(events.c.position == sa.bindparam("match_position"))
        .values(user_id=sa.bindparam("new_user_id"), group_id=sa.bindparam("new_group_id"))
    )
    after = 0
    while True:
        rows = bind.execute(
            sa.select(events.c.position, events.c.type, events.c.body)
            .where(events.c.position > after)
            .order_by(events.c.position)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        changes = []
        for position, event_type, body in rows:
            user_id, group_id = _subjects(event_type, body)
            if user_id is not None or group_id is not None:
                changes.append(
                    {"match_position": position, "new_user_id": user_id, "new_group_id": group_id}
                )
        if changes:
            bind.execute(update, changes)
        after = rows[-1].position
