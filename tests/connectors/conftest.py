from __future__ import annotations

import pytest
from sqlalchemy import Engine

from scimbridge.runtime import Runtime
from tests.connectors.fakes import make_runtime


@pytest.fixture
def runtime(engine: Engine, database_url: str) -> Runtime:
    return make_runtime(engine, database_url)
