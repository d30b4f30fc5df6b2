"""The run report's wording: explanations of every error kind, the summary line, durations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import get_args

import pytest

from scimbridge.connectors.base import SourceErrorKind
from scimbridge.services.sync_reports import (
    COUNT_LABELS,
    ERROR_EXPLANATIONS,
    counts_summary,
    duration_text,
    explain_error,
    held_summary,
    labelled_counts,
)
from scimbridge.store.tables import SYNC_COUNTS

# What the engine itself records besides the connectors' classification (services/syncs.py,
# store/sync_runs.interrupt_running).
ENGINE_KINDS = ("held", "rejected", "superseded", "interrupted", "internal")
START = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


class TestExplainError:
    @pytest.mark.parametrize("kind", [*get_args(SourceErrorKind), *ENGINE_KINDS])
    def test_every_recorded_kind_has_its_own_explanation(self, kind: str) -> None:
        assert explain_error(kind) == ERROR_EXPLANATIONS[kind]

    def test_no_two_kinds_share_an_explanation(self) -> None:
        assert len(set(ERROR_EXPLANATIONS.values())) == len(ERROR_EXPLANATIONS)

    def test_credentials_say_what_to_check(self) -> None:
        text = explain_error("credentials") or ""
        assert text.startswith("The source refused the credentials: check")

    def test_held_says_nothing_was_changed(self) -> None:
        assert "Nothing was changed" in (explain_error("held") or "")

    def test_no_error_has_no_explanation(self) -> None:
        assert explain_error(None) is None

    def test_an_unknown_kind_is_named_not_hidden(self) -> None:
        assert "'brand_new'" in (explain_error("brand_new") or "")


class TestCountsSummary:
    def test_zeros_are_left_out(self) -> None:
        counts = dict.fromkeys(SYNC_COUNTS, 0) | {"created": 3, "deactivated": 1}
        assert counts_summary(counts) == "3 created · 1 deactivated"

    def test_memberships_and_refusals(self) -> None:
        counts = {"updated": 2, "memberships_added": 3, "memberships_removed": 1, "rejected": 1}
        assert counts_summary(counts) == "2 updated · memberships +3 -1 · 1 refused"

    def test_only_the_membership_side_that_moved(self) -> None:
        assert counts_summary({"memberships_added": 4}) == "memberships +4"
        assert counts_summary({"memberships_removed": 2}) == "memberships -2"

    def test_a_held_run_says_what_it_would_do(self) -> None:
        assert held_summary({"deactivated": 16, "deleted": 0}) == "would deactivate 16"
        assert held_summary({"deleted": 0}).startswith("would remove nobody")

    def test_nothing_changed(self) -> None:
        assert counts_summary(dict.fromkeys(SYNC_COUNTS, 0) | {"seen_users": 9}) == "no changes"


class TestDurationText:
    @pytest.mark.parametrize(
        ("seconds", "text"),
        [
            (0.04, "< 0.1 s"),
            (0.42, "0.4 s"),
            (12.9, "12 s"),
            (184, "3 min 4 s"),
            (7500, "2 h 5 min"),
        ],
    )
    def test_units_grow_with_the_span(self, seconds: float, text: str) -> None:
        assert duration_text(START, START + timedelta(seconds=seconds)) == text

    def test_a_running_run_has_none(self) -> None:
        assert duration_text(START, None) == ""


def test_every_count_has_a_label_in_the_stored_order() -> None:
    assert tuple(COUNT_LABELS) == SYNC_COUNTS
    labelled = labelled_counts({"events": 4, "created": 2})
    assert labelled == [
        {"key": "created", "label": "Users created", "value": 2},
        {"key": "events", "label": "Events written", "value": 4},
    ]
    held = labelled_counts({"deactivated": 16}, held=True)
    assert held == [
        {"key": "deactivated", "label": "Users it would deactivate (held)", "value": 16}
    ]
