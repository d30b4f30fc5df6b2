"""LDAP end to end, as a new user would try it: create an ``ldap`` directory whose
connection is a real slapd over StartTLS (the fixture's CA verified), let it sync, change,
disable and remove entries between runs and read exactly those events through the admin
API; a wrong base DN deprovisions nothing; 1,200 entries arrive across several pages
(README "Pull sources")."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import BACKENDS
from tests.support.clients import admin_client, create_directory
from tests.support.ldap_tree import LdapTree
from tests.support.pulls import (
    EventLog,
    assert_no_secret,
    directory_state,
    first_run,
    listed,
    pull_server,
    sync,
)
from tests.support.server import RunningServer
from tests.support.slapd import SUFFIX, SlapdServer, slapd_binaries, slapd_server, write_people_ldif

server = pytest.fixture(scope="module", params=BACKENDS)(pull_server)

BULK_OU = "e2e"
BULK_COUNT = 1_200
PAGE_SIZE = 250


@pytest.fixture(scope="module")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlapdServer]:
    """A slapd of this module's own with 1,200 people (the session's holds 10,000, more
    than a black-box run through the whole server needs)."""
    if slapd_binaries() is None:
        pytest.skip("slapd is not installed (Debian packages 'slapd' and 'ldap-utils')")
    bulk = write_people_ldif(tmp_path_factory.mktemp("ldif") / "e2e.ldif", BULK_OU, BULK_COUNT)
    with slapd_server(bulk_ldif=[bulk]) as running:
        yield running


@pytest.fixture
def admin(server: RunningServer) -> Iterator[httpx.Client]:
    with admin_client(server) as client:
        yield client


@pytest.fixture
def tree(slapd: SlapdServer) -> Iterator[LdapTree]:
    built = LdapTree(slapd)
    yield built
    built.admin.unbind()


def ldap_directory(admin: httpx.Client, connection: dict[str, Any], tenant: str) -> str:
    return create_directory(admin, provider="ldap", tenant=tenant, connection=connection).id


def users_by_name(admin: httpx.Client, directory_id: str) -> dict[str, dict[str, Any]]:
    return {u["username"]: u for u in listed(admin, directory_id, "users")}


def test_create_change_disable_remove_between_runs(admin: httpx.Client, tree: LdapTree) -> None:
    ada = tree.person("ada")
    alan = tree.person("alan")
    grace = tree.person("grace")
    tree.group_of_names("eng", [ada, alan])
    connection = tree.connection(attribute_map={"disabled": "employeeType"})
    directory_id = ldap_directory(admin, connection, tree.base)
    feed = EventLog(admin, directory_id)

    run = first_run(admin, directory_id)
    assert run["outcome"] == "succeeded", run
    assert run["counts"]["created"] == 3
    assert run["counts"]["groups_created"] == 1
    assert run["counts"]["memberships_added"] == 2
    assert feed.new_types() == sorted(
        ["user.created"] * 3 + ["group.created"] + ["group.user_added"] * 2
    )
    assert set(users_by_name(admin, directory_id)) == {"ada", "alan", "grace"}
    assert [g["name"] for g in listed(admin, directory_id, "groups")] == ["eng"]
    state = directory_state(admin, directory_id)
    assert state["state"] == "active"
    assert state["connection"]["bind_password"] == "********"
    assert_no_secret(state, "reader-secret")

    assert sync(admin, directory_id)["counts"]["events"] == 0
    assert feed.new_types() == []

    # Changed, disabled, removed from the group.
    tree.modify(ada, sn="King", cn="Ada King")
    tree.modify(alan, employeeType="disabled")
    tree.modify(tree.dn("cn=eng"), member=[ada])
    assert sync(admin, directory_id)["outcome"] == "succeeded"
    assert feed.new_types() == sorted(["user.updated", "user.deactivated", "group.user_removed"])
    assert users_by_name(admin, directory_id)["alan"]["active"] is False

    # Re-enabled, and grace's entry removed (an ldap directory deactivates by default).
    tree.modify(alan, employeeType=[])  # the attribute removed: enabled again
    tree.delete(grace)
    gone = sync(admin, directory_id)
    assert gone["outcome"] == "succeeded"
    assert gone["counts"]["deactivated"] == 1
    assert feed.new_types() == sorted(["user.reactivated", "user.deactivated"])
    assert users_by_name(admin, directory_id)["grace"]["active"] is False


def test_wrong_base_dn_deprovisions_nothing(admin: httpx.Client, tree: LdapTree) -> None:
    for uid in ("u1", "u2", "u3"):
        tree.person(uid)
    directory_id = ldap_directory(admin, tree.connection(), tree.base)
    assert first_run(admin, directory_id)["outcome"] == "succeeded"
    feed = EventLog(admin, directory_id)
    feed.new()

    # The admin edits the base DN with a typo; the masked password is sent back as shown.
    shown = directory_state(admin, directory_id)["connection"]
    wrong = {**shown, "user_base_dn": f"ou=nowhere,{SUFFIX}"}
    response = admin.patch(f"/api/v1/directories/{directory_id}", json={"connection": wrong})
    assert response.status_code == 200, response.text
    assert_no_secret(response.json(), "reader-secret")

    failed = sync(admin, directory_id)
    assert failed["outcome"] == "failed", failed
    assert failed["error"]["kind"] == "invalid_config", failed
    assert "nowhere" in failed["error"]["message"]
    assert directory_state(admin, directory_id)["state"] == "error"
    assert feed.new() == []
    assert all(u["active"] for u in listed(admin, directory_id, "users"))

    # Fixed: the kept password still binds and the directory is active again.
    response = admin.patch(f"/api/v1/directories/{directory_id}", json={"connection": shown})
    assert response.status_code == 200, response.text
    fixed = sync(admin, directory_id)
    assert fixed["outcome"] == "succeeded", fixed
    assert directory_state(admin, directory_id)["state"] == "active"
    assert feed.new() == []


def test_twelve_hundred_entries_across_pages(admin: httpx.Client, slapd: SlapdServer) -> None:
    connection = slapd.connection(user_base_dn=f"ou={BULK_OU},{SUFFIX}", page_size=PAGE_SIZE)
    directory_id = ldap_directory(admin, connection, f"bulk-{id(admin)}")
    run = first_run(admin, directory_id)
    assert run["outcome"] == "succeeded", run
    assert run["counts"]["seen_users"] == BULK_COUNT
    assert run["counts"]["created"] == BULK_COUNT
    assert run["counts"]["pages_fetched"] >= BULK_COUNT // PAGE_SIZE
    assert run["directory_users"] in (None, BULK_COUNT)
    users = listed(admin, directory_id, "users")
    assert len(users) == BULK_COUNT
    events = EventLog(admin, directory_id).new_types()
    assert events == ["user.created"] * BULK_COUNT
