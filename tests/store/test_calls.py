"""Where database calls run (store.calls) and which SCIM requests count as bounded."""

from __future__ import annotations

import asyncio
import threading

import pytest

from scimbridge.scim.filter.parser import parse_filter
from scimbridge.scim.schemas import GROUP_RESOURCE, USER_RESOURCE
from scimbridge.services.scim import is_bounded_create, is_bounded_listing, is_bounded_patch
from scimbridge.store import calls
from scimbridge.store.engine import create_db_engine
from scimbridge.store.filter_sql import is_unique_lookup


def _thread_of_call(inline: bool) -> tuple[threading.Thread, threading.Thread]:
    async def main() -> tuple[threading.Thread, threading.Thread]:
        here = threading.current_thread()
        there = await calls.run(inline, threading.current_thread)
        return here, there

    return asyncio.run(main())


def test_inline_calls_run_on_the_event_loop_thread() -> None:
    here, there = _thread_of_call(inline=True)
    assert there is here


def test_other_calls_run_in_a_worker_thread() -> None:
    here, there = _thread_of_call(inline=False)
    assert there is not here


def test_arguments_reach_the_call_either_way() -> None:
    def combine(a: int, b: int, *, c: int) -> int:
        return a * 100 + b * 10 + c

    for inline in (True, False):
        assert asyncio.run(calls.run(inline, combine, 1, 2, c=3)) == 123


def test_only_sqlite_runs_inline(tmp_path) -> None:
    sqlite = create_db_engine(f"sqlite:///{tmp_path / 'x.db'}")
    postgres = create_db_engine("postgresql://u:p@127.0.0.1:1/none")  # never connected
    try:
        assert calls.may_run_inline(sqlite, True)
        assert not calls.may_run_inline(sqlite, False)
        assert not calls.may_run_inline(postgres, True)
    finally:
        sqlite.dispose()
        postgres.dispose()


@pytest.mark.parametrize(
    ("text", "bounded"),
    [
        ('userName eq "bjensen@example.com"', True),
        ('USERNAME eq "bjensen@example.com"', True),
        ('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "b"', True),
        ('externalId eq "00u1"', True),
        ('id eq "user_01"', True),
        ('userName eq "b" and title co "guide"', True),
        ('title co "guide" and externalId eq "x"', True),
        ('userName eq "a" or userName eq "b"', False),
        ('userName co "b"', False),
        ('userName ne "b"', False),
        ("userName eq null", False),
        ('emails.value eq "b@example.com"', False),
        ('emails[value eq "b@example.com"]', False),
        ('title eq "Tour Guide"', False),
        ('not (userName eq "b")', False),
        ("userName pr", False),
    ],
)
def test_unique_lookups_of_users(text: str, bounded: bool) -> None:
    assert is_unique_lookup(USER_RESOURCE, parse_filter(text)) is bounded


def test_unique_lookups_of_groups() -> None:
    assert is_unique_lookup(GROUP_RESOURCE, parse_filter('externalId eq "g1"'))
    assert not is_unique_lookup(GROUP_RESOURCE, parse_filter('displayName eq "Admins"'))
    assert not is_unique_lookup(GROUP_RESOURCE, None)


def test_bounded_listings() -> None:
    assert is_bounded_listing(USER_RESOURCE, 'userName eq "b@example.com"')
    assert not is_bounded_listing(USER_RESOURCE, None)
    assert not is_bounded_listing(USER_RESOURCE, 'title co "x"')
    # A group lists its members, however it is found.
    assert not is_bounded_listing(GROUP_RESOURCE, 'externalId eq "g1"')
    # A filter that does not parse ends in a 400 at once.
    assert is_bounded_listing(USER_RESOURCE, 'userName eq "unterminated')


def _patch(*operations: dict[str, object]) -> dict[str, object]:
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": list(operations),
    }


def _members(count: int) -> list[dict[str, str]]:
    return [{"value": f"user_{i}"} for i in range(count)]


def test_a_user_patch_is_bounded() -> None:
    body = _patch({"op": "replace", "value": {"active": False}})
    assert is_bounded_patch(USER_RESOURCE, body, {})


def test_a_group_patch_of_a_few_named_members_is_bounded() -> None:
    add = _patch({"op": "add", "path": "members", "value": _members(50)})
    remove = _patch({"op": "remove", "path": 'members[value eq "user_1"]'})
    rename = _patch({"op": "replace", "path": "displayName", "value": "Engineering"})
    for body in (add, remove, rename):
        assert is_bounded_patch(GROUP_RESOURCE, body, {})


def test_group_patches_that_read_the_whole_group_are_not() -> None:
    many = _patch({"op": "add", "path": "members", "value": _members(101)})
    replace = _patch({"op": "replace", "path": "members", "value": _members(2)})
    clear = _patch({"op": "remove", "path": "members"})
    for body in (many, replace, clear):
        assert not is_bounded_patch(GROUP_RESOURCE, body, {})
    small = _patch({"op": "add", "path": "members", "value": _members(1)})
    assert not is_bounded_patch(GROUP_RESOURCE, small, {"attributes": "members"})


def test_a_group_patch_that_does_not_parse_goes_to_the_thread_pool() -> None:
    assert not is_bounded_patch(GROUP_RESOURCE, {"Operations": "nope"}, {})


def test_creating_a_user_or_a_small_group_is_bounded() -> None:
    assert is_bounded_create(USER_RESOURCE, {"userName": "a"})
    assert is_bounded_create(GROUP_RESOURCE, {"displayName": "G"})
    assert is_bounded_create(GROUP_RESOURCE, {"displayName": "G", "members": _members(100)})
    assert not is_bounded_create(GROUP_RESOURCE, {"displayName": "G", "Members": _members(101)})
