"""Sync run reports as a person reads them: labelled counts, plain explanations, held runs.

The admin API answers a run as data (services/sync_runs.run_object); the console shows
it to an admin who must decide what to do next. This module is that translation, in one
place: what each count means, what each ``error.kind`` means and what to check
(:data:`ERROR_EXPLANATIONS`), and for a run the mass-deletion guard held, the numbers
behind the hold and a sample of the users who would lose access (read from the run's
staged snapshot, which a held run keeps until it is approved or superseded).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from scimbridge.errors import NotFound
from scimbridge.runtime import Runtime
from scimbridge.services.sync_runs import list_runs, run_object
from scimbridge.store import sync_plan, unit_of_work
from scimbridge.store import sync_runs as sync_store

SAMPLE_SIZE = 20

ERROR_EXPLANATIONS: Mapping[str, str] = {
    "credentials": "The source refused the credentials: check the service account key "
    "(Google) or the bind DN and password (LDAP) in the directory's connection, and that "
    "they have not expired or been revoked.",
    "permission": "The source accepted the credentials but refused to list users or groups: "
    "check the account's admin role and the domain-wide delegation scopes (Google) or the "
    "bind account's read rights on the base DN (LDAP).",
    "rate_limited": "The source asked scimbridge to slow down (rate limit). The sync retries "
    "by itself with a growing delay; nothing to do unless it keeps happening.",
    "unreachable": "The source could not be reached (DNS, connection, TLS or timeout): check "
    "the host, port, firewall and certificates. The sync retries by itself.",
    "invalid_config": "The connection settings are incomplete or wrong (a base DN, domain "
    "or customer id that does not exist, a filter the source rejects): fix the connection.",
    "invalid_data": "The source sent data scimbridge cannot use (two users with the same id, "
    "a record without a required value): fix those records at the source.",
    "source_error": "The source answered with an error of its own (a server error). The sync "
    "retries by itself; if it persists, check the source's status.",
    "held": "The mass-deletion guard held this run: applied, it would take access from more "
    "users than the guard allows. Nothing was changed. Check the numbers, then approve the "
    "run, or fix the source and sync again.",
    "rejected": "The run was applied, but some records were refused (a userName another user "
    "already has, say); they are listed below and the rest was applied. Fix them at the source.",
    "superseded": "This run stopped because another worker took the directory over (its lease "
    "expired); whole pages it applied are kept and the newer run carries on.",
    "interrupted": "The process running this sync stopped (a restart or a crash) before it "
    "finished; whole pages it applied are kept and the next run converges.",
    "internal": "The run stopped on an unexpected error inside scimbridge: see the server logs.",
}

COUNT_LABELS: Mapping[str, str] = {
    "seen_users": "Users read from the source",
    "seen_groups": "Groups read from the source",
    "created": "Users created",
    "updated": "Users updated",
    "deactivated": "Users deactivated",
    "reactivated": "Users reactivated",
    "deleted": "Users deleted",
    "groups_created": "Groups created",
    "groups_updated": "Groups updated",
    "groups_deleted": "Groups deleted",
    "memberships_added": "Group memberships added",
    "memberships_removed": "Group memberships removed",
    "rejected": "Records refused",
    "pages_fetched": "Pages fetched from the source",
    "events": "Events written",
}

_HELD_VERBS = (("deactivated", "deactivate"), ("deleted", "delete"))
_SUMMARY = (
    ("created", "created"),
    ("updated", "updated"),
    ("deactivated", "deactivated"),
    ("reactivated", "reactivated"),
    ("deleted", "deleted"),
    ("groups_created", "groups created"),
    ("groups_updated", "groups updated"),
    ("groups_deleted", "groups deleted"),
)


def explain_error(kind: str | None) -> str | None:
    """What an ``error.kind`` means and what to check, in plain words."""
    if kind is None:
        return None
    return ERROR_EXPLANATIONS.get(kind, f"The run ended with an error of kind {kind!r}.")


def counts_summary(counts: Mapping[str, int]) -> str:
    """One line: ``3 created · 1 deactivated · memberships +3 -1`` (zeros left out)."""
    parts = [f"{counts[key]} {label}" for key, label in _SUMMARY if counts.get(key)]
    added, removed = counts.get("memberships_added", 0), counts.get("memberships_removed", 0)
    if added or removed:
        parts.append(
            "memberships "
            + " ".join(f"{sign}{n}" for sign, n in (("+", added), ("-", removed)) if n)
        )
    if counts.get("rejected"):
        parts.append(f"{counts['rejected']} refused")
    return " · ".join(parts) or "no changes"


def duration_text(started: datetime, finished: datetime | None) -> str:
    """``0.4 s``, ``12 s``, ``3 min 4 s``, ``2 h 5 min``; empty while running."""
    if finished is None:
        return ""
    seconds = max((finished - started).total_seconds(), 0.0)
    if seconds < 0.1:
        return "< 0.1 s"
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = int(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"


HELD_LABELS: Mapping[str, str] = {
    "deactivated": "Users it would deactivate (held)",
    "deleted": "Users it would delete (held)",
}
"""A held run's removal counts are the guard's forecast, not something done."""


def labelled_counts(counts: Mapping[str, int], *, held: bool = False) -> list[dict[str, Any]]:
    """The counts a run (or a dry run, which has no ``events``) has, labelled, in order."""
    labels = {**COUNT_LABELS, **HELD_LABELS} if held else COUNT_LABELS
    return [
        {"key": key, "label": labels[key], "value": counts[key]}
        for key in COUNT_LABELS
        if key in counts
    ]


def held_summary(counts: Mapping[str, int]) -> str:
    """A held run's line: what it would do if approved (nothing was done)."""
    parts = [f"would {verb} {counts[key]}" for key, verb in _HELD_VERBS if counts.get(key)]
    return " · ".join(parts) or "would remove nobody (the source answered no users)"


def _listed(run: dict[str, Any]) -> dict[str, Any]:
    """A run object (services/sync_runs.run_object) with its summary line and duration."""
    finished = run["finished_at"]
    return {
        **run,
        "summary": (
            held_summary(run["counts"])
            if run["outcome"] == "held"
            else counts_summary(run["counts"])
        ),
        "duration": duration_text(
            datetime.fromisoformat(run["started_at"]),
            datetime.fromisoformat(finished) if finished else None,
        ),
    }


def runs_page(
    runtime: Runtime, directory_id: str, *, after: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the directory's runs, newest first, each with its summary and duration."""
    data, cursor = list_runs(runtime, directory_id, after=after, limit=limit)
    return [_listed(run) for run in data], cursor


def run_report(runtime: Runtime, directory_id: str, run_id: str) -> dict[str, Any]:
    """One run, whole: labelled counts, the error explained, and for a held run the
    guard's numbers and the first users it would take access from."""
    with unit_of_work.read(runtime.engine) as connection:
        row = sync_store.get_run(connection, directory_id, run_id)
        if row is None:
            raise NotFound(f"sync run {run_id} not found")
        settings = sync_store.directory_settings(connection, directory_id)
        held = _held(connection, row, settings) if row.outcome == "held" else None
    report = _listed(run_object(row))
    report["labelled_counts"] = labelled_counts(report["counts"], held=row.outcome == "held")
    report["explanation"] = explain_error(row.error_kind)
    report["held"] = held
    return report


def _held(connection: Any, row: Any, settings: Any) -> dict[str, Any]:
    """The hold's numbers as ``_hold_if_guarded`` stored them (the forecast removals in
    ``deactivated`` or ``deleted`` per the policy), the directory's current guard, and a
    sample from the staged snapshot."""
    policy = settings.deprovision_policy
    sample = sync_plan.removal_sample(
        connection,
        row.id,
        row.directory_id,
        only_active=policy == "deactivate",
        limit=SAMPLE_SIZE,
    )
    return {
        "removals": int(row.deactivated) + int(row.deleted),
        "directory_users": row.directory_users,
        "guard_percent": settings.guard_percent,
        "guard_min_users": settings.guard_min_users,
        "policy": policy,
        "changed_since": row.held_sequence != settings.last_sequence,
        "sample": [
            {
                "id": user.id,
                "user_name": user.user_name,
                "name": user.display_name
                or " ".join(n for n in (user.given_name, user.family_name) if n),
                "gone": user.gone,
            }
            for user in sample
        ],
    }
