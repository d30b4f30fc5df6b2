"""The sync settings form: minutes in, seconds out, and each bound named in minutes."""

from __future__ import annotations

import pytest

from scimbridge.web.console.sync_settings import minutes, settings_changes


def test_minutes_become_seconds_and_empty_fields_change_nothing() -> None:
    assert settings_changes({"interval_minutes": "45", "guard_percent": "20"}) == {
        "sync_interval_seconds": 2700,
        "guard_percent": 20,
    }
    assert settings_changes({"interval_minutes": "5.5", "guard_min_users": "0"}) == {
        "sync_interval_seconds": 330,
        "guard_min_users": 0,
    }
    assert settings_changes({"interval_minutes": " ", "guard_percent": ""}) == {}


@pytest.mark.parametrize(
    ("submitted", "message"),
    [
        ({"interval_minutes": "4"}, "from 5 to 10080"),
        ({"interval_minutes": "nan"}, "from 5 to 10080"),
        ({"interval_minutes": "soon"}, "from 5 to 10080"),
        ({"guard_percent": "101"}, "Guard percent must be from 0 to 100"),
        ({"guard_min_users": "1.5"}, "Guard minimum users must be a whole number"),
    ],
)
def test_out_of_range_values_name_the_field(submitted: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        settings_changes(submitted)


def test_a_stored_interval_shows_in_minutes_exactly() -> None:
    assert minutes(1800) == "30"
    assert minutes(330) == "5.5"
    assert minutes(301) == "5.02"
