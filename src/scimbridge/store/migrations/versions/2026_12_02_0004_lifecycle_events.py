"""lifecycle events: user.deactivated / user.reactivated and directories.deprovision_policy

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-02 15:30:00

Existing events are not rewritten on upgrade: they were written (and delivered) as what
they were, so a past deactivation stays a ``user.updated`` with ``previous.active``.

The type lists are spelled out here, not imported: a revision describes the schema as it
was when written, whatever the code says later.

SQLite: the ``events.type`` CHECK is changed in place (SQLite, "ALTER TABLE", §7 "Making
Other Kinds Of Table Schema Changes": the ``writable_schema`` procedure for changing
CHECK constraints), not by Alembic's batch copy-and-rename. The copy would ``DROP TABLE
events``, which with ``foreign_keys=ON`` (set on every connection, and impossible to
switch off inside the migration's transaction) runs an implicit ``DELETE`` that cascades
to ``deliveries``: the whole webhook attempt log would be lost. Widening a CHECK can
never invalidate a stored row; narrowing it on downgrade happens only after the rows of
the new types are rewritten, and ``PRAGMA quick_check`` confirms the table afterwards.

Downgrade keeps the events: it rewrites ``user.deactivated`` and ``user.reactivated``
(type column and JSON body) to ``user.updated``, which is exactly how the previous
version reported the same change (``data.previous.active`` is in every such event), so
the older code keeps delivering and serving them. Nothing is lost but the name.
"""

from __future__ import annotations

import orjson
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_OLD_TYPES = (
    "user.created",
    "user.updated",
    "user.deleted",
    "group.created",
    "group.updated",
    "group.deleted",
    "group.user_added",
    "group.user_removed",
)
_LIFECYCLE_TYPES = ("user.deactivated", "user.reactivated")
# The lifecycle types sit after `user.updated`, as in directory/models.py's EventType.
_NEW_TYPES = (*_OLD_TYPES[:2], *_LIFECYCLE_TYPES, *_OLD_TYPES[2:])
_POLICIES = ("deactivate", "delete")
# Providers whose documented behaviour makes `delete` their default (directory/deprovision.py).
_DELETE_BY_DEFAULT = ("google",)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    _set_event_type_check(_OLD_TYPES, _NEW_TYPES)
    # One statement that both databases accept: SQLite adds a column with a NOT NULL
    # default and a CHECK in place (no table copy, so no cascade; see the module note).
    op.execute(
        "ALTER TABLE directories ADD COLUMN deprovision_policy VARCHAR(20) "
        "DEFAULT 'deactivate' NOT NULL "
        f"CONSTRAINT ck_directories_deprovision_policy CHECK ({_in('deprovision_policy', _POLICIES)})"
    )
    op.execute(
        sa.text(
            "UPDATE directories SET deprovision_policy = 'delete' WHERE provider IN :providers"
        ).bindparams(sa.bindparam("providers", _DELETE_BY_DEFAULT, expanding=True))
    )


def downgrade() -> None:
    _rewrite_lifecycle_events()
    _set_event_type_check(_NEW_TYPES, _OLD_TYPES)
    # SQLite (3.35+) drops a column together with its own column CHECK in place.
    op.execute("ALTER TABLE directories DROP COLUMN deprovision_policy")


def _rewrite_lifecycle_events() -> None:
    """``user.deactivated``/``user.reactivated`` → ``user.updated``, column and body alike."""
    bind = op.get_bind()
    events = sa.table(
        "events", sa.column("position"), sa.column("type"), sa.column("body", sa.Text)
    )
    rows = bind.execute(
        sa.select(events.c.position, events.c.body).where(events.c.type.in_(_LIFECYCLE_TYPES))
    ).all()
    for position, body in rows:
        document = orjson.loads(body)
        document["type"] = "user.updated"
        bind.execute(
            events.update()
            .where(events.c.position == position)
            .values(type="user.updated", body=orjson.dumps(document).decode("utf-8"))
        )


def _set_event_type_check(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_events_type"), "events", type_="check")
        op.create_check_constraint(op.f("ck_events_type"), "events", _in("type", new))
        return
    old_check, new_check = _in("type", old), _in("type", new)
    sql = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'events'")
    ).scalar_one()
    if sql.count(old_check) != 1:
        raise RuntimeError(
            "events.type CHECK is not the one this revision expects; "
            f"looked for {old_check!r} in {sql!r}"
        )
    version = bind.execute(sa.text("PRAGMA schema_version")).scalar_one()
    bind.execute(sa.text("PRAGMA writable_schema = ON"))
    bind.execute(
        sa.text(
            "UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'events'"
        ).bindparams(sql=sql.replace(old_check, new_check))
    )
    bind.execute(sa.text(f"PRAGMA schema_version = {int(version) + 1}"))
    bind.execute(sa.text("PRAGMA writable_schema = OFF"))
    result = bind.execute(sa.text("PRAGMA quick_check(events)")).scalar_one()
    if result != "ok":
        raise RuntimeError(f"events table failed its check after the CHECK change: {result}")
