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


def test_create_with_deprovision_policy(databases) -> None:
    url = databases.empty_url()
    assert run(url, "migrate").returncode == 0
    base = ("directories", "create", "--name", "Acme", "--tenant", "acme", "--provider", "okta")
    default = json.loads(run(url, *base).stdout)
    assert default["deprovision_policy"] == "deactivate"
    created = run(url, *base, "--deprovision-policy", "delete")
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["deprovision_policy"] == "delete"
    bad = run(url, *base, "--deprovision-policy", "purge")
    assert bad.returncode == 2
    assert "--deprovision-policy" in bad.stderr
