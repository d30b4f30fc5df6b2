"""CSV import: validate the whole file, then run it through the sync engine as a source.

The file is validated first in one streaming pass (connectors/csv_source.validate_csv);
if anything is wrong, the answer is a 400 listing each problem with its line number and
nothing is applied. A valid file becomes a run with trigger ``import``: ``snapshot``
(the default: users absent from the file are deprovisioned per the directory's policy,
under the mass-deletion guard) or ``upsert`` (only what the file lists is created or
changed; nothing is removed). ``dry_run`` answers the counts and the first changes
without changing the directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scimbridge.connectors import csv_source
from scimbridge.connectors.base import SourceError
from scimbridge.connectors.csv_connector import header_map as check_header_map
from scimbridge.errors import InvalidRequest, NotFound
from scimbridge.runtime import Runtime
from scimbridge.services import syncs
from scimbridge.services.directories import decrypted_connection
from scimbridge.store import sync_runs as sync_store
from scimbridge.store import unit_of_work

MAX_SHOWN = 20


class InvalidFile(InvalidRequest):
    """400 ``invalid_file``: the CSV file has problems; none of it was applied."""

    code = "invalid_file"


def import_csv(
    runtime: Runtime,
    directory_id: str,
    path: Path,
    *,
    mode: str = "snapshot",
    dry_run: bool = False,
    header_map: dict[str, str] | None = None,
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
            f"the file has {len(problems)} problem(s); nothing was imported: {shown}{more}"
        )
    return syncs.sync_directory(
        runtime,
        directory_id,
        trigger="import",
        owner="import",
        source=csv_source.open_csv_source(path, mapping),
        mode=mode,
        dry_run=dry_run,
    )
