"""The setup portal's abuse limits through the service, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import Engine

from scimbridge.errors import TooManyRequests
from scimbridge.runtime import Runtime
from scimbridge.services import directories, setup_links, setup_portal
from tests.support.runtime import TEST_ACTOR, ManualClock, make_runtime, new_directory


def new_token(runtime: Runtime, directory_id: str) -> str:
    link = setup_links.create_setup_link(runtime, directory_id, actor=TEST_ACTOR)
    return str(link["url"]).rsplit("/setup/", 1)[1]


def look_up(runtime: Runtime, address: str, token: str) -> Any:
    with setup_portal.lookup_guard(runtime, address):
        return setup_portal.portal_link(runtime, token)


class TestTokenIssues:
    def test_a_link_issues_at_most_n_an_hour(self, engine: Engine) -> None:
        clock = ManualClock()
        runtime = make_runtime(engine, clock, portal_token_issues_per_hour=2)
        directory = new_directory(runtime)["id"]
        token = new_token(runtime, directory)
        first = setup_portal.issue_scim_token(runtime, token, "198.51.100.7")
        clock.advance(minutes=20)
        setup_portal.issue_scim_token(runtime, token, "198.51.100.7")
        clock.advance(minutes=10)
        with pytest.raises(TooManyRequests) as refused:
            setup_portal.issue_scim_token(runtime, token, "198.51.100.7")
        assert refused.value.retry_after == 30 * 60  # when the first issue leaves the hour
        assert "try again in 30 minutes" in refused.value.message
        assert refused.value.code == "too_many_requests"
        clock.advance(minutes=30)
        third = setup_portal.issue_scim_token(runtime, token, "198.51.100.7")
        assert third["scim_token"] != first["scim_token"]

    def test_the_allowance_is_per_link_and_admin_rotations_do_not_count(
        self, engine: Engine
    ) -> None:
        runtime = make_runtime(engine, portal_token_issues_per_hour=1)
        directory = new_directory(runtime)["id"]
        one, other = new_token(runtime, directory), new_token(runtime, directory)
        directories.rotate_scim_token(runtime, directory, actor=TEST_ACTOR)
        setup_portal.issue_scim_token(runtime, one, None)
        with pytest.raises(TooManyRequests):
            setup_portal.issue_scim_token(runtime, one, None)
        setup_portal.issue_scim_token(runtime, other, None)

    def test_zero_switches_the_limit_off(self, engine: Engine) -> None:
        runtime = make_runtime(engine, portal_token_issues_per_hour=0)
        token = new_token(runtime, new_directory(runtime)["id"])
        for _ in range(8):
            setup_portal.issue_scim_token(runtime, token, None)

    def test_concurrent_issues_never_exceed_the_limit(self, engine: Engine) -> None:
        """The count and the rotation share a transaction under the link's row lock."""
        runtime = make_runtime(engine, portal_token_issues_per_hour=3)
        token = new_token(runtime, new_directory(runtime)["id"])
        start = threading.Barrier(8)
        outcomes: list[str] = []

        def issue() -> None:
            start.wait()
            try:
                setup_portal.issue_scim_token(runtime, token, None)
                outcomes.append("issued")
            except TooManyRequests:
                outcomes.append("refused")

        threads = [threading.Thread(target=issue) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["issued"] * 3 + ["refused"] * 5


class TestFailedLookups:
    def test_an_address_is_refused_after_n_unusable_links(self, engine: Engine) -> None:
        clock = ManualClock()
        runtime = make_runtime(engine, clock, portal_failed_lookups_per_minute=2)
        good = new_token(runtime, new_directory(runtime)["id"])
        for _ in range(5):  # good lookups never count
            look_up(runtime, "203.0.113.9", good)
        for guess in ("sbsetup_a", "sbsetup_b"):
            with pytest.raises(setup_links.SetupLinkNotFound):
                look_up(runtime, "203.0.113.9", guess)
        clock.advance(seconds=15)
        with pytest.raises(setup_portal.TooManyAttempts) as refused:
            look_up(runtime, "203.0.113.9", good)  # good links too: no oracle for probers
        assert refused.value.status == 429
        assert refused.value.retry_after == 45
        assert look_up(runtime, "203.0.113.10", good).id  # another address is not affected
        clock.advance(seconds=45)
        assert look_up(runtime, "203.0.113.9", good).id

    def test_expired_and_revoked_links_count(self, engine: Engine) -> None:
        clock = ManualClock()
        runtime = make_runtime(engine, clock, portal_failed_lookups_per_minute=2)
        directory = new_directory(runtime)["id"]
        revoked = setup_links.create_setup_link(runtime, directory, actor=TEST_ACTOR)
        setup_links.revoke_setup_link(runtime, directory, revoked["id"], actor=TEST_ACTOR)
        expired = new_token(runtime, directory)
        clock.advance(days=8)
        with pytest.raises(setup_links.SetupLinkRevoked):
            look_up(runtime, "a", str(revoked["url"]).rsplit("/setup/", 1)[1])
        with pytest.raises(setup_links.SetupLinkExpired):
            look_up(runtime, "a", expired)
        with pytest.raises(setup_portal.TooManyAttempts):
            look_up(runtime, "a", "sbsetup_c")

    def test_zero_switches_the_limit_off(self, engine: Engine) -> None:
        runtime = make_runtime(engine, portal_failed_lookups_per_minute=0)
        for _ in range(30):
            with pytest.raises(setup_links.SetupLinkNotFound):
                look_up(runtime, "a", "sbsetup_x")
