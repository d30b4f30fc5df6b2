"""The single write path: create, replace, patch and delete users and groups.

SCIM routes and pull connectors (Google, LDAP, CSV) both end here, so every source gets
the same validation, the same uniqueness rules and the same events. A :class:`Writer`
spans one database transaction: it locks the directory row first (writers to one
directory are serialised, which keeps uniqueness checks and the gap-free event sequence
exact), collects events as it goes, and hands them to the store at :meth:`Writer.flush`,
inside the same transaction as the change. If anything raises, the caller's transaction
rolls back and neither the change nor its events exist.
"""

from __future__ import annotations

from scimbridge.directory.group_commands import (
    create_group,
    delete_group,
    patch_group,
    replace_group,
)
from scimbridge.directory.user_commands import create_user, delete_user, patch_user, replace_user
from scimbridge.directory.writer import Writer, open_writer, prepare_resource

__all__ = [
    "Writer",
    "create_group",
    "create_user",
    "delete_group",
    "delete_user",
    "open_writer",
    "patch_group",
    "patch_user",
    "prepare_resource",
    "replace_group",
    "replace_user",
]
