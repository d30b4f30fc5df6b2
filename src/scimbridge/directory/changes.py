"""Before/after comparison of normalized objects → the fields and event an update reports.

``previous`` holds only the fields that changed, with their old values. Bookkeeping
fields never count as a change (``updated_at``), and a user's ``groups`` do not either:
membership changes have their own ``group.user_added``/``group.user_removed`` events.

A user's lifecycle is explicit (CONTRACT.md, "Events and webhooks"): a change of
``active`` from true to false is ``user.deactivated``, from false to true
``user.reactivated``, whatever else changed in the same request (those fields ride in the
same event's ``previous``, beside ``previous.active``). ``user.updated`` is left for
attribute changes of a user whose ``active`` did not move, so an application that
revokes access on ``user.deactivated`` can never miss a deprovisioning that arrived
together with, say, a rename. It is decided here, on the normalized objects, so every
source (SCIM PATCH or PUT, Entra's string ``"False"``, Bulk, a pull) gets the same event.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scimbridge.directory.models import EventType, PendingEvent

IGNORED_FIELDS = frozenset({"updated_at", "created_at", "groups"})


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """``{field: old value}`` for every field whose value differs; empty when none does."""
    return {
        key: before.get(key)
        for key in before.keys() | after.keys()
        if key not in IGNORED_FIELDS and before.get(key) != after.get(key)
    }


def user_change_type(previous: Mapping[str, Any], after: Mapping[str, Any]) -> EventType:
    """The event type of a user change whose changed fields are ``previous``."""
    if "active" not in previous:
        return "user.updated"
    return "user.reactivated" if after.get("active") is True else "user.deactivated"


def user_change_event(before: Mapping[str, Any], after: Mapping[str, Any]) -> PendingEvent | None:
    """The one event for a user that went from ``before`` to ``after`` (normalized User
    objects), or None when nothing an application sees changed.

    ``data`` is ``after`` (with its ``groups``: on ``user.reactivated`` that is what an
    application restores access from) plus ``previous``.
    """
    previous = changed_fields(before, after)
    if not previous:
        return None
    return PendingEvent(user_change_type(previous, after), {**after, "previous": previous})
