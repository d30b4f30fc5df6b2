"""Setup links through their service functions, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from scimbridge import ids
from scimbridge.errors import InvalidRequest, NotFound
from scimbridge.runtime import Runtime
from scimbridge.scim.errors import ScimError
from scimbridge.services import scim, setup_portal
from scimbridge.services import setup_links as service
from scimbridge.services.audit import list_audit_log
from scimbridge.store import unit_of_work
from scimbridge.store.tables import setup_links
from tests.support.runtime import TEST_ACTOR, ManualClock, make_runtime, new_directory


def token_of(link: dict) -> str:
    return str(link["url"].rsplit("/setup/", 1)[1])


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def runtime(engine: Engine, clock: ManualClock) -> Runtime:
    return make_runtime(engine, clock, public_url="https://sync.example.com/")


def resolve(runtime: Runtime, token: str):
    with unit_of_work.read(runtime.engine) as connection:
        return service.resolve_setup_link(connection, token, runtime.clock.now())


class TestCreate:
    def test_url_expiry_and_only_a_hash_stored(self, runtime: Runtime) -> None:
        directory = new_directory(runtime)
        link = service.create_setup_link(runtime, directory["id"], actor=TEST_ACTOR)
        token = token_of(link)
        assert link["url"] == f"https://sync.example.com/setup/{token}"
        assert token.startswith("sbsetup_")
        assert len(token) > 40
        assert link["expires_at"] == "2026-12-08T09:00:00.000Z"  # 7 days by default
        with unit_of_work.read(runtime.engine) as connection:
            rows = list(connection.execute(select(setup_links)))
        assert [row.token_hash for row in rows] == [ids.hash_token(token)]
        assert token not in str([tuple(row) for row in rows])
        listed = service.list_setup_links(runtime, directory["id"])
        assert [(item["id"], item["state"]) for item in listed] == [(link["id"], "active")]
        assert token not in str(listed)

    @pytest.mark.parametrize("days", [0, 31, -1])
    def test_days_out_of_range(self, runtime: Runtime, days: int) -> None:
        directory = new_directory(runtime)
        with pytest.raises(InvalidRequest):
            service.create_setup_link(runtime, directory["id"], days=days, actor=TEST_ACTOR)

    def test_unknown_directory(self, runtime: Runtime) -> None:
        with pytest.raises(NotFound):
            service.create_setup_link(runtime, "directory_nope", actor=TEST_ACTOR)


class TestResolve:
    def test_resolves_to_its_own_directory_only(self, runtime: Runtime) -> None:
        a, b = new_directory(runtime, tenant="a"), new_directory(runtime, tenant="b")
        link_a = service.create_setup_link(runtime, a["id"], actor=TEST_ACTOR)
        service.create_setup_link(runtime, b["id"], actor=TEST_ACTOR)
        link, record = resolve(runtime, token_of(link_a))
        assert (link.id, record.id) == (link_a["id"], a["id"])
        assert service.setup_status(runtime, token_of(link_a))["directory"]["id"] == a["id"]

    @pytest.mark.parametrize("token", ["sbsetup_unknown", "", "scim_x", "sbsetup_" + "A" * 43])
    def test_unknown_token(self, runtime: Runtime, token: str) -> None:
        with pytest.raises(service.SetupLinkNotFound):
            resolve(runtime, token)

    def test_expired(self, runtime: Runtime, clock: ManualClock) -> None:
        directory = new_directory(runtime)
        link = service.create_setup_link(runtime, directory["id"], days=1, actor=TEST_ACTOR)
        clock.advance(hours=23, minutes=59)
        resolve(runtime, token_of(link))
        clock.advance(minutes=1)
        with pytest.raises(service.SetupLinkExpired) as raised:
            resolve(runtime, token_of(link))
        assert raised.value.status == 410
        assert service.list_setup_links(runtime, directory["id"])[0]["state"] == "expired"

    def test_revoked(self, runtime: Runtime) -> None:
        directory = new_directory(runtime)
        link = service.create_setup_link(runtime, directory["id"], actor=TEST_ACTOR)
        revoked = service.revoke_setup_link(runtime, directory["id"], link["id"], actor=TEST_ACTOR)
        assert revoked["state"] == "revoked"
        with pytest.raises(service.SetupLinkRevoked):
            resolve(runtime, token_of(link))
        with pytest.raises(service.SetupLinkRevoked):
            setup_portal.issue_scim_token(runtime, token_of(link), None)

    def test_revoke_needs_the_links_own_directory(self, runtime: Runtime) -> None:
        a, b = new_directory(runtime, tenant="a"), new_directory(runtime, tenant="b")
        link = service.create_setup_link(runtime, a["id"], actor=TEST_ACTOR)
        with pytest.raises(NotFound):
            service.revoke_setup_link(runtime, b["id"], link["id"], actor=TEST_ACTOR)
        resolve(runtime, token_of(link))


class TestIssueScimToken:
    def test_issues_rotates_and_is_audited_as_the_link(self, runtime: Runtime) -> None:
        directory = new_directory(runtime)
        link = service.create_setup_link(runtime, directory["id"], actor=TEST_ACTOR)
        first = setup_portal.issue_scim_token(runtime, token_of(link), "203.0.113.9")
        second = setup_portal.issue_scim_token(runtime, token_of(link), "203.0.113.9")
        assert first["scim_base_url"].endswith(f"/scim/v2/{directory['id']}")

        def works(token: str) -> bool:
            try:
                scim.authorize(runtime, scim.ScimCall(directory["id"], token))
            except ScimError:
                return False
            return True

        assert not works(directory["scim_token"])
        assert not works(first["scim_token"])
        assert works(second["scim_token"])
        entries, _ = list_audit_log(runtime, after=None, limit=10, directory_id=directory["id"])
        rotated = [e for e in entries if e["action"] == "scim_token.rotated"]
        assert [e["actor"] for e in rotated] == [{"kind": "setup_link", "id": link["id"]}] * 2
        assert {e["address"] for e in rotated} == {"203.0.113.9"}
        assert second["scim_token"] not in str(entries)


class TestConnectionStatus:
    def test_waiting_receiving_errors(self, runtime: Runtime, clock: ManualClock) -> None:
        from scimbridge.services.request_recorder import RequestRecorder
        from tests.services.test_request_recorder import captured

        directory = new_directory(runtime)
        token = token_of(service.create_setup_link(runtime, directory["id"], actor=TEST_ACTOR))

        def state() -> str:
            return str(service.setup_status(runtime, token)["connection"]["state"])

        assert state() == "waiting"
        recorder = RequestRecorder(runtime.engine)
        recorder.submit(captured(directory["id"], received_at=clock.now()))
        recorder.flush()
        assert state() == "receiving"
        recorder.submit(captured(directory["id"], received_at=clock.now(), status=401))
        recorder.flush()
        assert state() == "errors"
        clock.advance(hours=1, seconds=1)
        assert state() == "receiving"
