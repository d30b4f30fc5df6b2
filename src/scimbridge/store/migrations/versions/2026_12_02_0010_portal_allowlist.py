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
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing directories allow nothing: the portal edits no key until an admin says so.
    with op.batch_alter_table("directories", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "portal_attribute_allowlist",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=False,
                server_default=sa.text("'[]'"),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("directories", schema=None) as batch_op:
        batch_op.drop_column("portal_attribute_allowlist")
