"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24 09:33:54.233452
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_app_settings")),
    )
    op.create_table(
        "directories",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tenant", sa.String(length=200), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), server_default="active", nullable=False),
        sa.Column("scim_token_hash", sa.String(length=64), nullable=False),
        sa.Column("webhook_url", sa.Text(), nullable=True),
        sa.Column("webhook_secret_ciphertext", sa.Text(), nullable=True),
        sa.Column(
            "attribute_map",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("connection_ciphertext", sa.Text(), nullable=True),
        sa.Column("last_sequence", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "provider IN ('okta', 'entra', 'onelogin', 'jumpcloud', 'ping', 'rippling', 'generic', 'google', 'ldap', 'csv')",
            name=op.f("ck_directories_provider"),
        ),
        sa.CheckConstraint(
            "state IN ('active', 'inactive', 'error')", name=op.f("ck_directories_state")
        ),
        sa.CheckConstraint("last_sequence >= 0", name=op.f("ck_directories_last_sequence")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directories")),
        sa.UniqueConstraint("scim_token_hash", name=op.f("uq_directories_scim_token_hash")),
    )
    with op.batch_alter_table("directories", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_directories_tenant"), ["tenant"], unique=False)

    op.create_table(
        "events",
        sa.Column(
            "position",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("directory_id", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("txid", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "type IN ('user.created', 'user.updated', 'user.deleted', 'group.created', 'group.updated', 'group.deleted', 'group.user_added', 'group.user_removed')",
            name=op.f("ck_events_type"),
        ),
        sa.CheckConstraint("sequence > 0", name=op.f("ck_events_sequence")),
        sa.ForeignKeyConstraint(
            ["directory_id"],
            ["directories.id"],
            name=op.f("fk_events_directory_id_directories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("position", name=op.f("pk_events")),
        sa.UniqueConstraint(
            "directory_id", "sequence", name=op.f("uq_events_directory_id_sequence")
        ),
        sa.UniqueConstraint("id", name=op.f("uq_events_id")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_txid_position", ["txid", "position"], unique=False)

    op.create_table(
        "groups",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("directory_id", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=512), nullable=True),
        sa.Column("display_name", sa.String(length=512), nullable=False),
        sa.Column("display_name_key", sa.String(length=512), nullable=False),
        sa.Column(
            "attributes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["directory_id"],
            ["directories.id"],
            name=op.f("fk_groups_directory_id_directories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groups")),
        sa.UniqueConstraint(
            "directory_id", "external_id", name=op.f("uq_groups_directory_id_external_id")
        ),
    )
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.create_index(
            "ix_groups_directory_id_display_name_key",
            ["directory_id", "display_name_key"],
            unique=False,
        )
        batch_op.create_index("ix_groups_directory_id_id", ["directory_id", "id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("directory_id", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=512), nullable=True),
        sa.Column("user_name", sa.String(length=512), nullable=False),
        sa.Column("user_name_key", sa.String(length=512), nullable=False),
        sa.Column("display_name", sa.String(length=512), nullable=True),
        sa.Column("given_name", sa.String(length=512), nullable=True),
        sa.Column("family_name", sa.String(length=512), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "attributes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["directory_id"],
            ["directories.id"],
            name=op.f("fk_users_directory_id_directories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint(
            "directory_id", "external_id", name=op.f("uq_users_directory_id_external_id")
        ),
        sa.UniqueConstraint(
            "directory_id", "user_name_key", name=op.f("uq_users_directory_id_user_name_key")
        ),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index("ix_users_directory_id_id", ["directory_id", "id"], unique=False)

    op.create_table(
        "memberships",
        sa.Column("group_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("directory_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["directory_id"],
            ["directories.id"],
            name=op.f("fk_memberships_directory_id_directories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_memberships_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_memberships_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("group_id", "user_id", name=op.f("pk_memberships")),
    )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index("ix_memberships_user_id", ["user_id"], unique=False)

    op.create_table(
        "user_emails",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("directory_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=512), nullable=False),
        sa.Column("value_key", sa.String(length=512), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=True),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["directory_id"],
            ["directories.id"],
            name=op.f("fk_user_emails_directory_id_directories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_emails_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_emails")),
    )
    with op.batch_alter_table("user_emails", schema=None) as batch_op:
        batch_op.create_index(
            "ix_user_emails_directory_id_value_key", ["directory_id", "value_key"], unique=False
        )
        batch_op.create_index("ix_user_emails_user_id", ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("user_emails", schema=None) as batch_op:
        batch_op.drop_index("ix_user_emails_user_id")
        batch_op.drop_index("ix_user_emails_directory_id_value_key")

    op.drop_table("user_emails")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index("ix_memberships_user_id")

    op.drop_table("memberships")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("ix_users_directory_id_id")

    op.drop_table("users")
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.drop_index("ix_groups_directory_id_id")
        batch_op.drop_index("ix_groups_directory_id_display_name_key")

    op.drop_table("groups")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_txid_position")

    op.drop_table("events")
    with op.batch_alter_table("directories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directories_tenant"))

    op.drop_table("directories")
    op.drop_table("app_settings")
