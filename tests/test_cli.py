"""The command line: ``scimbridge directories …`` and ``migrate`` against a real database."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.processes import serve_process


def run(
    database_url: str, *args: str, key_file: Path | None = None, pinned_admin_token: bool = True
) -> subprocess.CompletedProcess[str]:
    """The CLI in a child process; with ``key_file``, the key lives there, not in the env."""
    env = {
        **os.environ,
        "SCIMBRIDGE_DATABASE_URL": database_url,
        "SCIMBRIDGE_ADMIN_TOKEN": "sbadm_cli",
        "SCIMBRIDGE_SECRET_KEY": "test-secret-key",
    }
    if not pinned_admin_token:
        del env["SCIMBRIDGE_ADMIN_TOKEN"]  # stored hashed: `admin-token --reset` may change it
    if key_file is not None:
        del env["SCIMBRIDGE_SECRET_KEY"]
        env["SCIMBRIDGE_SECRET_KEY_FILE"] = str(key_file)
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


def key_lines(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if not line.startswith("#")]


def test_secret_key_add_and_rotate(databases, tmp_path: Path) -> None:
    url = databases.new_url()
    key_file = tmp_path / "secret.key"
    created = run(
        url,
        *("directories", "create", "--name", "Acme", "--tenant", "acme", "--provider", "okta"),
        *("--webhook-url", "https://93.184.215.14/hook"),
        key_file=key_file,
    )
    assert created.returncode == 0, created.stderr
    [first_key] = key_lines(key_file)
    added = run(url, "secret-key", "add", key_file=key_file)
    assert added.returncode == 0, added.stderr
    new_key, old_key = key_lines(key_file)
    assert old_key == first_key
    rotated = run(url, "secret-key", "rotate", key_file=key_file)
    assert rotated.returncode == 0, rotated.stderr
    assert "re-encrypted 1 secrets of 1 directories" in rotated.stderr
    assert key_lines(key_file) == [new_key]
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    # The environment's key is not this database's: a clear refusal, not a traceback.
    other = run(url, "directories", "list")
    assert other.returncode == 1
    assert "not the one this database's secrets are encrypted with" in other.stderr


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


def test_a_csv_directory_syncs_by_import_only(databases) -> None:
    url = databases.empty_url()
    created = run(
        url,
        "directories",
        "create",
        "--name",
        "G",
        "--tenant",
        "t",
        "--provider",
        "csv",
        "--connection",
        '{"header_map": {"Mail": "email"}}',
    )
    assert created.returncode == 0, created.stderr
    directory = json.loads(created.stdout)
    assert directory["connection"] == {"header_map": {"Mail": "email"}}
    refused = run(url, "directories", "sync", directory["id"])
    assert refused.returncode == 1
    assert "by import" in refused.stderr


def test_attribute_map_is_validated(databases) -> None:
    url = databases.empty_url()
    create = ["directories", "create", "--name", "M", "--tenant", "t", "--provider", "okta"]
    typo = run(url, *create, "--attribute-map", '{"dept": "departmnt"}')
    assert typo.returncode == 1
    assert "attribute_map['dept'] = 'departmnt'" in typo.stderr
    assert run(url, *create, "--attribute-map", "[1]").returncode == 2  # argparse: not an object
    good = run(url, *create, "--attribute-map", '{"work": "emails[type eq \\"work\\"].value"}')
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["attribute_map"]["work"] == 'emails[type eq "work"].value'


def test_admin_token_without_a_flag_prints_usage(databases) -> None:
    result = run(databases.empty_url(), "admin-token")
    assert result.returncode == 2
    assert result.stderr.startswith("usage: scimbridge admin-token")
    assert "--reset" in result.stderr
    assert "Admin token" not in result.stderr  # nothing was issued


def test_a_closed_pipe_ends_quietly(databases) -> None:
    """``scimbridge directories list | head -1``: the reader leaves, no traceback."""
    url = databases.empty_url()
    assert run(url, "migrate").returncode == 0
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first write: deterministic EPIPE
    try:
        result = subprocess.run(
            [sys.executable, "-m", "scimbridge", "directories", "list"],
            env={
                **os.environ,
                "SCIMBRIDGE_DATABASE_URL": url,
                "SCIMBRIDGE_ADMIN_TOKEN": "x",
                "SCIMBRIDGE_SECRET_KEY": "test-secret-key",
            },
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert "Traceback" not in result.stderr
    assert "BrokenPipe" not in result.stderr
    assert result.returncode == 128 + signal.SIGPIPE


def test_a_shell_pipe_into_head_prints_no_traceback(databases) -> None:
    url = databases.empty_url()
    for index in range(3):
        created = run(
            url,
            "directories",
            "create",
            "--name",
            f"D{index}",
            "--tenant",
            "t",
            "--provider",
            "okta",
        )
        assert created.returncode == 0, created.stderr
    env = {
        **os.environ,
        "SCIMBRIDGE_DATABASE_URL": url,
        "SCIMBRIDGE_ADMIN_TOKEN": "x",
        "SCIMBRIDGE_SECRET_KEY": "test-secret-key",
    }
    result = subprocess.run(
        ["sh", "-c", f"'{sys.executable}' -m scimbridge directories list | head -1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.stdout == "[\n"
    assert result.stderr == ""


def test_serve_logs_where_it_listens_the_database_and_the_worker(databases, tmp_path: Path) -> None:
    url = databases.new_url()
    if url.startswith("postgresql://postgres@"):
        # trust authentication ignores it; the log must not show it
        url = url.replace("postgresql://postgres@", "postgresql://postgres:s3cret-pw@")
    log = tmp_path / "serve.log"
    with serve_process(url, "sbadm_cli", "--no-worker", log=log) as base_url:
        assert httpx.get(f"{base_url}/healthz").status_code == 200
    text = log.read_text()
    assert f"serving on {base_url}" in text
    assert "database: " + ("sqlite:///" if url.startswith("sqlite") else "postgresql://") in text
    assert "s3cret-pw" not in text
    assert ("***" in text) == ("s3cret-pw" in url)
    assert "webhook delivery: not in this server" in text
    with serve_process(url, "sbadm_cli", log=log):
        pass
    assert "webhook delivery: in-process worker" in log.read_text()


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
    assert run(url, "admin-token", "--reset", pinned_admin_token=False).returncode == 0

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


def test_a_cli_sync_is_audited_as_the_cli_user(databases) -> None:
    """``directories sync`` runs in the CLI process; the request is on record with the
    operating-system user as actor even when the run then fails."""
    from scimbridge.services.audit import list_audit_log
    from scimbridge.store.engine import create_db_engine
    from tests.support.runtime import make_runtime

    url = databases.empty_url()
    connection = {"url": "ldap://127.0.0.1:9", "allow_insecure": True, "user_base_dn": "dc=x"}
    create = ("directories", "create", "--name", "L", "--tenant", "l", "--provider", "ldap")
    created = run(url, *create, "--connection", json.dumps(connection))
    assert created.returncode == 0, created.stderr
    directory_id = json.loads(created.stdout)["id"]
    synced = run(url, "directories", "sync", directory_id)
    assert synced.returncode == 1  # nothing listens on port 9
    assert json.loads(synced.stdout)["error"]["kind"] == "unreachable"
    engine = create_db_engine(url)
    try:
        entries, _ = list_audit_log(
            make_runtime(engine), after=None, limit=10, directory_id=directory_id
        )
    finally:
        engine.dispose()
    requested = [e for e in entries if e["action"] == "directory.sync_requested"]
    assert [(e["actor"]["kind"], e["details"]) for e in requested] == [("cli", {"runs_in": "cli"})]
