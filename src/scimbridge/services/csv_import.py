"""CSV import: validate the whole file, then run it through the sync engine as a source.

The file is validated first in one streaming pass (connectors/csv_source.validate_csv);
if anything is wrong, the answer is a 400 listing each problem with its line number and
nothing is applied. A valid file becomes a run with trigger ``import``: ``snapshot``
(the default: users absent from the file are deprovisioned per the directory's policy,
under the mass-deletion guard) or ``upsert`` (only what the file lists is created or
changed; nothing is removed). ``dry_run`` answers the counts and the first changes
without changing the directory. An import that ran (not a dry run) is an admin action:
``directory.imported`` is recorded with the run's outcome, in its transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from scimbridge.connectors import csv_source
from scimbridge.connectors.base import SourceError
from scimbridge.connectors.csv_columns import (
    COLUMNS,
    CSV_USER_SCHEMA,
    REQUIRED_COLUMNS,
    CsvProblem,
    Row,
    user_resource,
)
from scimbridge.connectors.csv_connector import header_map as check_header_map
from scimbridge.connectors.reconcile import RunContext
from scimbridge.errors import InvalidRequest, NotFound
from scimbridge.runtime import Runtime
from scimbridge.services import audit, syncs
from scimbridge.services.directories import decrypted_connection
from scimbridge.store import sync_runs as sync_store
from scimbridge.store import unit_of_work

MAX_SHOWN = 20


class InvalidFile(InvalidRequest):
    """400 ``invalid_file``: the CSV file has problems; none of it was applied."""

    code = "invalid_file"

    def __init__(self, message: str, problems: Sequence[CsvProblem] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems)

    def details(self) -> dict[str, Any]:
        """Each problem as ``{"line", "column", "message"}`` (``column`` null when the
        problem is the row's or the file's), so a client can point at it."""
        return {
            "problems": [
                {"line": p.line, "column": p.column, "message": p.message} for p in self.problems
            ]
        }


def import_csv(
    runtime: Runtime,
    directory_id: str,
    path: Path,
    *,
    mode: str = "snapshot",
    dry_run: bool = False,
    header_map: dict[str, str] | None = None,
    actor: audit.Actor,
) -> dict[str, Any]:
    if mode not in ("snapshot", "upsert"):
        raise InvalidRequest("mode must be snapshot or upsert")
    with unit_of_work.read(runtime.engine) as connection:
        row = sync_store.directory_settings(connection, directory_id)
    if row is None:
        raise NotFound(f"directory {directory_id} not found")
    if row.provider != "csv":
        raise InvalidRequest(f"only csv directories take imports; this one is {row.provider}")
    stored = decrypted_connection(runtime, row.connection_ciphertext).get("header_map")
    mapping = check_header_map(header_map if header_map is not None else stored)
    try:
        problems = csv_source.validate_csv(path, mapping)
    except SourceError as error:  # the file cannot be read at all
        raise InvalidFile(f"nothing was imported: {error.explanation}") from None
    if problems:
        shown = "; ".join(
            f"line {p.line}" + (f", column {p.column}" if p.column else "") + f": {p.message}"
            for p in problems[:MAX_SHOWN]
        )
        more = f" (and {len(problems) - MAX_SHOWN} more)" if len(problems) > MAX_SHOWN else ""
        raise InvalidFile(
            f"the file has {len(problems)} problem(s); nothing was imported: {shown}{more}",
            problems,
        )

    def audited(connection: Connection, ctx: RunContext, outcome: str) -> None:
        audit.record(
            connection,
            runtime.clock.now(),
            actor,
            "directory.imported",
            directory_id=directory_id,
            target_id=ctx.run_id,
            details={"mode": mode, "run_id": ctx.run_id, "outcome": outcome},
        )

    return syncs.sync_directory(
        runtime,
        directory_id,
        trigger="import",
        owner="import",
        source=csv_source.open_csv_source(path, mapping),
        mode=mode,
        dry_run=dry_run,
        finish=None if dry_run else audited,
    )


_SAMPLE = "sample@example.com"


def column_table() -> list[dict[str, Any]]:
    """The documented columns and the SCIM attribute each becomes, for the upload page.

    Worked out by mapping a sample row through the real row mapping
    (``csv_columns.user_resource``), one column at a time: the table cannot drift from
    the code. Paths are SCIM attribute paths (RFC 7644 §3.10; an extension's attribute
    is prefixed with its schema URN), what an ``attribute_map`` names.
    """
    base = {"id": "E0", "user_name": "base@example.com"}
    before = _leaves(user_resource(Row(line=2, values=base, extras={}, groups=())))
    table = []
    for column in COLUMNS:
        value = "false" if column == "active" else _SAMPLE
        after = _leaves(user_resource(Row(2, {**base, column: value}, {}, ())))
        changed = [path for path, leaf in after.items() if before.get(path) != leaf]
        exact = [path for path in changed if after[path] == value]
        table.append(
            {"column": column, "required": column in REQUIRED_COLUMNS, "paths": exact or changed}
        )
    return table


def extra_columns_schema() -> str:
    """Where a column that is not documented lands (``raw_attributes``)."""
    return CSV_USER_SCHEMA


def _leaves(resource: dict[str, Any], prefix: str = "", joint: str = ".") -> dict[str, Any]:
    """``{attribute path: value}`` of a resource's leaves; a list by its first item. An
    extension's attributes follow its URN after ``:`` (RFC 7644 §3.10), sub-attributes
    follow ``.``."""
    found: dict[str, Any] = {}
    for key, value in resource.items():
        if key == "schemas":
            continue
        path = f"{prefix}{joint}{key}" if prefix else key
        if isinstance(value, list) and value:
            value = value[0]
        if isinstance(value, dict):
            found.update(
                _leaves(value, path, ":" if not prefix and key.startswith("urn:") else ".")
            )
        else:
            found[path] = value
    return found
