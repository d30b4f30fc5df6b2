"""Which user or group a logged request concerned, read when its page is opened."""

from __future__ import annotations

from sqlalchemy import Engine

from scimbridge.services.request_subject import request_subject, resource_kind
from tests.support.runtime import make_runtime, new_directory


def test_the_kind_comes_from_the_scim_endpoint() -> None:
    assert resource_kind("/scim/v2/d/Users/u1") == "user"
    assert resource_kind("/scim/v2/d/Users") == "user"
    assert resource_kind("/scim/v2/d/Groups/g1") == "group"
    assert resource_kind("/scim/v2/d/Bulk") is None
    assert resource_kind("/scim/v2/d/UsersX/1") is None


def test_a_gone_resource_is_named_but_not_linked(engine: Engine) -> None:
    runtime = make_runtime(engine)
    directory_id = new_directory(runtime)["id"]
    gone = request_subject(runtime, directory_id, "/scim/v2/x/Groups/group_1", "group_1")
    assert gone == {"kind": "group", "id": "group_1", "label": None, "exists": False}
    assert request_subject(runtime, directory_id, "/scim/v2/x/Users", None) is None
    assert request_subject(runtime, directory_id, "/scim/v2/x/Bulk", "user_1") is None
