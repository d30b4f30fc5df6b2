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


_Step = Callable[[Connection, Writer | None, Any], Any]


def _page(ctx: RunContext, step: _Step, after: Any) -> Any:
    """One page: read and apply in one write transaction (or only read, on a dry run)."""
    if ctx.dry_run:
        with unit_of_work.read(ctx.engine) as connection:
            return step(connection, None, after)
    before = Counter(ctx.counts)
    with unit_of_work.write(ctx.engine) as connection:
        ctx.fence(connection)
        now = ctx.now()
        writer = commands.open_writer(SqlDirectoryStore(connection, now), ctx.directory_id, now)
        result = step(connection, writer, after)
        written = [event.type for event in writer.events]
        ctx.counts["events"] += writer.flush()
        sync_store.add_counts(connection, ctx.run_id, ctx.counts - before)
    if written:
        ctx.notify(ctx.directory_id)
        metrics.record_events(writer.directory.provider, written)  # committed: count them
    return result


def _walk(ctx: RunContext, step: _Step) -> None:
    """Run ``step`` page after page: each returns the keyset key it ended on, which the next
    page resumes after, or None when the step found nothing left."""
    after = None
    while (after := _page(ctx, step, after)) is not None:
        pass


@dataclass(frozen=True)
class _Staged:
    """What differs between applying staged users and staged groups."""

    kind: str
    resource_type: ResourceType
    rows: Callable[[Connection, str, str, str | None, int], list[Any]]
    create: Callable[[Writer, Mapping[str, Any]], Any]
    replace: Callable[[Writer, str, Mapping[str, Any]], Any]
    created: str
    label: str  # the attribute a created row's sample shows
    change: Callable[[Mapping[str, Any], Mapping[str, Any]], str]


_USERS = _Staged(
    "user",
    USER_RESOURCE,
    sync_plan.staged_users_page,
    commands.create_user,
    commands.replace_user,
    created="created",
    label="userName",
    change=_user_change,
)
_GROUPS = _Staged(
    "group",
    GROUP_RESOURCE,
    sync_plan.staged_groups_page,
    commands.create_group,
    commands.replace_group,
    created="groups_created",
    label="displayName",
    change=lambda _current, _new: "groups_updated",
)


def _staged(ctx: RunContext, spec: _Staged) -> None:
    """Create the staged rows not stored yet and PUT those a replace would change."""

    def step(connection: Connection, writer: Writer | None, after: str | None) -> str | None:
        rows = spec.rows(connection, ctx.run_id, ctx.directory_id, after, ctx.page)
        for source_id, resource, stored_id, attributes in rows:
            try:
                if stored_id is None:
                    if writer is not None:
                        spec.create(writer, resource)
                    detail = {spec.label: resource.get(spec.label)}
                    ctx.note(spec.created, spec.kind, source_id=source_id, **detail)
                    continue
                new = replaced(spec.resource_type, attributes, resource)
                if new == attributes:
                    continue
                if writer is not None:
                    spec.replace(writer, stored_id, resource)
                ctx.note(spec.change(attributes, new), spec.kind, source_id=source_id, id=stored_id)
            except ScimError as error:
                ctx.reject(f"{spec.kind} {source_id}", error)
        return rows[-1].source_id if rows else None

    _walk(ctx, step)


def _memberships(ctx: RunContext, op: str) -> None:
    """PATCH add or remove, one operation per group per page (RFC 7644 §3.5.2.1/.2)."""
    pages = sync_plan.membership_adds_page if op == "add" else sync_plan.membership_removes_page
    change = "memberships_added" if op == "add" else "memberships_removed"

    def step(
        connection: Connection, writer: Writer | None, after: tuple[str, str] | None
    ) -> tuple[str, str] | None:
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
    _walk(ctx, step)


def _unseen(ctx: RunContext, kind: str) -> None:
    deactivate = kind == "user" and ctx.policy == "deactivate"

    def step(connection: Connection, writer: Writer | None, after: str | None) -> str | None:
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

    _walk(ctx, step)


def reconcile(ctx: RunContext) -> None:
    """Apply (or, with ``ctx.dry_run``, only count) the staged run against the directory."""
    _staged(ctx, _USERS)
    _staged(ctx, _GROUPS)
    _memberships(ctx, "add")
    if ctx.snapshot:
        _memberships(ctx, "remove")
        _unseen(ctx, "group")
        _unseen(ctx, "user")
