"""Column types that behave the same on SQLite and PostgreSQL.

SQLite has no time-zone type and drops ``tzinfo``; :class:`UTCDateTime` stores naive UTC
and hands back aware UTC datetimes on both databases (warehouse's TZDateTime pattern).
:data:`JSONDocument` is JSONB on PostgreSQL (indexable, ``->>`` operators) and JSON1 text
on SQLite, so a SCIM filter on any attribute can be compiled to SQL on either.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, BigInteger, DateTime, Integer
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONDocument = JSON().with_variant(JSONB(), "postgresql")

# SQLite only auto-increments an ``INTEGER PRIMARY KEY`` (the rowid alias), never BIGINT.
AutoIncrementId = BigInteger().with_variant(Integer(), "sqlite")

__all__ = ["AutoIncrementId", "JSONDocument", "UTCDateTime"]
