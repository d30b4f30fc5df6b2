"""The check every directory-scoped use case opens with: the directory named must exist.

One place for it keeps the answer the same everywhere: 404 ``not_found`` with the same
message on /api/v1, and the console's not-found page, never a 500 or an empty list.
"""

from __future__ import annotations

from sqlalchemy import Connection

from scimbridge.directory.models import DirectoryRecord
from scimbridge.errors import NotFound
from scimbridge.store.directories import get_directory


def require_directory(connection: Connection, directory_id: str) -> DirectoryRecord:
    """The directory, read in the caller's transaction, or :class:`NotFound`."""
    record = get_directory(connection, directory_id)
    if record is None:
        raise NotFound(f"directory {directory_id} not found")
    return record
