"""The console's history reads: pages newest first by sequence, membership events naming
the other side, and a cursor that is a sequence number or a 400."""

from __future__ import annotations

from typing import Any, Literal

import pytest
from sqlalchemy import Engine

from scimbridge.errors import InvalidCursor, NotFound
from scimbridge.runtime import Runtime
from scimbridge.scim.schemas import GROUP_RESOURCE, USER_RESOURCE
from scimbridge.services import console_data, scim
from tests.factories import group_resource, members, user_resource
from tests.support.runtime import make_runtime, new_directory


@pytest.fixture
def runtime(engine: Engine) -> Runtime:
    return make_runtime(engine)


def create(runtime: Runtime, directory: dict[str, Any], resource_type: Any, body: Any) -> str:
    call = scim.ScimCall(directory["id"], directory["scim_token"])
    answer = scim.create(runtime, call, resource_type, body)
    assert answer.status == 201, answer.body
    return str(answer.body["id"])


def pages(
    runtime: Runtime, directory_id: str, subject: Literal["user", "group"], resource_id: str
) -> list[list[tuple[int, str, str | None]]]:
    """Every page of 2, following the "older" cursor: (sequence, type, other side's id)."""
    found, before = [], None
    while True:
        rows, older = console_data.resource_events(
            runtime, directory_id, subject, resource_id, before=before, limit=2
        )
        found.append([(r["sequence"], r["type"], (r["other"] or {}).get("id")) for r in rows])
        if older is None:
            return found
        before = str(older)


def test_user_and_group_histories_page_newest_first(runtime: Runtime) -> None:
    directory = new_directory(runtime)
    ada = create(runtime, directory, USER_RESOURCE, user_resource())  # 1
    create(runtime, directory, USER_RESOURCE, user_resource())  # 2
    group = create(
        runtime, directory, GROUP_RESOURCE, group_resource(members=members(ada))
    )  # 3 group.created, 4 group.user_added
    assert pages(runtime, directory["id"], "user", ada) == [
        [(4, "group.user_added", group), (1, "user.created", None)]
    ]
    assert pages(runtime, directory["id"], "group", group) == [
        [(4, "group.user_added", ada), (3, "group.created", None)]
    ]
    for n in range(3):  # 5, 6, 7
        call = scim.ScimCall(directory["id"], directory["scim_token"])
        body = user_resource(userName=f"ada{n}@example.com")
        assert scim.replace(runtime, call, USER_RESOURCE, ada, body).status == 200
    assert [[s for s, _, _ in page] for page in pages(runtime, directory["id"], "user", ada)] == [
        [7, 6],
        [5, 4],
        [1],
    ]


@pytest.mark.parametrize("before", ["soon", "0", "-3", "1.5", "٣", str(2**63)])
def test_a_cursor_is_a_positive_sequence_number(runtime: Runtime, before: str) -> None:
    directory = new_directory(runtime)
    with pytest.raises(InvalidCursor):
        console_data.resource_events(
            runtime, directory["id"], "user", "user_x", before=before, limit=5
        )


def test_an_unknown_directory_is_not_found(runtime: Runtime) -> None:
    with pytest.raises(NotFound):
        console_data.resource_events(
            runtime, "directory_none", "group", "group_x", before=None, limit=5
        )
