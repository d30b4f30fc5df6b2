"""The event a user change gets, decided on the normalized objects (pure, no database)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scimbridge.directory.changes import changed_fields, user_change_event


def app_user(**overrides: Any) -> dict[str, Any]:
    """A normalized User object as ``normalize.user_object`` renders it."""
    user: dict[str, Any] = {
        "id": "user_01",
        "directory_id": "directory_01",
        "tenant": "acme",
        "idp_id": "ext-1",
        "username": "ada@example.com",
        "emails": [{"value": "ada@example.com", "type": "work", "primary": True}],
        "first_name": "Ada",
        "last_name": "Lovelace",
        "display_name": "Ada Lovelace",
        "active": True,
        "groups": [{"id": "group_01", "name": "Engineering"}],
        "custom_attributes": {},
        "raw_attributes": {"userName": "ada@example.com", "active": True},
        "created_at": "2026-12-01T00:00:00Z",
        "updated_at": "2026-12-01T00:00:00Z",
    }
    user.update(overrides)
    return user


def test_deactivation_is_user_deactivated_with_previous_active() -> None:
    event = user_change_event(app_user(), app_user(active=False))
    assert event is not None
    assert event.type == "user.deactivated"
    assert event.data["active"] is False
    assert event.data["previous"] == {"active": True}


def test_reactivation_is_user_reactivated_with_current_groups() -> None:
    before = app_user(active=False)
    after = app_user(active=True)
    event = user_change_event(before, after)
    assert event is not None
    assert event.type == "user.reactivated"
    assert event.data["previous"] == {"active": False}
    assert event.data["groups"] == [{"id": "group_01", "name": "Engineering"}]


def test_other_fields_changed_with_active_ride_in_the_lifecycle_event() -> None:
    """Okta/OneLogin send a rename and the deactivation in one request: one event."""
    after = app_user(active=False, last_name="Byron", display_name="Ada Byron")
    event = user_change_event(app_user(), after)
    assert event is not None
    assert event.type == "user.deactivated"
    assert event.data["previous"] == {
        "active": True,
        "last_name": "Lovelace",
        "display_name": "Ada Lovelace",
    }
    assert event.data["last_name"] == "Byron"


def test_attribute_change_of_an_active_user_is_user_updated() -> None:
    event = user_change_event(app_user(), app_user(first_name="Augusta"))
    assert event is not None
    assert event.type == "user.updated"
    assert event.data["previous"] == {"first_name": "Ada"}


def test_attribute_change_of_an_inactive_user_is_user_updated() -> None:
    """``active`` stayed false: nothing about access changed, so not a lifecycle event."""
    event = user_change_event(app_user(active=False), app_user(active=False, first_name="A."))
    assert event is not None
    assert event.type == "user.updated"
    assert "active" not in event.data["previous"]


@pytest.mark.parametrize(
    "after",
    [
        app_user(),
        app_user(updated_at="2026-12-02T00:00:00Z"),
        app_user(groups=[]),
    ],
    ids=["identical", "bookkeeping-only", "groups-only"],
)
def test_a_change_nothing_sees_emits_nothing(after: dict[str, Any]) -> None:
    assert user_change_event(app_user(), after) is None


fields = st.fixed_dictionaries(
    {
        "active": st.booleans(),
        "first_name": st.sampled_from(["Ada", "Augusta", None]),
        "title": st.sampled_from(["Countess", "Analyst"]),
    }
)


@given(before=fields, after=fields)
def test_the_type_follows_the_active_transition_alone(
    before: dict[str, Any], after: dict[str, Any]
) -> None:
    event = user_change_event(app_user(**before), app_user(**after))
    if before == after:
        assert event is None
        return
    assert event is not None
    expected = {
        (True, False): "user.deactivated",
        (False, True): "user.reactivated",
    }.get((before["active"], after["active"]), "user.updated")
    assert event.type == expected
    assert event.data["previous"] == changed_fields(app_user(**before), app_user(**after))
    assert ("active" in event.data["previous"]) == (expected != "user.updated")
