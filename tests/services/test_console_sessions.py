"""Console sessions through the service, on SQLite and PostgreSQL, with a moved clock."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from scimbridge.bootstrap import reset_admin_token
from scimbridge.errors import Unauthorized
from scimbridge.ids import hash_token
from scimbridge.runtime import Runtime
from scimbridge.services import console_sessions as service
from scimbridge.services.audit import cli_actor, list_audit_log
from scimbridge.store import unit_of_work
from scimbridge.store.tables import admin_sessions
from tests.conftest import ADMIN_TOKEN
from tests.support.runtime import ManualClock, make_runtime


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def runtime(engine: Engine, clock: ManualClock) -> Runtime:
    return make_runtime(engine, clock)


def test_a_session_is_stored_as_a_hash_and_audited(runtime: Runtime) -> None:
    session = service.sign_in(runtime, ADMIN_TOKEN, "10.0.0.7")
    with unit_of_work.read(runtime.engine) as connection:
        stored = connection.execute(select(admin_sessions.c.id_hash)).scalars().all()
    assert stored == [hash_token(session.value)]
    assert service.resolve(runtime, session.value, None) is not None
    entries, _ = list_audit_log(runtime, after=None, limit=10, directory_id=None)
    assert [(e["action"], e["actor"]["kind"], e["address"]) for e in entries] == [
        ("console.signed_in", "session", "10.0.0.7")
    ]
    assert session.value not in str(entries)


def test_a_wrong_token_gets_no_session(runtime: Runtime) -> None:
    with pytest.raises(Unauthorized):
        service.sign_in(runtime, "sbadm_wrong", None)
    assert service.resolve(runtime, "made-up", None) is None
    assert service.resolve(runtime, None, None) is None


def test_a_session_ends_when_it_expires(runtime: Runtime, clock: ManualClock) -> None:
    session = service.sign_in(runtime, ADMIN_TOKEN, None)
    clock.advance(hours=11, minutes=59)
    assert service.resolve(runtime, session.value, None) is not None
    clock.advance(minutes=1)
    assert service.resolve(runtime, session.value, None) is None


def test_a_reset_of_the_admin_token_ends_every_session(engine: Engine) -> None:
    token = reset_admin_token(engine, actor=cli_actor())
    runtime = make_runtime(engine, admin_token=None)
    first = service.sign_in(runtime, token, None)
    second = service.sign_in(runtime, token, None)
    reset_admin_token(engine, actor=cli_actor())
    assert service.resolve(runtime, first.value, None) is None
    assert service.resolve(runtime, second.value, None) is None
    with pytest.raises(Unauthorized):
        service.sign_in(runtime, token, None)


def test_sign_out_deletes_the_row(runtime: Runtime) -> None:
    session = service.sign_in(runtime, ADMIN_TOKEN, None)
    service.sign_out(runtime, session)
    assert service.resolve(runtime, session.value, None) is None


def test_the_csrf_token_belongs_to_one_session(runtime: Runtime) -> None:
    one = service.sign_in(runtime, ADMIN_TOKEN, None)
    other = service.sign_in(runtime, ADMIN_TOKEN, None)
    assert service.csrf_matches(one, one.csrf_token)
    assert not service.csrf_matches(one, other.csrf_token)
    assert not service.csrf_matches(one, None)
    assert not service.csrf_matches(one, "")
