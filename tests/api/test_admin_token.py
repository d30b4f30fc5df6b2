"""``scimbridge admin-token --reset`` ends the old token at once on a running server."""

from __future__ import annotations

import re

import httpx
import pytest

from scimbridge import cli
from scimbridge.bootstrap import admin_credential, reset_admin_token
from scimbridge.services.audit import cli_actor
from scimbridge.store.engine import create_db_engine
from tests.conftest import make_settings
from tests.support.server import running_server


def status_with(base_url: str, token: str) -> int:
    response = httpx.get(
        f"{base_url}/api/v1/directories", headers={"Authorization": f"Bearer {token}"}
    )
    return response.status_code


def cli_reset(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    """Run ``scimbridge admin-token --reset`` in-process; (exit code, stderr)."""
    monkeypatch.setenv("SCIMBRIDGE_DATABASE_URL", database_url)
    monkeypatch.setenv("SCIMBRIDGE_SECRET_KEY", "test-secret-key")
    capsys.readouterr()
    code = cli.main(["admin-token", "--reset"])
    return code, capsys.readouterr().err


def test_a_reset_ends_the_old_token_on_the_very_next_request(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SCIMBRIDGE_ADMIN_TOKEN", raising=False)
    engine = create_db_engine(database_url)
    try:
        old_token = reset_admin_token(engine, actor=cli_actor())
        before = admin_credential(engine).generation
    finally:
        engine.dispose()
    settings = make_settings(database_url, admin_token=None, embedded_worker=False)
    with running_server(settings) as server:
        assert status_with(server.base_url, old_token) == 200
        code, stderr = cli_reset(database_url, monkeypatch, capsys)
        assert code == 0
        match = re.search(r"(sbadm_\S+)", stderr)
        assert match is not None, stderr
        new_token = match.group(1)
        assert status_with(server.base_url, old_token) == 401
        assert status_with(server.base_url, new_token) == 200
    engine = create_db_engine(database_url)
    try:
        # The hook for anything issued under the old credential (console sessions).
        assert admin_credential(engine).generation == before + 1
    finally:
        engine.dispose()


def test_a_reset_is_refused_while_the_environment_pins_the_token(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SCIMBRIDGE_ADMIN_TOKEN", "sbadm_pinned")
    code, stderr = cli_reset(database_url, monkeypatch, capsys)
    assert code == 1
    assert "SCIMBRIDGE_ADMIN_TOKEN sets the admin token" in stderr
