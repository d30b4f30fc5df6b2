"""SCIM operations: authenticate, run one transaction, render the answer.

Each function is synchronous (it runs in a worker thread) and does everything for one
request inside one transaction: the bearer token is checked against the directory in
the URL, the command or query runs, and the response body is rendered from the same
snapshot. Writes go through ``directory.commands`` so their events commit with them.
"""

from __future__ import annotations

import dataclasses
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import ColumnElement, Connection, Table

from scimbridge.directory import commands
from scimbridge.directory.models import GroupRecord, UserRecord
from scimbridge.ids import hash_token
from scimbridge.observability import metrics
from scimbridge.runtime import Runtime
from scimbridge.scim import etags, listing, projection
from scimbridge.scim.errors import ScimError, not_found
from scimbridge.scim.filter.parser import parse_filter
from scimbridge.scim.patch import apply_patch
from scimbridge.scim.schemas import GROUP_RESOURCE, USER_RESOURCE, ResourceType
from scimbridge.services.scim_render import render_group, render_user
from scimbridge.store import directories as directory_store
from scimbridge.store import filter_sql, scim_queries, sort_sql, unit_of_work
from scimbridge.store.resources import SqlDirectoryStore
from scimbridge.store.tables import PULL_PROVIDERS
from scimbridge.store.tables import groups as groups_table
from scimbridge.store.tables import users as users_table

UNAUTHORIZED_DETAIL = "missing or invalid bearer token for this directory"
INACTIVE_DETAIL = (
    "this directory is inactive: an administrator of the application must activate it "
    "before it accepts SCIM requests"
)
PULL_WRITE_DETAIL = (
    "this directory is synced from its {provider} source, which scimbridge reads: it "
    "accepts no SCIM writes (change users and groups in the source)"
)


@dataclass(frozen=True)
class ScimCall:
    """What a SCIM route hands over: who calls, on which directory, with which options."""

    directory_id: str
    token: str | None
    query: Mapping[str, str] = field(default_factory=dict)
    if_match: str | None = None
    if_none_match: str | None = None


@dataclass(frozen=True)
class ScimAnswer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


def authenticate(connection: Connection, call: ScimCall, *, write: bool = False) -> None:
    """The token must belong to the directory in the URL, and the directory must take it.

    Unknown directory, unknown token and another directory's token all answer the same
    401 body, so directory ids cannot be probed (RELIABILITY.md §6.1). A rightful caller
    is then refused with 403, "operation is not permitted based on the supplied
    authorization" (RFC 7644 §3.12), when the directory is ``inactive`` (an admin switched
    it off: every SCIM request stops, reads included), or when it is a write to a pull
    directory: its users come from its source (Google, LDAP, CSV), and a pushed change
    would be undone, or the pushed user de-provisioned, by the next sync.
    """
    if not call.token:
        raise ScimError(401, UNAUTHORIZED_DETAIL)
    owner = directory_store.directory_for_token_hash(connection, hash_token(call.token))
    if owner is None or not hmac.compare_digest(owner.directory_id, call.directory_id):
        raise ScimError(401, UNAUTHORIZED_DETAIL)
    if owner.state == "inactive":
        raise ScimError(403, INACTIVE_DETAIL)
    if write and owner.provider in PULL_PROVIDERS:
        raise ScimError(403, PULL_WRITE_DETAIL.format(provider=owner.provider))


def authorize(runtime: Runtime, call: ScimCall, *, write: bool = False) -> None:
    with unit_of_work.read(runtime.engine) as connection:
        authenticate(connection, call, write=write)


# --------------------------------------------------------------------------- rendering


def _attribute_lists(call: ScimCall) -> tuple[list[str], list[str]]:
    return (
        projection.parse_attribute_list(call.query.get("attributes")),
        projection.parse_attribute_list(call.query.get("excludedAttributes")),
    )


def _wants(
    resource_type: ResourceType, name: str, attributes: Sequence[str], excluded: Sequence[str]
) -> bool:
    return projection.is_requested(resource_type, name, attributes or None, excluded or None)


def _user_resources(
    runtime: Runtime,
    connection: Connection,
    call: ScimCall,
    records: Sequence[UserRecord],
    attributes: Sequence[str],
    excluded: Sequence[str],
    store: SqlDirectoryStore | None = None,
) -> list[dict[str, Any]]:
    """``store``: the transaction's store, when it has read these users' groups already."""
    base = runtime.scim_base_url(call.directory_id)
    groups = None
    if _wants(USER_RESOURCE, "groups", attributes, excluded):
        store = store or SqlDirectoryStore(connection, runtime.clock.now())
        groups = store.groups_of_users(call.directory_id, [r.id for r in records])
    return [
        projection.project(
            USER_RESOURCE,
            render_user(r, groups.get(r.id, []) if groups is not None else None, base),
            attributes or None,
            excluded or None,
        )
        for r in records
    ]


def _group_resources(
    runtime: Runtime,
    connection: Connection,
    call: ScimCall,
    records: Sequence[GroupRecord],
    attributes: Sequence[str],
    excluded: Sequence[str],
) -> list[dict[str, Any]]:
    base = runtime.scim_base_url(call.directory_id)
    members = None
    if _wants(GROUP_RESOURCE, "members", attributes, excluded):
        members = scim_queries.members_of_groups(
            connection, call.directory_id, [r.id for r in records]
        )
    return [
        projection.project(
            GROUP_RESOURCE,
            render_group(r, members.get(r.id, []) if members is not None else None, base),
            attributes or None,
            excluded or None,
        )
        for r in records
    ]


def _render_one(
    runtime: Runtime,
    connection: Connection,
    call: ScimCall,
    record: UserRecord | GroupRecord,
    status: int,
    store: SqlDirectoryStore | None = None,
) -> ScimAnswer:
    attributes, excluded = _attribute_lists(call)
    if isinstance(record, UserRecord):
        body = _user_resources(runtime, connection, call, [record], attributes, excluded, store)[0]
        location = f"{runtime.scim_base_url(call.directory_id)}/Users/{record.id}"
    else:
        body = _group_resources(runtime, connection, call, [record], attributes, excluded)[0]
        location = f"{runtime.scim_base_url(call.directory_id)}/Groups/{record.id}"
    headers = {"ETag": etags.weak_etag(record.version), "Location": location}
    return ScimAnswer(status, body, headers)


# --------------------------------------------------------------------------- reads


def get_resource(
    runtime: Runtime, call: ScimCall, resource_type: ResourceType, resource_id: str
) -> ScimAnswer:
    with unit_of_work.read(runtime.engine) as connection:
        authenticate(connection, call)
        store = SqlDirectoryStore(connection, runtime.clock.now())
        record: UserRecord | GroupRecord | None
        if resource_type is USER_RESOURCE:
            record = store.get_user(call.directory_id, resource_id)
        else:
            record = store.get_group(call.directory_id, resource_id)
        if record is None:
            raise not_found(f"{resource_type.name} {resource_id} not found")
        etag = etags.weak_etag(record.version)
        if call.if_none_match and etags.if_none_match_satisfied(call.if_none_match, etag):
            return ScimAnswer(304, None, {"ETag": etag})
        return _render_one(runtime, connection, call, record, 200)


def list_resources(
    runtime: Runtime,
    call: ScimCall,
    resource_type: ResourceType,
    params: listing.ListParams | None = None,
) -> ScimAnswer:
    """GET on a resource endpoint (``params`` from the query) or its ``.search`` (given)."""
    with unit_of_work.read(runtime.engine) as connection:
        authenticate(connection, call)
        params = clamp_params(runtime, params) if params else list_params(runtime, call.query)
        node = parse_filter(params.filter) if params.filter else None
        offset = params.start_index - 1
        table = groups_table if resource_type is GROUP_RESOURCE else users_table
        lookup = None if params.sort_by else filter_sql.key_lookup(resource_type, node)
        records: Sequence[UserRecord | GroupRecord]
        if lookup is not None:
            where = lookup.column == lookup.value
            records = scim_queries.find_by_key(
                connection, call.directory_id, lookup, offset, params.count
            )
        else:
            where = filter_sql.compile_filter(
                resource_type, node, connection.dialect.name, call.directory_id
            )
            records = _filtered_page(
                connection, call.directory_id, resource_type, table, params, where, offset
            )
        resources = _render_page(runtime, connection, call, resource_type, records, params)
        total = listing.total_from_page(offset, params.count, len(records))
        if total is None:
            total = scim_queries.count_rows(connection, table, call.directory_id, where)
    return ScimAnswer(200, listing.list_response(resources, total, params.start_index))


def _filtered_page(
    connection: Connection,
    directory_id: str,
    resource_type: ResourceType,
    table: Table,
    params: listing.ListParams,
    where: ColumnElement[bool],
    offset: int,
) -> Sequence[UserRecord | GroupRecord]:
    dialect = connection.dialect.name
    order = (
        sort_sql.sort_column(
            resource_type, listing.sort_path(params.sort_by), dialect, directory_id
        )
        if params.sort_by
        else None
    )
    descending = params.sort_order == "descending"
    return scim_queries.list_page(
        connection, table, directory_id, where, order, descending, offset, params.count
    )


def _render_page(
    runtime: Runtime,
    connection: Connection,
    call: ScimCall,
    resource_type: ResourceType,
    records: Sequence[UserRecord | GroupRecord],
    params: listing.ListParams,
) -> list[dict[str, Any]]:
    attributes, excluded = params.attributes, params.excluded_attributes
    if resource_type is GROUP_RESOURCE:  # the records came from the groups table
        groups = cast(Sequence[GroupRecord], records)
        return _group_resources(runtime, connection, call, groups, attributes, excluded)
    users = cast(Sequence[UserRecord], records)
    return _user_resources(runtime, connection, call, users, attributes, excluded)


def is_bounded_listing(resource_type: ResourceType, filter_text: str | None) -> bool:
    """A list of Users by a unique key (an IdP's existence probe) reads one row or none.

    Groups are never bounded: each carries its members. A filter that does not parse is
    bounded too: the request ends at the parse error.
    """
    if resource_type is not USER_RESOURCE or not filter_text:
        return False
    try:
        return filter_sql.is_unique_lookup(resource_type, parse_filter(filter_text))
    except ScimError:
        return True


# A Group PATCH naming at most this many members is bounded work (each change is one
# membership row and one event, ~0.2 ms): Okta and Entra send membership in such batches.
BOUNDED_MEMBER_CHANGES = 100
_STAND_IN_GROUP = {"schemas": [GROUP_RESOURCE.schema.id], "displayName": "-"}


def is_bounded_patch(resource_type: ResourceType, body: Any, query: Mapping[str, str]) -> bool:
    """Whether a PATCH touches a bounded number of rows (see ``store.calls``).

    A User PATCH changes one row. A Group PATCH is bounded when it only adds or removes
    named members, not too many, and answers 204: replacing or clearing ``members``
    reads the whole membership, and ``attributes`` asks for the whole group back. The
    operations are read with the PATCH engine itself (against a stand-in group: member
    changes do not depend on the stored attributes), so this cannot drift from what the
    PATCH will do.
    """
    if resource_type is USER_RESOURCE:
        return True
    if "attributes" in query:
        return False
    try:
        member_ops = apply_patch(GROUP_RESOURCE, _STAND_IN_GROUP, body).member_ops
    except ScimError:
        return False
    named = 0
    for op in member_ops:
        if op.kind not in ("add", "remove"):
            return False
        named += len(op.values)
    return named <= BOUNDED_MEMBER_CHANGES


def is_bounded_create(resource_type: ResourceType, body: Any) -> bool:
    """A User, or a Group with at most :data:`BOUNDED_MEMBER_CHANGES` members."""
    if resource_type is USER_RESOURCE or not isinstance(body, Mapping):
        return True
    members = next((v for k, v in body.items() if str(k).casefold() == "members"), None)
    return not isinstance(members, list) or len(members) <= BOUNDED_MEMBER_CHANGES


def replace_params(params: listing.ListParams, **changes: Any) -> listing.ListParams:
    return dataclasses.replace(params, **changes)


def clamp_params(runtime: Runtime, params: listing.ListParams) -> listing.ListParams:
    """Apply the server's page cap to a ``.search`` body (RFC 7644 §3.4.2.4)."""
    return replace_params(params, count=min(params.count, runtime.settings.scim_max_count))


def list_params(runtime: Runtime, query: Mapping[str, str]) -> listing.ListParams:
    settings = runtime.settings
    return listing.parse_list_params(
        query, default_count=settings.scim_default_count, max_count=settings.scim_max_count
    )


# --------------------------------------------------------------------------- writes


def _write(runtime: Runtime, call: ScimCall, action: Any) -> ScimAnswer:
    """Authenticate and run ``action(writer)`` in one write transaction with its events."""
    with unit_of_work.write(runtime.engine) as connection:
        authenticate(connection, call, write=True)
        now = runtime.clock.now()
        store = SqlDirectoryStore(connection, now)
        writer = commands.open_writer(store, call.directory_id, now)
        record, status = action(writer)
        written = [event.type for event in writer.events]
        emitted = writer.flush()
        if record is None:
            answer = ScimAnswer(204, None)
        elif status == 204:
            answer = ScimAnswer(204, None, {"ETag": etags.weak_etag(record.version)})
        else:
            answer = _render_one(runtime, connection, call, record, status, store)
    if emitted:
        runtime.signal.notify(call.directory_id)
        metrics.record_events(writer.directory.provider, written)  # committed: count them
    return answer


def create(runtime: Runtime, call: ScimCall, resource_type: ResourceType, body: Any) -> ScimAnswer:
    create_fn = commands.create_user if resource_type is USER_RESOURCE else commands.create_group
    return _write(runtime, call, lambda writer: (create_fn(writer, body), 201))


def replace(
    runtime: Runtime, call: ScimCall, resource_type: ResourceType, resource_id: str, body: Any
) -> ScimAnswer:
    replace_fn = commands.replace_user if resource_type is USER_RESOURCE else commands.replace_group
    return _write(runtime, call, lambda w: (replace_fn(w, resource_id, body, call.if_match), 200))


def patch(
    runtime: Runtime, call: ScimCall, resource_type: ResourceType, resource_id: str, body: Any
) -> ScimAnswer:
    """PATCH; a Group answers 204 unless the client asks for ``attributes``.

    RFC 7644 §3.5.2 allows 204 No Content for a successful PATCH and requires 200 with
    the resource only when ``attributes`` is given. A group's representation carries
    every member, so answering a one-member change on a 20,000-member group with the
    whole group would make each change cost as much as the group is large; Okta's Group
    Push reference shows 204 for these calls.
    """
    patch_fn = commands.patch_user if resource_type is USER_RESOURCE else commands.patch_group
    with_body = resource_type is USER_RESOURCE or "attributes" in call.query
    status = 200 if with_body else 204
    return _write(runtime, call, lambda w: (patch_fn(w, resource_id, body, call.if_match), status))


def delete(
    runtime: Runtime, call: ScimCall, resource_type: ResourceType, resource_id: str
) -> ScimAnswer:
    delete_fn = commands.delete_user if resource_type is USER_RESOURCE else commands.delete_group

    def action(writer: commands.Writer) -> tuple[None, int]:
        delete_fn(writer, resource_id, call.if_match)
        return None, 204

    return _write(runtime, call, action)
