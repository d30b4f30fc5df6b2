"""Pull runs in the audit log: an import that ran (``directory.imported``) and an approval
(``sync.approved``), with the admin token as actor; a dry run or a refused file is not."""

from __future__ import annotations

import httpx

from scimbridge.ids import hash_token
from tests.api.test_audit_log import audit_entries
from tests.api.test_syncs import HEADER, csv_directory, rows, upload
from tests.support.server import RunningServer


def actions(admin: httpx.Client, directory_id: str) -> list[str]:
    return [e["action"] for e in audit_entries(admin, directory_id)]


def test_an_import_is_audited_with_its_mode_and_run(
    server: RunningServer, admin: httpx.Client
) -> None:
    directory_id = csv_directory(admin)
    assert upload(admin, directory_id, HEADER + rows(3), dry_run="true").status_code == 200
    assert upload(admin, directory_id, HEADER + "id\n").status_code == 400
    assert actions(admin, directory_id) == ["directory.created"]

    run = upload(admin, directory_id, HEADER + rows(3), mode="upsert").json()
    entry = audit_entries(admin, directory_id)[0]
    assert entry["action"] == "directory.imported"
    assert entry["target_id"] == run["id"]
    assert entry["details"] == {"mode": "upsert", "run_id": run["id"], "outcome": "succeeded"}
    assert entry["actor"] == {"kind": "admin_token", "id": hash_token(server.admin_token)[:12]}


def test_a_held_import_and_its_approval_are_both_audited(admin: httpx.Client) -> None:
    directory_id = csv_directory(admin)
    upload(admin, directory_id, HEADER + rows(20))
    held = upload(admin, directory_id, HEADER + rows(5)).json()
    assert held["outcome"] == "held"
    approve = f"/api/v1/directories/{directory_id}/syncs/{held['id']}/approve"
    assert admin.post(approve).status_code == 200
    assert admin.post(approve).status_code == 409  # refused: not audited again

    approved, imported_held, imported_first, created = audit_entries(admin, directory_id)
    assert created["action"] == "directory.created"
    assert imported_first["details"]["outcome"] == "succeeded"
    assert imported_held["action"] == "directory.imported"
    assert imported_held["details"] == {"mode": "snapshot", "run_id": held["id"], "outcome": "held"}
    assert approved["action"] == "sync.approved"
    assert approved["target_id"] == held["id"]
    assert approved["details"]["run_id"] == held["id"]
    assert approved["details"]["outcome"] == "approved"
    assert approved["details"]["counts"]["deactivated"] == 15
    assert approved["actor"]["kind"] == "admin_token"
