"""pull sources: sync_runs, sync_staged, sync_schedules, directory sync settings, state held

Revision ID: 0008
Revises: 0004
Create Date: 2026-12-02 17:00:00

- ``sync_runs``: one row per pull run (manual, scheduled, import), its outcome and counts.
- ``sync_staged``: what a run fetched, on disk (a run never holds a directory in memory);
  rows go when their run is finished or removed with it (``ON DELETE CASCADE``).
- ``sync_schedules``: one row per pull directory: when it is next due, the lease that makes
  one worker at a time sync it (the webhook cursor's pattern), the backoff state.
- ``directories``: ``sync_interval_seconds`` and the mass-deletion guard settings, and the
  ``state`` CHECK widened with ``held`` (a run held by the guard).

The lists are spelled out here, not imported (a revision describes the schema as it was).
SQLite: the ``directories.state`` CHECK is widened in place with the ``writable_schema``
procedure, for the reason revision 0004 gives: copying ``directories`` would DROP it and
cascade to every user, group and event. Downgrade first moves ``held`` directories back to
``active`` (their held run is dropped with its table), then narrows the CHECK.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from scimbridge.store.types import JSONDocument, UTCDateTime

revision = "0008"
down_revision = "0005"
branch_labels = None
depends_on = None

_OLD_STATES = ("active", "inactive", "error")
_NEW_STATES = ("active", "inactive", "error", "held")
_TRIGGERS = ("manual", "scheduled", "import")
_OUTCOMES = ("running", "succeeded", "failed", "held", "approved", "superseded")
_MODES = ("snapshot", "upsert")
_KINDS = ("user", "group", "member")
_COUNTS = (
    "seen_users",
    "seen_groups",
    "created",
    "updated",
    "deactivated",
    "reactivated",
    "deleted",
    "groups_created",
    "groups_updated",
    "groups_deleted",
    "memberships_added",
    "memberships_removed",
    "rejected",
    "pages_fetched",
    "events",
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("directory_id", sa.String(64), nullable=False),
        sa.Column("trigger", sa.String(20), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False, server_default="snapshot"),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime, nullable=True),
        *(sa.Column(name, sa.Integer, nullable=False, server_default="0") for name in _COUNTS),
        sa.Column("directory_users", sa.Integer, nullable=True),
        sa.Column("held_sequence", sa.BigInteger, nullable=True),
        sa.Column("error_kind", sa.String(40), nullable=True),
        sa.Column("error_message", sa.Text, nullable=True),
        sa.CheckConstraint(_in("trigger", _TRIGGERS), name=op.f("ck_sync_runs_trigger")),
        sa.CheckConstraint(_in("outcome", _OUTCOMES), name=op.f("ck_sync_runs_outcome")),
        sa.CheckConstraint(_in("mode", _MODES), name=op.f("ck_sync_runs_mode")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_runs")),
        sa.ForeignKeyConstraint(
            ["directory_id"],
            ["directories.id"],
            name=op.f("fk_sync_runs_directory_id_directories"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        op.f("ix_sync_runs_directory_id_id"), "sync_runs", ["directory_id", "id"], unique=False
    )
    op.create_table(
        "sync_staged",
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("source_id", sa.String(512), nullable=False),
        sa.Column("member_id", sa.String(512), nullable=False, server_default=""),
        sa.Column("active", sa.Boolean, nullable=True),
        sa.Column("resource", JSONDocument, nullable=True),
        sa.CheckConstraint(_in("kind", _KINDS), name=op.f("ck_sync_staged_kind")),
        sa.PrimaryKeyConstraint(
            "run_id", "kind", "source_id", "member_id", name=op.f("pk_sync_staged")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["sync_runs.id"],
            name=op.f("fk_sync_staged_run_id_sync_runs"),
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "sync_schedules",
        sa.Column("directory_id", sa.String(64), nullable=False),
        sa.Column("next_sync_at", UTCDateTime, nullable=False),
        sa.Column("last_requested_at", UTCDateTime, nullable=True),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("lease_owner", sa.String(100), nullable=True),
        sa.Column("lease_token", sa.String(64), nullable=True),
        sa.Column("lease_expires_at", UTCDateTime, nullable=True),
        sa.PrimaryKeyConstraint("directory_id", name=op.f("pk_sync_schedules")),
        sa.ForeignKeyConstraint(
            ["directory_id"],
            ["directories.id"],
            name=op.f("fk_sync_schedules_directory_id_directories"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        op.f("ix_sync_schedules_next_sync_at"), "sync_schedules", ["next_sync_at"], unique=False
    )
    for statement in (
        "ALTER TABLE directories ADD COLUMN sync_interval_seconds INTEGER DEFAULT 1800 NOT NULL "
        "CONSTRAINT ck_directories_sync_interval_seconds CHECK (sync_interval_seconds >= 300)",
        "ALTER TABLE directories ADD COLUMN guard_percent INTEGER DEFAULT 10 NOT NULL "
        "CONSTRAINT ck_directories_guard_percent CHECK (guard_percent BETWEEN 0 AND 100)",
        "ALTER TABLE directories ADD COLUMN guard_min_users INTEGER DEFAULT 10 NOT NULL "
        "CONSTRAINT ck_directories_guard_min_users CHECK (guard_min_users >= 0)",
    ):
        op.execute(statement)
    _set_state_check(_OLD_STATES, _NEW_STATES)


def downgrade() -> None:
    op.execute("UPDATE directories SET state = 'active' WHERE state = 'held'")
    _set_state_check(_NEW_STATES, _OLD_STATES)
    for column in ("guard_min_users", "guard_percent", "sync_interval_seconds"):
        op.execute(f"ALTER TABLE directories DROP COLUMN {column}")
    op.drop_index(op.f("ix_sync_schedules_next_sync_at"), table_name="sync_schedules")
    op.drop_table("sync_schedules")
    op.drop_table("sync_staged")
    op.drop_index(op.f("ix_sync_runs_directory_id_id"), table_name="sync_runs")
    op.drop_table("sync_runs")


def _set_state_check(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_directories_state"), "directories", type_="check")
        op.create_check_constraint(op.f("ck_directories_state"), "directories", _in("state", new))
        return
    old_check, new_check = _in("state", old), _in("state", new)
    sql = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'directories'")
    ).scalar_one()
    if sql.count(old_check) != 1:
        raise RuntimeError(
            "directories.state CHECK is not the one this revision expects; "
            f"looked for {old_check!r} in {sql!r}"
        )
    version = bind.execute(sa.text("PRAGMA schema_version")).scalar_one()
    bind.execute(sa.text("PRAGMA writable_schema = ON"))
    bind.execute(
        sa.text(
            "UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'directories'"
        ).bindparams(sql=sql.replace(old_check, new_check))
    )
    bind.execute(sa.text(f"PRAGMA schema_version = {int(version) + 1}"))
    bind.execute(sa.text("PRAGMA writable_schema = OFF"))
    result = bind.execute(sa.text("PRAGMA quick_check(directories)")).scalar_one()
    if result != "ok":
        raise RuntimeError(f"directories table failed its check after the CHECK change: {result}")
