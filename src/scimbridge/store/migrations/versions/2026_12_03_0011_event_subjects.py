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

Upgrade backfills the existing rows from their ``body`` (the contract's event JSON) with
set-based UPDATEs and the database's JSON functions (:func:`_backfill`). The rule is
spelled out here, not imported from ``store/events.py``: a revision describes the data
as it was written.

SQLite: ``ALTER TABLE … ADD COLUMN`` (nullable, no default) and ``CREATE INDEX`` change
the table in place; no batch copy. Copying ``events`` would ``DROP TABLE`` it, and with
``foreign_keys=ON`` that cascades to ``deliveries`` (see revision 0004). SQLite 3.35+
drops the columns in place on downgrade once their indexes are gone.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None

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


def _backfill() -> None:
    """Three set-based UPDATEs, one per kind of event, reading the ids with the
    database's own JSON functions (PostgreSQL ``#>>`` on ``body::jsonb``, SQLite
    ``json_extract``): the server does the work and no row crosses the connection, where
    a row-by-row update of millions of events would take many minutes. Every body is
    JSON scimbridge wrote, its ``data`` the user or group object, or ``{"group": …,
    "user": …}`` for a membership (directory/group_commands.py)."""
    events = sa.table(
        "events",
        sa.column("type", sa.String),
        sa.column("body", sa.Text),
        sa.column("user_id", sa.String),
        sa.column("group_id", sa.String),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"

    def path(*keys: str) -> sa.ColumnElement[str]:
        if postgresql:
            found: sa.ColumnElement[str] = sa.cast(events.c.body, JSONB)[keys].astext
            return found
        return sa.func.json_extract(events.c.body, "$." + ".".join(keys))

    membership = events.c.type.in_(_MEMBERSHIP_TYPES)
    op.execute(
        events.update().where(events.c.type.like("user.%")).values(user_id=path("data", "id"))
    )
    op.execute(
        events.update()
        .where(membership)
        .values(user_id=path("data", "user", "id"), group_id=path("data", "group", "id"))
    )
    op.execute(
        events.update()
        .where(events.c.type.like("group.%"), ~membership)
        .values(group_id=path("data", "id"))
    )
