"""The console's sync settings form: the interval in minutes, the mass-deletion guard.

The admin API takes ``sync_interval_seconds``; people think of a schedule in minutes, so
the form asks for minutes (decimals allowed, so any stored interval shows exactly) and
says the bounds in minutes. The bounds themselves are the service's
(``services.directories.SYNC_SETTINGS``), checked again there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scimbridge.services.directories import SYNC_SETTINGS

INTERVAL_LOW, INTERVAL_HIGH = SYNC_SETTINGS["sync_interval_seconds"]
MINUTES_LOW, MINUTES_HIGH = INTERVAL_LOW // 60, INTERVAL_HIGH // 60
PERCENT_LOW, PERCENT_HIGH = SYNC_SETTINGS["guard_percent"]
MIN_USERS_LOW, MIN_USERS_HIGH = SYNC_SETTINGS["guard_min_users"]


def minutes(seconds: int) -> str:
    """``1800`` → ``"30"``; ``330`` → ``"5.5"``."""
    return f"{seconds / 60:.2f}".rstrip("0").rstrip(".")


def _whole(text: str, label: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{label} must be a whole number from {low} to {high}") from None
    if not low <= value <= high:
        raise ValueError(f"{label} must be from {low} to {high}")
    return value


def settings_changes(submitted: Mapping[str, str]) -> dict[str, Any]:
    """The PATCH fields of a submitted form; ``ValueError`` names the field and its range.
    An empty field leaves its setting as it is."""
    changes: dict[str, Any] = {}
    text = submitted.get("interval_minutes", "").strip()
    if text:
        try:
            seconds = round(float(text) * 60)
        except (ValueError, OverflowError):  # not a number, nan, inf
            seconds = -1
        if not INTERVAL_LOW <= seconds <= INTERVAL_HIGH:
            raise ValueError(
                f"Sync every: a number of minutes from {MINUTES_LOW} to {MINUTES_HIGH}"
            )
        changes["sync_interval_seconds"] = seconds
    percent = submitted.get("guard_percent", "").strip()
    if percent:
        changes["guard_percent"] = _whole(percent, "Guard percent", PERCENT_LOW, PERCENT_HIGH)
    users = submitted.get("guard_min_users", "").strip()
    if users:
        changes["guard_min_users"] = _whole(
            users, "Guard minimum users", MIN_USERS_LOW, MIN_USERS_HIGH
        )
    return changes
