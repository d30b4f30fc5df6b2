"""The CSV pull source (``provider: csv``): validate a file, then stream its users and groups.

Columns (the header row, line 1; names match case-insensitively, surrounding spaces
ignored):

=================  ===================================================================
``id``             required; the stable id of the person in the exporting system →
                   ``externalId`` and the ``source_id`` reconciliation matches on
``user_name``      required → ``userName`` (unique per file, case-insensitively)
``email``          → ``emails`` (one, ``type: work``, primary)
``first_name``     → ``name.givenName``
``last_name``      → ``name.familyName``
``display_name``   → ``displayName``
``active``         ``true/false``, ``yes/no``, ``1/0`` (any case); empty means active
``groups``         group names separated by ``;`` or ``|``
``title``          → ``title`` (a core attribute, RFC 7643 §4.1.1)
``employee_number`` ``department`` ``organization`` ``cost_center`` ``division``
                   → the enterprise extension (RFC 7643 §4.3)
``manager_id``     → enterprise ``manager.value``
=================  ===================================================================

Any other column is kept under the ``urn:scimbridge:csv:1.0:User`` extension, its
header name made a SCIM attribute name (``Cost Centre`` → ``Cost_Centre``, see
``csv_columns.attribute_name``), so it shows in ``raw_attributes`` and an
``attribute_map`` can expose it. ``header_map`` maps the file's header names to these
columns (``{"Employee ID": "id", "Work Email": "email"}``), so an HR export is used as
it is. Cells are trimmed; an empty cell leaves its attribute out.

The file is UTF-8, with or without a byte order mark; fields are separated by commas
(or by ``;`` or tabs when the header line has no comma: Excel's regional "CSV" and
tab-separated exports) and quoted as RFC 4180 says (a quoted field may span lines).
:func:`validate_csv` reports every problem with the physical line where its record
starts; the engine applies nothing from a file it reported problems for. Both functions
read the file as a stream (one line at a time), so memory stays bounded whatever the
file's size.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

from scimbridge.connectors.base import Source, SourceError, SourceGroup, SourceUser
from scimbridge.connectors.csv_columns import (
    COLUMNS,
    CSV_USER_SCHEMA,
    CsvProblem,
    group_key,
    group_resource,
    user_resource,
)
from scimbridge.connectors.csv_reader import Scan, StopScan, records

__all__ = [
    "COLUMNS",
    "CSV_USER_SCHEMA",
    "CsvProblem",
    "CsvSource",
    "open_csv_source",
    "validate_csv",
]

ROWS_PER_PAGE = 1000
"""A file has no pages; the run report counts one per 1,000 rows read (at least one)."""


def validate_csv(
    path: Path, header_map: Mapping[str, str] | None = None, *, max_problems: int = 100
) -> list[CsvProblem]:
    """Every problem of the file (up to ``max_problems``, in file order); [] when valid.

    One streaming pass: header, encoding, NUL bytes, CSV quoting, row widths, required
    and over-long values, e-mail and ``active`` values, duplicate ids and userNames. A
    file that cannot be opened is not a problem of its content: that raises
    ``SourceError("invalid_config")``, as :func:`open_csv_source` does.
    """
    problems: list[CsvProblem] = []

    def report(problem: CsvProblem) -> None:
        problems.append(problem)
        if len(problems) >= max_problems:
            raise StopScan

    try:
        with _open(path) as stream:
            for _ in Scan(stream, header_map, report).rows():
                pass
    except StopScan:
        pass
    return problems


def open_csv_source(path: Path, header_map: Mapping[str, str] | None = None) -> Source:
    """A :class:`~scimbridge.connectors.base.Source` over the file.

    The header is checked now (``SourceError("invalid_data")`` if unusable). Each
    stream re-reads the file; a problem met while streaming (the engine validates
    first, so only a file changed under the run) raises ``SourceError("invalid_data")``
    naming the line.
    """
    return CsvSource(path, header_map)


def _open(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as error:
        raise SourceError(
            "invalid_config", f"the CSV file cannot be read: {error.strerror or error}"
        ) from error


def _raise(problem: CsvProblem) -> None:
    column = f", column {problem.column}" if problem.column else ""
    raise SourceError("invalid_data", f"line {problem.line}{column}: {problem.message}")


class _Group:
    """A group met in the file: its name as first written, and the byte offsets of the
    rows listing it (4 bytes a membership in a file under 4 GiB, 8 above; never the
    member ids themselves)."""

    __slots__ = ("name", "offsets")

    def __init__(self, name: str, typecode: str) -> None:
        self.name = name
        self.offsets = array(typecode)


class CsvSource:
    """One CSV file as a pull source, for one run.

    ``users()`` streams the rows. ``groups()`` and ``members()`` use a compact index
    built by one pass on first use: each distinct group and the byte offsets of its rows;
    ``members()`` seeks to those rows and reads only their id.
    """

    def __init__(self, path: Path, header_map: Mapping[str, str] | None = None) -> None:
        self._path = path
        self._header_map = dict(header_map or {})
        self._rows_read = 0
        self._index: dict[str, _Group] | None = None
        self._streams: list[BinaryIO] = []
        with _open(path) as stream:
            scan = Scan(stream, self._header_map, _raise)
        header, self._delimiter = scan.header, scan.delimiter
        if header is None:  # unreachable: Scan reported (raised) why first
            raise SourceError("invalid_data", "the CSV file has no usable header row")
        self._id_column = header.columns.index("id")

    @property
    def pages_fetched(self) -> int:
        return max(1, -(-self._rows_read // ROWS_PER_PAGE))

    def users(self) -> Iterator[SourceUser]:
        with self._stream() as stream:
            scan = Scan(stream, self._header_map, _raise)
            for row, _ in scan.rows():
                self._rows_read = max(self._rows_read, scan.rows_read)
                yield SourceUser(source_id=row.source_id, resource=user_resource(row))

    def groups(self) -> Iterator[SourceGroup]:
        for key, group in self._group_index().items():
            yield SourceGroup(source_id=key, resource=group_resource(group.name))

    def members(self, group: SourceGroup) -> Iterator[str]:
        entry = self._group_index().get(group.source_id)
        if entry is None:
            return
        with self._stream() as stream:
            for offset in entry.offsets:
                stream.seek(offset)
                lines = records(stream, _raise, offset=offset, delimiter=self._delimiter)
                record = next(lines, None)
                if record is None:
                    raise _changed()
                yield self._id_of(record.fields)

    def close(self) -> None:
        for stream in self._streams:
            stream.close()
        self._streams.clear()

    # ----------------------------------------------------------------------- helpers

    def _stream(self) -> BinaryIO:
        stream = _open(self._path)
        self._streams = [s for s in self._streams if not s.closed]
        self._streams.append(stream)
        return stream

    def _group_index(self) -> dict[str, _Group]:
        if self._index is None:
            index: dict[str, _Group] = {}
            with self._stream() as stream:
                scan = Scan(stream, self._header_map, _raise)
                typecode = "I" if os.fstat(stream.fileno()).st_size < 2**32 else "Q"
                for row, offset in scan.rows():
                    for name in row.groups:
                        key = group_key(name)
                        entry = index.get(key)
                        if entry is None:
                            entry = index[key] = _Group(name, typecode)
                        entry.offsets.append(offset)
                self._rows_read = max(self._rows_read, scan.rows_read)
            self._index = index
        return self._index

    def _id_of(self, fields: list[str]) -> str:
        try:
            return fields[self._id_column].strip()
        except IndexError:
            raise _changed() from None


def _changed() -> SourceError:
    return SourceError("invalid_data", "the CSV file changed during the run; import it again")
