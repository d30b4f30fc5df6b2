"""operations log: SCIM request log, audit log, setup links

Revision ID: 0005
Revises: 0002
Create Date: 2026-12-02 15:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _directory_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["directory_id"],
        ["directories.id"],
        name=op.f(f"fk_{table}_directory_id_directories"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "request_log",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("directory_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("query", sa.Text(), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Boolean(), nullable=False),
        sa.Column("duration_us", sa.BigInteger(), nullable=False),
        sa.Column("scim_type", sa.String(length=40), nullable=True),
        sa.Column("error_detail", sa.Text(), nullable=True),
        sa.Column("user_agent", sa.String(length=512), nullable=True),
        sa.Column("idp", sa.String(length=20), nullable=True),
        sa.Column("resource_id", sa.String(length=512), nullable=True),
        sa.Column("request_body", sa.Text(), nullable=True),
        sa.Column("request_bytes", sa.Integer(), nullable=False),
        sa.Column("request_truncated", sa.Boolean(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("response_bytes", sa.Integer(), nullable=False),
        sa.Column("response_truncated", sa.Boolean(), nullable=False),
        sa.CheckConstraint("status BETWEEN 100 AND 599", name=op.f("ck_request_log_status")),
        sa.CheckConstraint("failed = (status >= 400)", name=op.f("ck_request_log_failed")),
        sa.CheckConstraint("duration_us >= 0", name=op.f("ck_request_log_duration_us")),
        _directory_fk("request_log"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_log")),
    )
    with op.batch_alter_table("request_log", schema=None) as batch_op:
        batch_op.create_index("ix_request_log_directory_id_id", ["directory_id", "id"])
        batch_op.create_index(
            "ix_request_log_directory_id_failed_id", ["directory_id", "failed", "id"]
        )
        batch_op.create_index(
            "ix_request_log_directory_id_status_id", ["directory_id", "status", "id"]
        )
        batch_op.create_index("ix_request_log_received_at", ["received_at"])

    op.create_table(
        "audit_log",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("directory_id", sa.String(length=64), nullable=True),
        sa.Column("target_id", sa.String(length=200), nullable=True),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "actor_kind IN ('admin_token', 'cli', 'setup_link', 'session')",
            name=op.f("ck_audit_log_actor_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_directory_id_id", ["directory_id", "id"])

    op.create_table(
        "setup_links",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("directory_id", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint("expires_at > created_at", name=op.f("ck_setup_links_expires_at")),
        _directory_fk("setup_links"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_setup_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_setup_links_token_hash")),
    )
    with op.batch_alter_table("setup_links", schema=None) as batch_op:
        batch_op.create_index("ix_setup_links_directory_id_id", ["directory_id", "id"])


def downgrade() -> None:
    with op.batch_alter_table("setup_links", schema=None) as batch_op:
        batch_op.drop_index("ix_setup_links_directory_id_id")
    op.drop_table("setup_links")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_directory_id_id")
    op.drop_table("audit_log")
    with op.batch_alter_table("request_log", schema=None) as batch_op:
        batch_op.drop_index("ix_request_log_received_at")
        batch_op.drop_index("ix_request_log_directory_id_status_id")
        batch_op.drop_index("ix_request_log_directory_id_failed_id")
        batch_op.drop_index("ix_request_log_directory_id_id")
    op.drop_table("request_log")
