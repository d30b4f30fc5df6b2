"""PATCH operations on a Group's ``members`` (RFC 7644 §3.5.2, the Group examples).

A group can have 100,000 members, so they are not part of the stored resource: each
operation on ``members`` becomes a :class:`MemberOp` that the write path applies to the
membership table. Split from ``patch`` so the operation engine stays about resources.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from scimbridge.scim.errors import invalid_filter, invalid_path, invalid_value
from scimbridge.scim.filter.ast import Compare, Filter, Or
from scimbridge.scim.patch_elements import OpName, as_list
from scimbridge.scim.paths import PatchPath

MemberKind = Literal["add", "remove", "replace", "remove_all"]


@dataclass(frozen=True, slots=True)
class MemberOp:
    """A change to a Group's membership; ``values`` are member (user) ids."""

    kind: MemberKind
    values: tuple[str, ...] = ()


def member_op(op: OpName, path: PatchPath, value: Any) -> MemberOp | None:
    """The membership change one operation on ``members`` asks for; None for no change."""
    if path.sub_attr is not None:
        raise invalid_path("members sub-attributes cannot be patched; add or remove members")
    if path.value_filter is not None:
        if op != "remove":
            raise invalid_path("members[…] paths are supported for remove only")
        return MemberOp("remove", _member_ids_from_filter(path.value_filter))
    if op == "remove" and value is None:
        return MemberOp("remove_all")
    if op == "remove":
        # Entra ID: {"op": "Remove", "path": "members", "value": [{"value": id}]}
        # (Microsoft Learn, "Develop and plan provisioning for a SCIM endpoint").
        return MemberOp("remove", _member_ids(value))
    if op == "replace":
        return MemberOp("replace", _member_ids(value))
    ids = _member_ids(value) if value is not None else ()
    return MemberOp("add", ids) if ids else None


def _member_ids(value: Any) -> tuple[str, ...]:
    """Member ids from ``[{"value": id}, …]``, in order, without repeats."""
    ids: list[str] = []
    for item in as_list(value):
        member = item.get("value") if isinstance(item, Mapping) else None
        if not isinstance(member, str) or not member.strip():
            raise invalid_value('each member needs a non-empty string "value" with its id')
        ids.append(member)
    return tuple(dict.fromkeys(ids))


def _member_ids_from_filter(node: Filter) -> tuple[str, ...]:
    """``members[value eq "a"]`` and ``members[value eq "a" or value eq "b"]``."""
    if isinstance(node, Or):
        return tuple(
            dict.fromkeys(_member_ids_from_filter(node.left) + _member_ids_from_filter(node.right))
        )
    if (
        isinstance(node, Compare)
        and node.op == "eq"
        and node.path.uri is None
        and node.path.sub_attr is None
        and node.path.attr.casefold() == "value"
        and isinstance(node.value, str)
    ):
        return (node.value,)
    raise invalid_filter(
        'members can be selected by value only: members[value eq "id"], joined by "or"'
    )


__all__ = ["MemberKind", "MemberOp", "member_op"]
