"""All tables. The database enforces the invariants the code relies on.

- ``UNIQUE(directory_id, user_name_key)``: userName is unique per directory and
  case-insensitive (RFC 7643 §4.1.1, ``uniqueness: server``, ``caseExact: false``); the key
  is ``str.casefold()`` computed in Python because SQLite's ``lower()`` folds ASCII only.
- ``UNIQUE(directory_id, sequence)`` on events: with the per-directory counter on
  ``directories.last_sequence`` this makes the sequence gap-free and unique.
- Every resource row carries ``directory_id`` with ``ON DELETE CASCADE``: deleting a
  directory deletes its data, and every query is scoped by it (tenant isolation).
"""

from __future__ import annotations

from typing import Any, get_args

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from scimbridge.directory.deprovision import DEFAULT_POLICY, DEPROVISION_POLICIES
from scimbridge.directory.models import EventType
from scimbridge.store.types import AutoIncrementId, JSONDocument, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

PROVIDERS = (
    "okta",
    "entra",
    "onelogin",
    "jumpcloud",
    "ping",
    "rippling",
    "generic",
    "google",
    "ldap",
    "csv",
)
PULL_PROVIDERS = frozenset({"google", "ldap", "csv"})
"""Providers scimbridge fetches from (``connectors/``); the rest push over SCIM."""
DIRECTORY_STATES = ("active", "inactive", "error", "held")
EVENT_TYPES: tuple[str, ...] = get_args(EventType)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _directory_fk(*, primary_key: bool = False) -> Column[str]:
    """The owning directory; its rows go with it (ON DELETE CASCADE). As the primary key, it
    makes the table one row per directory."""
    owner = ForeignKey("directories.id", ondelete="CASCADE")
    if primary_key:
        return Column("directory_id", String(64), owner, primary_key=True)
    return Column("directory_id", String(64), owner, nullable=False)


def _resource_columns(*own: Column[Any]) -> tuple[Column[Any], ...]:
    """A stored SCIM resource (user or group): its id, directory and the source's
    ``externalId`` first, then its ``own`` columns, then the whole resource as JSON with
    its ``meta.version`` counter and timestamps (RFC 7643 §3.1)."""
    return (
        Column("id", String(64), primary_key=True),
        _directory_fk(),
        Column("external_id", String(512), nullable=True),
        *own,
        Column("attributes", JSONDocument, nullable=False),
        Column("version", Integer, nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
        Column("updated_at", UTCDateTime, nullable=False),
    )


def _lease_columns() -> tuple[Column[Any], ...]:
    """Which worker holds the row and until when (the lease pattern, RELIABILITY.md §3)."""
    return (
        Column("lease_owner", String(100), nullable=True),
        Column("lease_token", String(64), nullable=True),
        Column("lease_expires_at", UTCDateTime, nullable=True),
    )


app_settings = Table(
    "app_settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

directories = Table(
    "directories",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("tenant", String(200), nullable=False, index=True),
    Column("provider", String(20), nullable=False),
    Column("state", String(20), nullable=False, server_default="active"),
    Column("scim_token_hash", String(64), nullable=False, unique=True),
    Column("webhook_url", Text, nullable=True),
    Column("webhook_secret_ciphertext", Text, nullable=True),
    Column("attribute_map", JSONDocument, nullable=False),
    Column("connection_ciphertext", Text, nullable=True),
    Column("last_sequence", BigInteger, nullable=False, server_default="0"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("last_sync_at", UTCDateTime, nullable=True),
    Column("deprovision_policy", String(20), nullable=False, server_default=DEFAULT_POLICY),
    # The attribute_map keys the customer's setup portal may edit (issue 13 §4).
    Column("portal_attribute_allowlist", JSONDocument, nullable=False, server_default=text("'[]'")),
    CheckConstraint(_in("provider", PROVIDERS), name="provider"),
    CheckConstraint(_in("state", DIRECTORY_STATES), name="state"),
    CheckConstraint("last_sequence >= 0", name="last_sequence"),
    CheckConstraint(_in("deprovision_policy", DEPROVISION_POLICIES), name="deprovision_policy"),
    # Pull sources (issue 14): how often the worker syncs, and the mass-deletion guard.
    Column("sync_interval_seconds", Integer, nullable=False, server_default="1800"),
    Column("guard_percent", Integer, nullable=False, server_default="10"),
    Column("guard_min_users", Integer, nullable=False, server_default="10"),
    CheckConstraint("sync_interval_seconds >= 300", name="sync_interval_seconds"),
    CheckConstraint("guard_percent BETWEEN 0 AND 100", name="guard_percent"),
    CheckConstraint("guard_min_users >= 0", name="guard_min_users"),
)

users = Table(
    "users",
    metadata,
    *_resource_columns(
        Column("user_name", String(512), nullable=False),
        Column("user_name_key", String(512), nullable=False),
        Column("display_name", String(512), nullable=True),
        Column("given_name", String(512), nullable=True),
        Column("family_name", String(512), nullable=True),
        Column("active", Boolean, nullable=False),
    ),
    UniqueConstraint("directory_id", "user_name_key"),
    UniqueConstraint("directory_id", "external_id"),
    Index("ix_users_directory_id_id", "directory_id", "id"),
)

# One row per e-mail address of a user, so `emails[value eq …]` and the admin API's
# `email=` filter use an index instead of scanning JSON.
user_emails = Table(
    "user_emails",
    metadata,
    Column("id", AutoIncrementId, primary_key=True, autoincrement=True),
    _directory_fk(),
    Column("user_id", String(64), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("value", String(512), nullable=False),
    Column("value_key", String(512), nullable=False),
    Column("type", String(64), nullable=True),
    Column("is_primary", Boolean, nullable=False),
    Index("ix_user_emails_directory_id_value_key", "directory_id", "value_key"),
    Index("ix_user_emails_user_id", "user_id"),
)

groups = Table(
    "groups",
    metadata,
    *_resource_columns(
        Column("display_name", String(512), nullable=False),
        Column("display_name_key", String(512), nullable=False),
    ),
    UniqueConstraint("directory_id", "external_id"),
    Index("ix_groups_directory_id_display_name_key", "directory_id", "display_name_key"),
    Index("ix_groups_directory_id_id", "directory_id", "id"),
)

memberships = Table(
    "memberships",
    metadata,
    Column("group_id", String(64), ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", String(64), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    _directory_fk(),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_memberships_user_id", "user_id"),
)

# The transactional outbox: one row per event, written in the same transaction as the
# change. `position` is insert order. `feed_position` is the global feed's order, given
# once and never changed: at insert on SQLite (one writer, so commit order), and on
# PostgreSQL only to committed events, by the sequencer in store/global_feed.py (NULL
# until then; the partial index finds those). RELIABILITY.md §3, pitfall 1; issue 11 §1.
events = Table(
    "events",
    metadata,
    Column("position", AutoIncrementId, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    _directory_fk(),
    Column("sequence", BigInteger, nullable=False),
    Column("type", String(40), nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("feed_position", BigInteger, nullable=True),
    Column("body", Text, nullable=False),
    # The resources the event is about (store/events.py event_subjects), for the console's
    # per-user and per-group history: one index range per page at any history length.
    Column("user_id", String(64), nullable=True),
    Column("group_id", String(64), nullable=True),
    UniqueConstraint("directory_id", "sequence"),
    Index("ix_events_feed_position", "feed_position", unique=True),
    Index(
        "ix_events_directory_id_user_id_sequence",
        "directory_id",
        "user_id",
        "sequence",
        postgresql_where=text("user_id IS NOT NULL"),
        sqlite_where=text("user_id IS NOT NULL"),
    ),
    Index(
        "ix_events_directory_id_group_id_sequence",
        "directory_id",
        "group_id",
        "sequence",
        postgresql_where=text("group_id IS NOT NULL"),
        sqlite_where=text("group_id IS NOT NULL"),
    ),
    Index(
        "ix_events_unpositioned",
        "position",
        postgresql_where=text("feed_position IS NULL"),
        sqlite_where=text("feed_position IS NULL"),
    ),
    CheckConstraint(_in("type", EVENT_TYPES), name="type"),
    CheckConstraint("sequence > 0", name="sequence"),
)

WEBHOOK_STATES = ("active", "failing", "disabled")

# One delivery cursor per directory: ordering is per directory, so the directory (not the
# event) is the unit of work that workers claim with a lease (RELIABILITY.md §3). The
# cursor never moves past an event that was not acknowledged with a 2xx.
webhook_cursors = Table(
    "webhook_cursors",
    metadata,
    _directory_fk(primary_key=True),
    Column("last_acked_sequence", BigInteger, nullable=False, server_default="0"),
    Column("failures", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("first_failure_at", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("state", String(20), nullable=False, server_default="active"),
    *_lease_columns(),
    CheckConstraint(_in("state", WEBHOOK_STATES), name="state"),
    CheckConstraint("last_acked_sequence >= 0", name="last_acked_sequence"),
    Index("ix_webhook_cursors_next_attempt_at", "next_attempt_at"),
)

# Every delivery attempt, successful or not, scheduled or replayed.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", AutoIncrementId, primary_key=True, autoincrement=True),
    _directory_fk(),
    Column("event_id", String(64), ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    Column("sequence", BigInteger, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("url", Text, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("duration_ms", Integer, nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("error", Text, nullable=True),
    Column("response_excerpt", Text, nullable=True),
    CheckConstraint(_in("kind", ("scheduled", "replay")), name="kind"),
    Index("ix_deliveries_directory_id_id", "directory_id", "id"),
    Index("ix_deliveries_event_id", "event_id"),
)

# The SCIM request log (observability/redact.py decides what a stored body may hold).
# Ids are time-ordered (``request_<ULID>``), so ``(directory_id, id)`` serves the
# newest-first pages; ``failed`` is ``status >= 400`` kept as a column (and held to it by
# a CHECK) so "errors only" and the setup portal's "errors in the last hour" are index
# seeks; ``received_at`` is indexed for the retention prune.
request_log = Table(
    "request_log",
    metadata,
    Column("id", String(64), primary_key=True),
    _directory_fk(),
    Column("received_at", UTCDateTime, nullable=False),
    Column("method", String(10), nullable=False),
    Column("path", Text, nullable=False),
    Column("query", Text, nullable=True),
    Column("status", Integer, nullable=False),
    Column("failed", Boolean, nullable=False),
    Column("duration_us", BigInteger, nullable=False),
    Column("scim_type", String(40), nullable=True),
    Column("error_detail", Text, nullable=True),
    Column("user_agent", String(512), nullable=True),
    Column("idp", String(20), nullable=True),
    Column("resource_id", String(512), nullable=True),
    Column("request_body", Text, nullable=True),
    Column("request_bytes", Integer, nullable=False),
    Column("request_truncated", Boolean, nullable=False),
    Column("response_body", Text, nullable=True),
    Column("response_bytes", Integer, nullable=False),
    Column("response_truncated", Boolean, nullable=False),
    CheckConstraint("status BETWEEN 100 AND 599", name="status"),
    CheckConstraint("failed = (status >= 400)", name="failed"),
    CheckConstraint("duration_us >= 0", name="duration_us"),
    Index("ix_request_log_directory_id_id", "directory_id", "id"),
    Index("ix_request_log_directory_id_failed_id", "directory_id", "failed", "id"),
    Index("ix_request_log_directory_id_status_id", "directory_id", "status", "id"),
    Index("ix_request_log_received_at", "received_at"),
)

AUDIT_ACTOR_KINDS = ("admin_token", "cli", "setup_link", "session")

# Admin actions. No foreign key to directories on purpose: the audit trail of a deleted
# directory (including its ``directory.deleted`` row) must outlive it.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("actor_kind", String(20), nullable=False),
    Column("actor_id", String(200), nullable=False),
    Column("action", String(60), nullable=False),
    Column("directory_id", String(64), nullable=True),
    Column("target_id", String(200), nullable=True),
    Column("details", JSONDocument, nullable=False),
    Column("address", String(64), nullable=True),
    CheckConstraint(_in("actor_kind", AUDIT_ACTOR_KINDS), name="actor_kind"),
    Index("ix_audit_log_directory_id_id", "directory_id", "id"),
)

# Customer setup links: only the SHA-256 of the token is kept (like SCIM tokens).
setup_links = Table(
    "setup_links",
    metadata,
    Column("id", String(64), primary_key=True),
    _directory_fk(),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    Column("created_by", String(200), nullable=False),
    CheckConstraint("expires_at > created_at", name="expires_at"),
    Index("ix_setup_links_directory_id_id", "directory_id", "id"),
)

SYNC_TRIGGERS = ("manual", "scheduled", "import")
SYNC_OUTCOMES = ("running", "succeeded", "failed", "held", "approved", "superseded")
SYNC_MODES = ("snapshot", "upsert")
SYNC_COUNTS = (
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

# One row per pull run (connectors/, issue 14): its outcome, counts and error.
sync_runs = Table(
    "sync_runs",
    metadata,
    Column("id", String(64), primary_key=True),
    _directory_fk(),
    Column("trigger", String(20), nullable=False),
    Column("mode", String(20), nullable=False, server_default="snapshot"),
    Column("outcome", String(20), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    *(Column(name, Integer, nullable=False, server_default="0") for name in SYNC_COUNTS),
    Column("directory_users", Integer, nullable=True),
    Column("held_sequence", BigInteger, nullable=True),
    Column("error_kind", String(40), nullable=True),
    Column("error_message", Text, nullable=True),
    CheckConstraint(_in("trigger", SYNC_TRIGGERS), name="trigger"),
    CheckConstraint(_in("outcome", SYNC_OUTCOMES), name="outcome"),
    CheckConstraint(_in("mode", SYNC_MODES), name="mode"),
    Index("ix_sync_runs_directory_id_id", "directory_id", "id"),
)

# What a run fetched, on disk: users and groups with their mapped resource, memberships
# as (group source_id, member source_id). The primary key rejects a source that yields
# the same id twice.
sync_staged = Table(
    "sync_staged",
    metadata,
    Column("run_id", String(64), ForeignKey("sync_runs.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(10), primary_key=True),
    Column("source_id", String(512), primary_key=True),
    Column("member_id", String(512), primary_key=True, server_default=""),
    Column("active", Boolean, nullable=True),
    Column("resource", JSONDocument, nullable=True),
    CheckConstraint(_in("kind", ("user", "group", "member")), name="kind"),
)

# One row per pull directory: when it is next due and the lease that lets one worker at a
# time sync it (the webhook cursor's lease pattern, RELIABILITY.md §3).
sync_schedules = Table(
    "sync_schedules",
    metadata,
    _directory_fk(primary_key=True),
    Column("next_sync_at", UTCDateTime, nullable=False),
    Column("last_requested_at", UTCDateTime, nullable=True),
    Column("failures", Integer, nullable=False, server_default="0"),
    *_lease_columns(),
    Index("ix_sync_schedules_next_sync_at", "next_sync_at"),
)

# Console sign-in sessions (issue 13 §3): only the SHA-256 of the cookie value is kept,
# and the admin credential generation it was issued under: a token reset ends them all.
admin_sessions = Table(
    "admin_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("admin_generation", Integer, nullable=False),
    Column("address", String(64), nullable=True),
    CheckConstraint("expires_at > created_at", name="expires_at"),
    Index("ix_admin_sessions_expires_at", "expires_at"),
)
