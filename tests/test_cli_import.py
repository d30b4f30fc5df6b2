"""``scimbridge directories import / approve`` in a child process, on both databases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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


def test_an_invalid_file_is_refused_with_its_line(databases, tmp_path: Path) -> None:
    url = databases.empty_url()
    created = run(url, "directories", "create", "--name", "H", "--tenant", "t", "--provider", "csv")
    directory_id = json.loads(created.stdout)["id"]
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "e1,,x@example.com,\n", encoding="utf-8")
    refused = run(url, "directories", "import", directory_id, str(bad))
    assert refused.returncode == 1
    assert "line 2" in refused.stderr
