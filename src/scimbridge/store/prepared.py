"""The statements every request runs, straight on the driver's cursor.

SQLAlchemy's ``Connection.execute`` costs about 30-40 µs per statement on top of the
query itself (profiled on SQLite: 44 µs against 3 µs for the driver call), and a SCIM GET
runs three of them: the token, the resource, its groups. That was half of the
request's database time. Prepared too: the IdP's existence probe
(``scim_queries.find_by_key``), the directory lock every write takes (``FOR UPDATE`` is
compiled in on PostgreSQL), the write path's inserts, updates and deletes and its
sequence allocation (``UPDATE … RETURNING``), and the webhook worker's head event.

:class:`PreparedRead` and :class:`PreparedWrite` take a statement written with
SQLAlchemy Core, as everywhere else, and compile it with SQLAlchemy's own compiler,
once per dialect (and, for a write, per set of parameter names, which decide the
columns of an ``INSERT`` or ``UPDATE`` exactly as they do for ``Connection.execute``).
Each run hands the SQL and its parameters, through the bind types' processors, to the
DBAPI cursor of the caller's connection (same transaction), and applies the column
types' result processors to what comes back. So the SQL and the types still come from
SQLAlchemy; only its per-call bookkeeping is skipped. ``tests/store/test_prepared.py``
holds both paths to the same rows and types on both databases.

Limit, checked when the statement is compiled: no expanding ``IN`` parameter (SQLAlchemy
renders those per call). A driver error is raised as SQLAlchemy's wrapped error
class (``sqlalchemy.exc.IntegrityError`` …) so callers catch the same thing on
either path.
"""

from __future__ import annotations

import threading
from collections import namedtuple
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import ReturningUpdate, UpdateBase

Processor = Callable[[Any], Any]
Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")


class _Memo(Generic[Key, Value]):
    """Each value built once, even when threads ask for it at the same time."""

    def __init__(self) -> None:
        self._values: dict[Key, Value] = {}
        self._lock = threading.Lock()

    def get(self, key: Key, build: Callable[[], Value]) -> Value:
        value = self._values.get(key)
        if value is None:
            with self._lock:
                value = self._values.get(key)
                if value is None:
                    value = self._values[key] = build()
        return value


@dataclass(frozen=True)
class _Binds:
    """A compiled statement's SQL and how to turn named parameters into its arguments."""

    sql: str
    positional: bool
    names: tuple[str, ...]  # bind names, in placeholder order when positional
    literals: dict[str, Any]  # values of binds the statement itself carries
    processors: dict[str, Processor]

    def arguments(self, params: Mapping[str, Any]) -> Any:
        bound = {}
        for name in self.names:
            value = params[name] if name in params else self.literals[name]
            processor = self.processors.get(name)
            bound[name] = value if processor is None else processor(value)
        return tuple(bound[name] for name in self.names) if self.positional else bound


def _binds(statement: Any, dialect: Dialect, column_keys: list[str] | None = None) -> _Binds:
    compiler = statement.compile(dialect=dialect, column_keys=column_keys)
    assert isinstance(compiler, SQLCompiler)
    binds = compiler.binds
    if any(bind.expanding for bind in binds.values()):
        raise ValueError("prepared statements do not take expanding IN parameters")
    positional = compiler.positional
    names = tuple(compiler.positiontup or ()) if positional else tuple(binds)
    processors: dict[str, Processor] = {}
    for name in names:
        processor = binds[name].type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            processors[name] = processor
    return _Binds(
        sql=compiler.string,
        positional=positional,
        names=names,
        literals={name: bind.effective_value for name, bind in binds.items() if not bind.required},
        processors=processors,
    )


@dataclass(frozen=True)
class _Compiled:
    binds: _Binds
    result_types: tuple[Any, ...]
    row_type: Any  # a namedtuple class: rows read by attribute, like SQLAlchemy's Row


def _run(
    connection: Connection, binds: _Binds, arguments: Any, many: bool = False
) -> tuple[Any, list[Any] | None, Any]:
    """(cursor rowcount, rows or None, cursor description), errors as SQLAlchemy's."""
    dialect = connection.dialect
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if many:
            cursor.executemany(binds.sql, arguments)
        else:
            cursor.execute(binds.sql, arguments)
        description = cursor.description
        rows = cursor.fetchall() if description is not None else None
        return cursor.rowcount, rows, description
    except dialect.loaded_dbapi.Error as error:
        # hide_parameters: the values are users' personal data (create_db_engine).
        raise DBAPIError.instance(
            binds.sql,
            arguments,
            error,
            dialect.loaded_dbapi.Error,
            hide_parameters=True,
            dialect=dialect,
        ) from error
    finally:
        cursor.close()


def _processed(processors: tuple[Processor | None, ...], row: Any) -> list[Any]:
    return [value if p is None else p(value) for p, value in zip(processors, row, strict=True)]


class PreparedRead:
    """A statement that returns rows (a ``SELECT``, an ``UPDATE … RETURNING``), compiled
    once per dialect, run without ``Connection.execute``."""

    def __init__(self, statement: Select[Any] | ReturningUpdate[Any]) -> None:
        self.statement = statement
        self._compiled: _Memo[str, _Compiled] = _Memo()
        # Result processors depend on the driver's column type codes, known after a run.
        self._processors: dict[str, tuple[Processor | None, ...]] = {}

    def rows(self, connection: Connection, params: Mapping[str, Any]) -> list[Any]:
        dialect = connection.dialect
        compiled = self._compiled.get(dialect.name, lambda: self._compile(dialect))
        _, raw, description = _run(connection, compiled.binds, compiled.binds.arguments(params))
        processors = self._processors.get(dialect.name)
        if processors is None:
            processors = self._result_processors(dialect, compiled, description)
        make = compiled.row_type._make
        if not any(processors):
            return [make(row) for row in raw or ()]
        return [make(_processed(processors, row)) for row in raw or ()]

    def first(self, connection: Connection, params: Mapping[str, Any]) -> Any | None:
        found = self.rows(connection, params)
        return found[0] if found else None

    def scalar(self, connection: Connection, params: Mapping[str, Any]) -> Any:
        row = self.first(connection, params)
        return row[0] if row is not None else None

    def _compile(self, dialect: Dialect) -> _Compiled:
        columns = self.statement.exported_columns
        return _Compiled(
            binds=_binds(self.statement, dialect),
            result_types=tuple(column.type for column in columns),
            # rename: a RETURNING of an expression has no identifier for a name
            row_type=namedtuple("Row", [c.key for c in columns], rename=True),  # type: ignore[misc]
        )

    def _result_processors(
        self, dialect: Dialect, compiled: _Compiled, description: Any
    ) -> tuple[Processor | None, ...]:
        processors = tuple(
            type_.dialect_impl(dialect).result_processor(dialect, column[1])
            for type_, column in zip(compiled.result_types, description, strict=True)
        )
        self._processors[dialect.name] = processors
        return processors


class PreparedWrite:
    """An ``INSERT``, ``UPDATE`` or ``DELETE`` run without ``Connection.execute``.

    As with ``Connection.execute``, the parameter names decide which columns an ``INSERT``
    lists or an ``UPDATE`` sets, so it is compiled once per dialect and set of names.
    """

    def __init__(self, statement: UpdateBase) -> None:
        self.statement = statement
        self._compiled: _Memo[tuple[str, tuple[str, ...]], _Binds] = _Memo()

    def execute(self, connection: Connection, params: Mapping[str, Any]) -> int:
        """Run once; the number of rows it touched."""
        binds = self._binds(connection.dialect, params)
        rowcount, _, _ = _run(connection, binds, binds.arguments(params))
        return int(rowcount)

    def execute_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run once per row (the driver's ``executemany``); every row has the same names."""
        if not rows:
            return
        binds = self._binds(connection.dialect, rows[0])
        _run(connection, binds, [binds.arguments(row) for row in rows], many=True)

    def _binds(self, dialect: Dialect, params: Mapping[str, Any]) -> _Binds:
        names = tuple(sorted(params))
        return self._compiled.get(
            (dialect.name, names), lambda: _binds(self.statement, dialect, list(names))
        )
