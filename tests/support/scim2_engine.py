"""A scim2-client engine over httpx, to run scim2-tester against the real server.

scim2-client 0.13 ships network engines for the ``httpx2`` package only, which is not on
the package index this project installs from; this is the same engine over httpx.
"""

from __future__ import annotations

from typing import Any

import httpx
from scim2_client.client import BaseSyncSCIMClient, RawResponse
from scim2_client.errors import RequestNetworkException


class HttpxSCIMClient(BaseSyncSCIMClient):  # type: ignore[misc]
    def __init__(self, client: httpx.Client, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = client

    def _stays_under_base_url(self, endpoint: str) -> bool:
        base = self.client.base_url
        try:
            url = self.client.build_request("GET", endpoint).url
        except httpx.InvalidURL:
            return False
        return (
            url.scheme == base.scheme
            and url.host == base.host
            and url.port == base.port
            and url.raw_path.startswith(base.raw_path)
        )

    def _parse_json(self, response: RawResponse) -> Any:
        return response.json()  # type: ignore[attr-defined]

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.client.request(method, url, **kwargs)
        except httpx.RequestError as error:
            failure = RequestNetworkException()
            failure.add_note(str(error))
            raise failure from error
