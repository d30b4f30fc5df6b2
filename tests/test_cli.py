"""The command line: ``scimbridge directories …`` and ``migrate`` against a real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def run(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SCIMBRIDGE_DATABASE_URL": database_url,
        "SCIMBRIDGE_ADMIN_TOKEN": "sbadm_cli",
    }
    return subprocess.run(
        [sys.executable, "-m", "scimbridge", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_directories_commands(databases) -> None:
    url = databases.empty_url()
    assert run(url, "migrate").returncode == 0
    created = run(
        url, "directories", "create", "--name", "Acme", "--tenant", "acme", "--provider", "okta"
    )
    assert created.returncode == 0, created.stderr
    body = json.loads(created.stdout)
    assert body["scim_token"].startswith("scim_")
    listed = json.loads(run(url, "directories", "list", "--tenant", "acme").stdout)
    assert [d["id"] for d in listed] == [body["id"]]
    shown = json.loads(run(url, "directories", "show", body["id"]).stdout)
    assert shown["name"] == "Acme"
    assert "scim_token" not in shown
    rotated = json.loads(run(url, "directories", "rotate-token", body["id"]).stdout)
    assert rotated["scim_token"] != body["scim_token"]
    missing = run(url, "directories", "show", "directory_nope")
    assert missing.returncode == 1
    assert "not found" in missing.stderr
    bad = run(url, "directories", "create", "--name", "X", "--tenant", "t", "--provider", "nope")
    assert bad.returncode == 1


def test_cli_actions_are_audited_as_the_os_user(databases) -> None:
    import getpass

    from sqlalchemy import select

    from scimbridge.store.engine import create_db_engine
    from scimbridge.store.tables import audit_log

    url = databases.empty_url()
    assert run(url, "migrate").returncode == 0
    created = json.loads(
        run(
            url, "directories", "create", "--name", "A", "--tenant", "a", "--provider", "okta"
        ).stdout
    )
    directory_id = created["id"]
    rotated = json.loads(run(url, "directories", "rotate-token", directory_id).stdout)
    link = run(url, "directories", "setup-link", directory_id, "--days", "3")
    assert link.returncode == 0, link.stderr
    link_body = json.loads(link.stdout)
    assert link_body["url"].startswith("http://127.0.0.1:8000/setup/sbsetup_")
    assert run(url, "directories", "setup-link", directory_id, "--days", "40").returncode == 1
    assert run(url, "admin-token", "--reset").returncode == 0

    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            rows = list(connection.execute(select(audit_log).order_by(audit_log.c.id)))
    finally:
        engine.dispose()
    assert [row.action for row in rows] == [
        "directory.created",
        "scim_token.rotated",
        "setup_link.created",
        "admin_token.reset",
    ]
    assert {(row.actor_kind, row.actor_id) for row in rows} == {("cli", getpass.getuser())}
    assert rows[2].target_id == link_body["id"]
    text = str([tuple(row) for row in rows])
    for secret in (created["scim_token"], rotated["scim_token"], link_body["url"]):
        assert secret not in text
