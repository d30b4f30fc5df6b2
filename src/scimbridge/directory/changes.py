"""Before/after comparison of normalized objects → the fields an update event reports.

``previous`` holds only the fields that changed, with their old values. Bookkeeping
fields never count as a change (``updated_at``), and a user's ``groups`` do not either:
membership changes have their own ``group.user_added``/``group.user_removed`` events.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

IGNORED_FIELDS = frozenset({"updated_at", "created_at", "groups"})


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """``{field: old value}`` for every field whose value differs; empty when none does."""
    return {
        key: before.get(key)
        for key in before.keys() | after.keys()
        if key not in IGNORED_FIELDS and before.get(key) != after.get(key)
    }
