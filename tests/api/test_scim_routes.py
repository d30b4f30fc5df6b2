"""SCIM routes (api/scim_routes.py): the route table's own answers."""

from __future__ import annotations

import httpx
import pytest

from tests.support.assertions import assert_scim_error
from tests.support.clients import Directory, scim_client


class TestMe:
    """RFC 7644 §3.11: a server without /Me "SHOULD respond with HTTP status code 501"."""

    @pytest.mark.parametrize("path", ["/Me", "/Me/", "/Me/.search", "/Me/anything/else"])
    def test_every_path_under_me_is_501(self, scim: httpx.Client, path: str) -> None:
        assert_scim_error(scim.request("PATCH", path, json={}), 501)

    def test_the_token_is_checked_first(self, directory: Directory) -> None:
        """Without a valid token the answer is the usual 401, so /Me probes nothing."""
        with scim_client(directory, token="scim_wrong") as client:
            assert_scim_error(client.get("/Me"), 401)
