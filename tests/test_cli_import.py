"""``scimbridge directories import / approve`` in a child process, on both databases."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from scimbridge.store.engine import create_db_engine
from scimbridge.store.tables import audit_log
from tests.test_cli import run

pytest.importorskip("scimbridge.connectors.csv_source")  # the CSV reader, merged alongside

HEADER = "id,user_name,email,groups\n"


def people(path: Path, count: int) -> Path:
    path.write_text(
        HEADER + "".join(f"e{n},u{n}@example.com,u{n}@example.com,Staff\n" for n in range(count)),
        encoding="utf-8",
    )
    return path


def test_import_dry_run_upsert_hold_and_approve(databases, tmp_path: Path) -> None:
    url = databases.empty_url()
    created = run(url, "directories", "create", "--name", "H", "--tenant", "t", "--provider", "csv")
    directory_id = json.loads(created.stdout)["id"]
    twenty = people(tmp_path / "twenty.csv", 20)
    plan = run(url, "directories", "import", directory_id, str(twenty), "--dry-run")
    assert plan.returncode == 0, plan.stderr
    assert json.loads(plan.stdout)["counts"]["created"] == 20
    assert json.loads(run(url, "directories", "show", directory_id).stdout)["user_count"] == 0
    first = json.loads(run(url, "directories", "import", directory_id, str(twenty)).stdout)
    assert first["outcome"] == "succeeded"
    assert first["counts"]["created"] == 20
    five = people(tmp_path / "five.csv", 5)
    upsert = json.loads(
        run(url, "directories", "import", directory_id, str(five), "--upsert").stdout
    )
    assert upsert["outcome"] == "succeeded"
    assert upsert["counts"]["deactivated"] == 0
    held = json.loads(run(url, "directories", "import", directory_id, str(five)).stdout)
    assert held["outcome"] == "held"
    approved = run(url, "directories", "approve", directory_id, held["id"])
    assert approved.returncode == 0, approved.stderr
    assert json.loads(approved.stdout)["counts"]["deactivated"] == 15
    entries = audit_rows(url)
    assert [(row.action, row.details.get("outcome")) for row in entries] == [
        ("directory.created", None),
        ("directory.imported", "succeeded"),
        ("directory.imported", "succeeded"),
        ("directory.imported", "held"),
        ("sync.approved", "approved"),
    ]  # the dry run is not audited
    assert {(row.actor_kind, row.actor_id) for row in entries} == {("cli", getpass.getuser())}
    assert entries[2].details["mode"] == "upsert"
    assert entries[4].target_id == held["id"]


def audit_rows(url: str) -> list[Any]:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(select(audit_log).order_by(audit_log.c.id)))
    finally:
        engine.dispose()


def test_an_invalid_file_is_refused_with_its_line(databases, tmp_path: Path) -> None:
    url = databases.empty_url()
    created = run(url, "directories", "create", "--name", "H", "--tenant", "t", "--provider", "csv")
    directory_id = json.loads(created.stdout)["id"]
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "e1,,x@example.com,\n", encoding="utf-8")
    refused = run(url, "directories", "import", directory_id, str(bad))
    assert refused.returncode == 1
    assert "line 2" in refused.stderr
