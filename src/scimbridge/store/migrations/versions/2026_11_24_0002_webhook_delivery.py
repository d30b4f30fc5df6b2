"""webhook delivery: per-directory cursors and the attempt log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 09:59:33.741753
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_cursors",
        sa.Column("directory_id", sa.String(length=64), nullable=False),
        sa.Column("last_acked_sequence", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=20), server_default="active", nullable=False),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("lease_token", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('active', 'failing', 'disabled')", name=op.f("ck_webhook_cursors_state")
        ),
        sa.CheckConstraint(
            "last_acked_sequence >= 0", name=op.f("ck_webhook_cursors_last_acked_sequence")
        ),
        sa.ForeignKeyConstraint(
            ["directory_id"],
            ["directories.id"],
            name=op.f("fk_webhook_cursors_directory_id_directories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("directory_id", name=op.f("pk_webhook_cursors")),
    )
    with op.batch_alter_table("webhook_cursors", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webhook_cursors_next_attempt_at", ["next_attempt_at"], unique=False
        )

    # Existing directories get a cursor: from the start if they have a webhook (nothing
    # was ever delivered), else at their current sequence (a webhook added later starts
    # with new events; the history stays in the events feed).
    op.execute(
        "INSERT INTO webhook_cursors (directory_id, last_acked_sequence, next_attempt_at) "
        "SELECT id, CASE WHEN webhook_url IS NULL THEN last_sequence ELSE 0 END, created_at "
        "FROM directories"
    )

    op.create_table(
        "deliveries",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("directory_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("response_excerpt", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('scheduled', 'replay')", name=op.f("ck_deliveries_kind")),
        sa.ForeignKeyConstraint(
            ["directory_id"],
            ["directories.id"],
            name=op.f("fk_deliveries_directory_id_directories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_deliveries_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_deliveries_directory_id_id", ["directory_id", "id"], unique=False)
        batch_op.create_index("ix_deliveries_event_id", ["event_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_event_id")
        batch_op.drop_index("ix_deliveries_directory_id_id")

    op.drop_table("deliveries")
    with op.batch_alter_table("webhook_cursors", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_cursors_next_attempt_at")

    op.drop_table("webhook_cursors")
