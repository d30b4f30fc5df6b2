"""Stage a source: stream what it yields into ``sync_staged``, on disk, in chunks.

A run first fetches everything, then applies (``connectors/reconcile.py``): so a fetch that
fails half-way (token revoked, server gone) has changed nothing in the directory. The
staged rows are what the plan is computed from with set-based SQL, which is how a
100,000-user source is compared with the directory without holding either in memory.
Groups are staged before their members are fetched, and members are then fetched group
by group from the staged rows, so no source is asked to interleave two listings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from scimbridge.connectors.base import Source, SourceError, SourceGroup
from scimbridge.scim.schemas import GROUP_RESOURCE, USER_RESOURCE
from scimbridge.store import sync_runs as sync_store
from scimbridge.store import unit_of_work
from scimbridge.store.tables import sync_staged

CHUNK = 1000
Fence = Callable[[Connection], None]
MAX_ID = 512  # sync_staged.source_id


@dataclass
class Staged:
    users: int = 0
    groups: int = 0
    members: int = 0


def _resource(source_id: str, resource: Mapping[str, Any], schema: str) -> dict[str, Any]:
    """The SCIM body the write path gets: the source's, with ``externalId`` = source id."""
    body = dict(resource)
    body["externalId"] = source_id
    body.setdefault("schemas", [schema])
    return body


def _check_id(kind: str, source_id: object) -> str:
    if not isinstance(source_id, str) or not source_id or len(source_id) > MAX_ID:
        raise SourceError(
            "invalid_data", f"the source gave a {kind} without a usable id ({source_id!r})"
        )
    return source_id


def _write(engine: Engine, rows: list[dict[str, Any]], what: str, fence: Fence) -> None:
    try:
        with unit_of_work.write(engine) as connection:
            fence(connection)  # renews the run's lease while a long fetch goes on
            sync_store.stage_rows(connection, rows)
    except IntegrityError:
        raise SourceError(
            "invalid_data", f"the source gave the same {what} id twice; ids must be unique"
        ) from None


def _chunks(engine: Engine, rows: Iterator[dict[str, Any]], what: str, fence: Fence) -> int:
    count = 0
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        count += 1
        if len(chunk) >= CHUNK:
            _write(engine, chunk, what, fence)
            chunk = []
    _write(engine, chunk, what, fence)
    return count


def _staged_groups(engine: Engine, run_id: str) -> Iterator[SourceGroup]:
    after = ""
    while True:
        with unit_of_work.read(engine) as connection:
            rows = connection.execute(
                select(sync_staged.c.source_id, sync_staged.c.resource)
                .where(
                    sync_staged.c.run_id == run_id,
                    sync_staged.c.kind == "group",
                    sync_staged.c.source_id > after,
                )
                .order_by(sync_staged.c.source_id)
                .limit(CHUNK)
            ).all()
        if not rows:
            return
        for source_id, resource in rows:
            yield SourceGroup(source_id, resource)
        after = rows[-1].source_id


def stage_source(
    engine: Engine, run_id: str, source: Source, fence: Fence = lambda _connection: None
) -> Staged:
    """Fetch the whole source into the staging table; raise :class:`SourceError` on failure.

    ``fence`` runs in each chunk's transaction: the engine renews (and checks) the run's
    lease there, so a fetch longer than the lease keeps it."""
    staged = Staged()

    def user_rows() -> Iterator[dict[str, Any]]:
        for user in source.users():
            source_id = _check_id("user", user.source_id)
            resource = _resource(source_id, user.resource, USER_RESOURCE.schema.id)
            active = resource.get("active", True) is not False
            yield {
                "run_id": run_id,
                "kind": "user",
                "source_id": source_id,
                "member_id": "",
                "active": active,
                "resource": resource,
            }

    def group_rows() -> Iterator[dict[str, Any]]:
        for group in source.groups():
            source_id = _check_id("group", group.source_id)
            resource = _resource(source_id, group.resource, GROUP_RESOURCE.schema.id)
            resource.pop("members", None)
            yield {
                "run_id": run_id,
                "kind": "group",
                "source_id": source_id,
                "member_id": "",
                "active": None,
                "resource": resource,
            }

    def member_rows() -> Iterator[dict[str, Any]]:
        for group in _staged_groups(engine, run_id):
            seen: set[str] = set()
            for member in source.members(group):
                if not isinstance(member, str) or not member or len(member) > MAX_ID:
                    continue
                if member not in seen:
                    seen.add(member)
                    yield {
                        "run_id": run_id,
                        "kind": "member",
                        "source_id": group.source_id,
                        "member_id": member,
                        "active": None,
                        "resource": None,
                    }

    staged.users = _chunks(engine, user_rows(), "user", fence)
    staged.groups = _chunks(engine, group_rows(), "group", fence)
    staged.members = _chunks(engine, member_rows(), "membership", fence)
    return staged
