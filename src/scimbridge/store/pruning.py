"""One bounded delete for every retention rule (events/maintenance.py calls them in a loop).

Each prune deletes at most ``batch`` rows per call, so one call never holds SQLite's single
write lock for long; the caller repeats while a full batch came back. The rows are picked
by a subquery on the table's key (``DELETE … WHERE key IN (SELECT key … LIMIT n)``): both
databases accept it, where ``DELETE … LIMIT`` is SQLite-only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, delete, select


def delete_batch(
    connection: Connection,
    table: Table,
    where: ColumnElement[bool],
    *,
    batch: int,
    order_by: ColumnElement[Any] | None = None,
) -> int:
    """Delete up to ``batch`` rows of ``table`` matching ``where`` (the oldest first when
    ``order_by`` names an indexed column); how many were deleted."""
    key = next(iter(table.primary_key.columns))
    doomed = select(key).where(where)
    if order_by is not None:
        doomed = doomed.order_by(order_by)
    result = connection.execute(delete(table).where(key.in_(doomed.limit(batch).scalar_subquery())))
    return int(result.rowcount)
