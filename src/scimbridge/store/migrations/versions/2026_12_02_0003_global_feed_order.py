"""global feed order: events.feed_position replaces events.txid

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 15:50:00.000000

The global feed ordered by the writing transaction's id, which PostgreSQL hands out
before the transaction waits for the directory's lock, so it is not commit order
(issue 11 §1). ``feed_position`` is given once, to committed events only
(``store/global_feed.py``), and ``txid`` has no other reader: it goes.

Upgrade numbers the existing events in the order the old feed served them,
``(txid, position)``, so a cursor an application holds keeps pointing at the same place.
Downgrade gives ``txid`` back in feed order as negative numbers: below every real
transaction id (the old feed reads only ids under the snapshot's xmin, and new events
sort after them), so a cursor taken on the new feed stays exact on the old one.

SQLite: only ``ALTER TABLE … ADD/DROP COLUMN`` and indexes, no batch rebuild. Rebuilding
``events`` would drop the table, and with ``foreign_keys=ON`` (store/engine.py) that
deletes the rows of ``deliveries`` that cascade from it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_UNPOSITIONED = sa.text("feed_position IS NULL")


def upgrade() -> None:
    op.add_column("events", sa.Column("feed_position", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE events SET feed_position = ranked.n FROM "
        "(SELECT position, row_number() OVER (ORDER BY txid, position) AS n FROM events) "
        "AS ranked WHERE events.position = ranked.position"
    )
    op.drop_index("ix_events_txid_position", table_name="events")
    op.drop_column("events", "txid")
    op.create_index("ix_events_feed_position", "events", ["feed_position"], unique=True)
    op.create_index(
        "ix_events_unpositioned",
        "events",
        ["position"],
        postgresql_where=_UNPOSITIONED,
        sqlite_where=_UNPOSITIONED,
    )


def downgrade() -> None:
    op.add_column(
        "events",
        sa.Column("txid", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
    )
    # Unpositioned (committed, not yet sequenced) events keep 0: after every positioned
    # one, in insert order, which is what the old feed would have served next.
    op.execute(
        "UPDATE events SET txid = feed_position - "
        "(SELECT max(feed_position) FROM events) - 1 WHERE feed_position IS NOT NULL"
    )
    op.create_index("ix_events_txid_position", "events", ["txid", "position"], unique=False)
    op.drop_index("ix_events_unpositioned", table_name="events")
    op.drop_index("ix_events_feed_position", table_name="events")
    op.drop_column("events", "feed_position")
