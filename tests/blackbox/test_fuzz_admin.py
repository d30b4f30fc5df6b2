"""Schemathesis over the admin API's OpenAPI document, against the real server.

Every operation of ``/api/v1/openapi.json`` gets generated requests (valid and
invalid, on both databases); no answer may be a 5xx (``not_a_server_error``). A
private server per database keeps the directories it creates away from other tests,
and runs no delivery worker: nothing here may reach beyond 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from scimbridge.app import create_app
from tests.conftest import BACKENDS, DatabaseFactory, make_settings
from tests.support.clients import admin_client, create_directory
from tests.support.server import RunningServer, running_server

MAX_EXAMPLES = 30
# A generated webhook URL keeps its shape but never its host: a host name would be
# resolved (DNS) and contacted by a delivery, and tests talk to 127.0.0.1 only.
LOCAL_WEBHOOK = "http://127.0.0.1:9/fuzz"


@pytest.fixture(scope="module", params=BACKENDS)
def fuzzed_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    databases = DatabaseFactory(request.param, request, tmp_path_factory.mktemp("fuzz-admin"))
    with running_server(make_settings(databases.new_url(), embedded_worker=False)) as server:
        yield server


# The document the server serves at /api/v1/openapi.json, built without a database
# (the application touches it only when it starts). Schemathesis's lazy fixture loader
# does not run under pytest 9, so the schema is loaded when the module is collected.
schema = schemathesis.openapi.from_dict(create_app(make_settings("sqlite://")).openapi())


@pytest.fixture(scope="module")
def fuzzed_directory_id(fuzzed_server: RunningServer) -> str:
    with admin_client(fuzzed_server) as admin:
        return create_directory(admin).id


def _local_webhooks(body: Any) -> None:
    if isinstance(body, dict) and isinstance(body.get("webhook_url"), str):
        body["webhook_url"] = LOCAL_WEBHOOK


def _real_directory(case: Any, directory_id: str) -> None:
    """Generated ids never name a directory, so every call would stop at its 404: a
    generated id of even length is swapped for a real one (except to delete it), and
    the generated bodies and queries reach the database."""
    parameters = case.path_parameters or {}
    generated = parameters.get("directory_id")
    if isinstance(generated, str) and len(generated) % 2 == 0 and case.method != "DELETE":
        parameters["directory_id"] = directory_id


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_admin_operation_answers_5xx(
    case: Any, fuzzed_server: RunningServer, fuzzed_directory_id: str
) -> None:
    _local_webhooks(case.body)
    _real_directory(case, fuzzed_directory_id)
    headers = {"Authorization": f"Bearer {fuzzed_server.admin_token}"}
    case.call_and_validate(
        base_url=fuzzed_server.base_url, headers=headers, checks=[not_a_server_error]
    )
