"""portal attribute allow-list: which attribute_map keys the setup portal may edit

Revision ID: 0010
Revises: 0005
Create Date: 2026-12-02 17:05:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing directories allow nothing: the portal edits no key until an admin says so.
    # Plain ALTER TABLE on both databases: a batch (copy-and-move) on SQLite would turn the
    # table's column CHECKs into table CHECKs, which 0004's in-place downgrade cannot drop.
    op.add_column(
        "directories",
        sa.Column(
            "portal_attribute_allowlist",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
            server_default=sa.text("'[]'"),
        ),
    )


def downgrade() -> None:
    op.execute("ALTER TABLE directories DROP COLUMN portal_attribute_allowlist")
