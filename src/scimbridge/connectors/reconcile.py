"""Turn a staged run into changes, through the single write path (``directory/commands``).

A pull therefore emits exactly what a SCIM push of the same change would: a new source
user is ``create_user`` (``user.created``), a changed one ``replace_user`` (a PUT:
``user.updated``, ``user.deactivated`` or ``user.reactivated``), a user gone from the
source is PATCHed ``active: false`` or deleted per the directory's
``deprovision_policy`` (directory/deprovision.py), and memberships are PATCH add/remove
operations on the group (``group.user_added``/``group.user_removed``).

Order: users, groups, membership adds, membership removes, then the unseen groups and
users. Each step walks keyset pages (``store/sync_plan.py``); each page is one
transaction that locks the directory, reads the page, writes its changes and their events
and commits whole: a run that stops half-way leaves only whole pages, and since every
page is computed afresh against what is stored, the next run converges. A source value
the write path refuses (a ``userName`` another user holds, say) is counted as
``rejected`` with its reason and the run goes on: one bad row must not stop a directory.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from scimbridge.directory import commands
from scimbridge.directory.writer import Writer, ensure_schemas, prepare_resource
from scimbridge.observability import metrics
from scimbridge.scim.errors import ScimError
from scimbridge.scim.replace import replace_resource
from scimbridge.scim.schemas import GROUP_RESOURCE, USER_RESOURCE, ResourceType
from scimbridge.store import sync_plan, unit_of_work
from scimbridge.store import sync_runs as sync_store
from scimbridge.store.resources import SqlDirectoryStore

PAGE = 500
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SAMPLE = 20
DEACTIVATE = {
    "schemas": [PATCH_OP],
    "Operations": [{"op": "replace", "path": "active", "value": False}],
}


@dataclass
class RunContext:
    """One run's apply: where, how, and the hooks it reports through."""

    engine: Engine
    run_id: str
    directory_id: str
    policy: str
    snapshot: bool
    now: Callable[[], datetime]
    notify: Callable[[str], None] = lambda _directory_id: None
    fence: Callable[[Connection], None] = lambda _connection: None
    dry_run: bool = False
    page: int = PAGE
    counts: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    sample: list[dict[str, Any]] = field(default_factory=list)

    def note(self, change: str, kind: str, **detail: Any) -> None:
        self.counts[change] += 1
        if len(self.sample) < SAMPLE:
            self.sample.append({"change": change, "kind": kind, **detail})

    def reject(self, what: str, error: ScimError) -> None:
        self.counts["rejected"] += 1
        if len(self.problems) < SAMPLE:
            self.problems.append(f"{what}: {error.detail}")


def replaced(
    resource_type: ResourceType, current: Mapping[str, Any], incoming: Mapping[str, Any]
) -> dict[str, Any]:
    """What a PUT of ``incoming`` would store over ``current`` (as replace_user does)."""
    prepared, _ = prepare_resource(resource_type, incoming)
    resource = replace_resource(resource_type, dict(current), prepared)
    ensure_schemas(resource_type, resource)
    return resource


def _user_change(current: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    was, now = current.get("active", True) is not False, new.get("active", True) is not False
    if was and not now:
        return "deactivated"
    if now and not was:
        return "reactivated"
    return "updated"


def _page(
    ctx: RunContext, step: Callable[[Connection, Writer | None], Any], *, final: bool = False
) -> Any:
    """One page: read and apply in one write transaction (or only read, on a dry run)."""
    if ctx.dry_run:
        with unit_of_work.read(ctx.engine) as connection:
            return step(connection, None)
    before = Counter(ctx.counts)
    with unit_of_work.write(ctx.engine) as connection:
        ctx.fence(connection)
        now = ctx.now()
        writer = commands.open_writer(SqlDirectoryStore(connection, now), ctx.directory_id, now)
        result = step(connection, writer)
        written = [event.type for event in writer.events]
        ctx.counts["events"] += writer.flush()
        sync_store.add_counts(connection, ctx.run_id, ctx.counts - before)
    if written:
        ctx.notify(ctx.directory_id)
        metrics.record_events(writer.directory.provider, written)  # committed: count them
    return result


def _users(ctx: RunContext) -> None:
    after: str | None = None

    def step(connection: Connection, writer: Writer | None) -> str | None:
        rows = sync_plan.staged_users_page(
            connection, ctx.run_id, ctx.directory_id, after, ctx.page
        )
        for source_id, resource, user_id, attributes in rows:
            try:
                if user_id is None:
                    if writer is not None:
                        commands.create_user(writer, resource)
                    ctx.note(
                        "created", "user", source_id=source_id, userName=resource.get("userName")
                    )
                    continue
                new = replaced(USER_RESOURCE, attributes, resource)
                if new == attributes:
                    continue
                if writer is not None:
                    commands.replace_user(writer, user_id, resource)
                ctx.note(_user_change(attributes, new), "user", source_id=source_id, id=user_id)
            except ScimError as error:
                ctx.reject(f"user {source_id}", error)
        return rows[-1].source_id if rows else None

    while (after := _page(ctx, step)) is not None:
        pass


def _groups(ctx: RunContext) -> None:
    after: str | None = None

    def step(connection: Connection, writer: Writer | None) -> str | None:
        rows = sync_plan.staged_groups_page(
            connection, ctx.run_id, ctx.directory_id, after, ctx.page
        )
        for source_id, resource, group_id, attributes in rows:
            try:
                if group_id is None:
                    if writer is not None:
                        commands.create_group(writer, resource)
                    ctx.note(
                        "groups_created",
                        "group",
                        source_id=source_id,
                        displayName=resource.get("displayName"),
                    )
                elif replaced(GROUP_RESOURCE, attributes, resource) != attributes:
                    if writer is not None:
                        commands.replace_group(writer, group_id, resource)
                    ctx.note("groups_updated", "group", source_id=source_id, id=group_id)
            except ScimError as error:
                ctx.reject(f"group {source_id}", error)
        return rows[-1].source_id if rows else None

    while (after := _page(ctx, step)) is not None:
        pass


def _memberships(ctx: RunContext, op: str) -> None:
    """PATCH add or remove, one operation per group per page (RFC 7644 §3.5.2.1/.2)."""
    pages = sync_plan.membership_adds_page if op == "add" else sync_plan.membership_removes_page
    change = "memberships_added" if op == "add" else "memberships_removed"
    after: tuple[str, str] | None = None

    def step(connection: Connection, writer: Writer | None) -> tuple[str, str] | None:
        pairs = pages(connection, ctx.run_id, ctx.directory_id, after, ctx.page)
        by_group: dict[str, list[str]] = {}
        for group_id, user_id, _key in pairs:
            by_group.setdefault(group_id, []).append(user_id)
        for group_id, user_ids in by_group.items():
            for user_id in user_ids:
                ctx.note(change, "membership", group=group_id, user=user_id)
            if writer is not None:
                body = {
                    "schemas": [PATCH_OP],
                    "Operations": [
                        {"op": op, "path": "members", "value": [{"value": u} for u in user_ids]}
                    ],
                }
                commands.patch_group(writer, group_id, body)
        return pairs[-1][2] if pairs else None

    if ctx.dry_run and op == "add":
        # Nothing new is stored on a dry run, so count adds from the staged rows instead.
        with unit_of_work.read(ctx.engine) as connection:
            ctx.counts[change] += sync_plan.staged_membership_adds(
                connection, ctx.run_id, ctx.directory_id
            )
        return
    while (after := _page(ctx, step)) is not None:
        pass


def _unseen(ctx: RunContext, kind: str) -> None:
    after: str | None = None
    deactivate = kind == "user" and ctx.policy == "deactivate"

    def step(connection: Connection, writer: Writer | None) -> str | None:
        if kind == "group":
            ids = sync_plan.unseen_groups_page(
                connection, ctx.run_id, ctx.directory_id, after, ctx.page
            )
        else:
            ids = sync_plan.unseen_users_page(
                connection,
                ctx.run_id,
                ctx.directory_id,
                only_active=deactivate,
                after=after,
                limit=ctx.page,
            )
        for resource_id in ids:
            if kind == "group":
                ctx.note("groups_deleted", "group", id=resource_id)
                if writer is not None:
                    commands.delete_group(writer, resource_id)
            elif deactivate:
                ctx.note("deactivated", "user", id=resource_id)
                if writer is not None:
                    commands.patch_user(writer, resource_id, DEACTIVATE)
            else:
                ctx.note("deleted", "user", id=resource_id)
                if writer is not None:
                    commands.delete_user(writer, resource_id)
        return ids[-1] if ids else None

    while (after := _page(ctx, step)) is not None:
        pass


def reconcile(ctx: RunContext) -> None:
    """Apply (or, with ``ctx.dry_run``, only count) the staged run against the directory."""
    _users(ctx)
    _groups(ctx)
    _memberships(ctx, "add")
    if ctx.snapshot:
        _memberships(ctx, "remove")
        _unseen(ctx, "group")
        _unseen(ctx, "user")
