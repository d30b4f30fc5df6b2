"""Streaming a CSV file record by record, with physical line numbers and byte offsets.

The file is read in binary, one physical line at a time (``readline`` with a cap, never
the whole file), and each line is decoded on its own: UTF-8 never uses the byte 0x0A
inside a multi-byte sequence, so splitting on it first is exact, and a bad byte is then
reported *with its line* instead of aborting the whole stream as a decoding text
wrapper would. The decoded lines feed :func:`csv.reader` (RFC 4180 quoting, ``strict``),
which pulls lines only as the current record needs them, so the line where each record
starts, and its byte offset, are known exactly, even for quoted fields spanning lines.
"""

from __future__ import annotations

import csv
from array import array
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import BinaryIO

from scimbridge.connectors.csv_columns import CsvProblem, Header, Row, read_row, resolve_header

MAX_LINE_BYTES = 1024 * 1024
"""A longer physical line stops the read: no export holds one, and it bounds memory."""

_BOM = b"\xef\xbb\xbf"

ProblemSink = Callable[[CsvProblem], None]


class StopScan(Exception):
    """Raised by a problem sink that has seen enough (``max_problems``)."""


class _Lines:
    """Decoded physical lines of ``stream`` for csv.reader, counting lines and bytes."""

    def __init__(self, stream: BinaryIO, report: ProblemSink, *, line: int, offset: int) -> None:
        self._stream = stream
        self._report = report
        self.line = line - 1  # the last physical line handed out
        self.offset = offset  # the byte offset after it
        self._at_start = offset == 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        raw = self._stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            raise StopIteration
        self.line += 1
        self.offset += len(raw)
        if self._at_start:
            self._at_start = False
            raw = raw.removeprefix(_BOM)  # the BOM Excel writes ("utf-8-sig")
        if len(raw) > MAX_LINE_BYTES:
            self._report(
                CsvProblem(
                    self.line,
                    None,
                    f"line is longer than {MAX_LINE_BYTES} bytes; "
                    "the rest of the file was not read",
                )
            )
            raise StopIteration
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            self._report(
                CsvProblem(
                    self.line,
                    None,
                    f"byte 0x{raw[error.start]:02x} at byte "
                    f"{error.start + 1} of the line is not UTF-8; save the file as UTF-8",
                )
            )
            text = raw.decode("utf-8", "replace")
        if "\x00" in text:
            self._report(CsvProblem(self.line, None, "the line contains a NUL byte"))
            text = text.replace("\x00", "")
        return text


@dataclass(frozen=True, slots=True)
class Record:
    """The fields of one CSV record, the physical line it starts on and its byte offset."""

    line: int
    offset: int
    fields: list[str]


def sniff_delimiter(stream: BinaryIO) -> str:
    """``,`` unless the header line has no comma but has ``;`` or tabs (more of them).

    Excel saves "CSV" with the list separator of the system's region, ``;`` wherever
    the decimal separator is a comma (most of Europe); other tools export tab-separated
    text. Only the header is looked at, so a data value never changes how a file is read.
    Leaves the stream where it was.
    """
    position = stream.tell()
    first = stream.readline(MAX_LINE_BYTES).removeprefix(_BOM)
    stream.seek(position)
    if b"," in first:
        return ","
    semicolons, tabs = first.count(b";"), first.count(b"\t")
    return "," if semicolons == tabs == 0 else ";" if semicolons >= tabs else "\t"


def records(
    stream: BinaryIO,
    report: ProblemSink,
    *,
    line: int = 1,
    offset: int = 0,
    delimiter: str = ",",
) -> Iterator[Record]:
    """Every record from ``offset`` on (blank lines skipped); malformed quoting and
    over-long fields are reported at the line the record starts on, and reading goes on
    with the next line."""
    lines = _Lines(stream, report, line=line, offset=offset)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    start_line, start_offset = lines.line + 1, lines.offset
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            report(CsvProblem(start_line, None, _explain(error)))
            fields = []
        if fields:
            yield Record(line=start_line, offset=start_offset, fields=fields)
        start_line, start_offset = lines.line + 1, lines.offset


def _explain(error: csv.Error) -> str:
    """The csv module's message, plus what it means when a quote is never closed: the
    rest of the file was read as one field, so the problem is where the record began."""
    if "unexpected end of data" in str(error):
        return "a quoted field opened in this record is never closed (unexpected end of data)"
    return f"the record is not valid CSV: {error}"


class SeenKeys:
    """Which ids and userNames appeared, and first where: bounded and compact.

    An open-addressing table of 64-bit hashes (``array('Q')``) and first lines
    (``array('I')``), 12 bytes a slot, filled up to 80 % (double hashing keeps probes
    short at that load): about 3 MB for 100,000 rows' ids and userNames, where a ``set``
    of the strings would hold every value. Two different keys with the same 64-bit hash
    would be reported as a duplicate; with 200,000 keys the chance is about 1 in 10^9
    per file.
    """

    def __init__(self, capacity: int = 1024) -> None:
        self._hashes = array("Q", [0]) * capacity
        self._lines = array("I", [0]) * capacity
        self._count = 0

    def add(self, kind: str, key: str, line: int) -> int | None:
        """Remember ``key``; the line it was first seen on if it was already there."""
        if 5 * (self._count + 1) > 4 * len(self._hashes):
            self._grow()
        code = (hash((kind, key)) & 0xFFFF_FFFF_FFFF_FFFF) or 1  # 0 marks an empty slot
        found = self._place(code, line)
        if found is None:
            self._count += 1
        return found

    def _place(self, code: int, line: int) -> int | None:
        mask = len(self._hashes) - 1
        slot, step = code & mask, (code >> 32) | 1  # an odd step visits every slot
        while True:
            held = self._hashes[slot]
            if held == 0:
                self._hashes[slot] = code
                self._lines[slot] = line
                return None
            if held == code:
                return self._lines[slot]
            slot = (slot + step) & mask

    def _grow(self) -> None:
        old = zip(self._hashes, self._lines, strict=True)
        size = 2 * len(self._hashes)
        self._hashes = array("Q", [0]) * size
        self._lines = array("I", [0]) * size
        for code, line in old:
            if code:
                self._place(code, line)


class Scan:
    """One pass over a CSV file: the header, then each data row checked and mapped.

    Problems go to ``report`` (which may raise to stop); :meth:`rows` yields only valid
    rows, with ``offset`` so a later pass can re-read one row directly.
    """

    def __init__(
        self, stream: BinaryIO, header_map: Mapping[str, str] | None, report: ProblemSink
    ) -> None:
        self._report = report
        self.delimiter = sniff_delimiter(stream)
        self._records = records(stream, report, delimiter=self.delimiter)
        self._seen = SeenKeys()
        self.rows_read = 0
        first = next(self._records, None)
        if first is None:
            report(CsvProblem(1, None, "the file is empty: it needs a header row"))
            self.header: Header | None = None
            return
        if first.line != 1:
            report(CsvProblem(1, None, "the first line is blank: it must be the header row"))
        header, problems = resolve_header(first.fields, header_map)
        for problem in problems:
            report(problem)
        self.header = None if problems else header

    def rows(self) -> Iterator[tuple[Row, int]]:
        """Valid rows and their byte offsets; nothing when the header is unusable."""
        if self.header is None:
            return
        for record in self._records:
            self.rows_read += 1
            row, problems = read_row(self.header, record.fields, record.line)
            if row is not None:
                problems = self._duplicates(row)
            for problem in problems:
                self._report(problem)
            if row is not None and not problems:
                yield row, record.offset

    def _duplicates(self, row: Row) -> list[CsvProblem]:
        """Duplicate ids (exact, as ``externalId`` is caseExact, RFC 7643 §3.1) and
        userNames (casefolded, the store's ``user_name_key`` rule)."""
        problems = []
        for kind, column, key in (
            ("id", "id", row.source_id),
            ("user_name", "user_name", row.values["user_name"].casefold()),
        ):
            first = self._seen.add(kind, key, row.line)
            if first is not None:
                value = row.values[column]
                problems.append(
                    CsvProblem(
                        row.line, column, f"{column} {value!r} is already used on line {first}"
                    )
                )
        return problems
