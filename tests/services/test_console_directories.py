"""The console's directory services: cached counts, the attribute map editor, search."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from scimbridge.errors import InvalidRequest
from scimbridge.runtime import Runtime
from scimbridge.scim.schemas import USER_RESOURCE
from scimbridge.services import console_data, scim
from scimbridge.services import console_directories as service
from scimbridge.store import unit_of_work
from tests.factories import user_resource
from tests.support.runtime import make_runtime, new_directory


@pytest.fixture
def runtime(engine: Engine) -> Runtime:
    return make_runtime(engine)


def provision(runtime: Runtime, directory: dict[str, Any], **overrides: Any) -> str:
    call = scim.ScimCall(directory["id"], directory["scim_token"])
    answer = scim.create(runtime, call, USER_RESOURCE, user_resource(**overrides))
    assert answer.status == 201
    return str(answer.body["id"])


def test_small_directories_are_always_counted_afresh(runtime: Runtime) -> None:
    directory = new_directory(runtime)
    cache = service.CountCache(ttl=3600, min_rows=2)
    with unit_of_work.read(runtime.engine) as connection:
        assert cache.get(connection, directory["id"]) == (0, 0)
    provision(runtime, directory)
    with unit_of_work.read(runtime.engine) as connection:
        assert cache.get(connection, directory["id"]) == (1, 0)


def test_counts_are_reused_within_the_lifetime_then_refreshed(runtime: Runtime) -> None:
    directory = new_directory(runtime)
    cache = service.CountCache(ttl=3600, min_rows=0)
    with unit_of_work.read(runtime.engine) as connection:
        assert cache.get(connection, directory["id"]) == (0, 0)
    provision(runtime, directory)
    with unit_of_work.read(runtime.engine) as connection:
        assert cache.get(connection, directory["id"]) == (0, 0)  # cached
        cache.ttl = 0
        assert cache.get(connection, directory["id"]) == (1, 0)


def test_search_filters_by_state_and_provider(runtime: Runtime) -> None:
    okta = new_directory(runtime, name="Okta Co", tenant="o", provider="okta")
    new_directory(runtime, name="Entra Co", tenant="e", provider="entra")
    found, cursor = service.search_directories(
        runtime, search="co", state="active", provider="okta", after=None, limit=10
    )
    assert [d["id"] for d in found] == [okta["id"]]
    assert cursor is None
    page, cursor = service.search_directories(
        runtime, search=None, state=None, provider=None, after=None, limit=1
    )
    assert len(page) == 1
    assert cursor == page[0]["id"]


def test_the_map_editor_parses_validates_and_previews(runtime: Runtime) -> None:
    directory = new_directory(runtime)
    assert service.preview_attribute_map(runtime, directory["id"], {}, None) is None
    provision(runtime, directory, userName="ada@example.com", title="Countess")
    mapping = service.parse_attribute_map("\n role = title \n\n")
    assert mapping == {"role": "title"}
    preview = service.preview_attribute_map(runtime, directory["id"], mapping, None)
    assert preview is not None
    assert preview["custom_attributes"]["role"] == "Countess"
    with pytest.raises(InvalidRequest, match="line 1"):
        service.parse_attribute_map("role title")
    with pytest.raises(InvalidRequest):
        service.parse_attribute_map("role = nosuchattribute")


def test_users_are_found_by_email_or_user_name(runtime: Runtime) -> None:
    directory = new_directory(runtime)
    user_id = provision(
        runtime,
        directory,
        userName="Grace.Hopper",
        emails=[{"value": "grace@navy.example", "primary": True}],
    )
    for text in ("GRACE@navy.example", "grace.hopper"):
        assert [u["id"] for u in console_data.find_users(runtime, directory["id"], text)] == [
            user_id
        ]
    assert console_data.find_users(runtime, directory["id"], "nobody") == []
