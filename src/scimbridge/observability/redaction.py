"""Keep users' personal data out of the log when the database fails.

Engines are built with ``hide_parameters=True`` (``store.engine``), so SQLAlchemy's own
error text no longer lists the bound values. The driver's message can still carry them:
PostgreSQL explains a unique violation with ``DETAIL: Key (user_name)=(jane@…) already
exists``, a check violation with ``Failing row contains (…)`` and a bad cast with the
value itself (PostgreSQL docs, "Error Message Style Guide": details may include data).
A logged traceback prints every chained exception's message, so a record whose exception
involves the database is rewritten by :class:`RedactDatabaseErrors`: the error's class,
SQLSTATE and parameterised statement, and the stack's frames, but no driver message.
"""

from __future__ import annotations

import logging
import traceback

from sqlalchemy.exc import DBAPIError, StatementError


def database_error_in(error: BaseException | None) -> StatementError | None:
    """The SQLAlchemy statement error in ``error``'s cause/context chain, if any."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, StatementError):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def describe(error: StatementError) -> str:
    """Class, SQLSTATE and statement text (placeholders only, never values)."""
    original = error.orig
    state = getattr(original, "sqlstate", None) or getattr(original, "sqlite_errorname", None)
    kind = type(original).__name__ if isinstance(error, DBAPIError) else type(error).__name__
    statement = " ".join((error.statement or "").split())[:500]
    return f"database error {kind} ({state or 'no SQLSTATE'}) in: {statement}"


def redacted_traceback(error: BaseException) -> str:
    """The frames of ``error``'s traceback, without any exception message."""
    frames = "".join(traceback.format_tb(error.__traceback__))
    return f"Traceback (most recent call last):\n{frames}{type(error).__qualname__}: <redacted>"


class RedactDatabaseErrors(logging.Filter):
    """Rewrites records whose exception involves the database (see the module doc)."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        found = database_error_in(error)
        if error is not None and found is not None:
            record.msg = f"{record.getMessage()}: {describe(found)}\n{redacted_traceback(error)}"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


REDACT_DATABASE_ERRORS = RedactDatabaseErrors()


def logger(name: str) -> logging.Logger:
    """``logging.getLogger(name)`` with :data:`REDACT_DATABASE_ERRORS` attached.

    A filter on a logger sees only the records logged through that very logger, so each
    module that may log a database error gets its logger here.
    """
    log = logging.getLogger(name)
    if REDACT_DATABASE_ERRORS not in log.filters:
        log.addFilter(REDACT_DATABASE_ERRORS)
    return log
