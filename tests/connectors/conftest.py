"""Builders of CSV files for the connector tests: bytes written exactly as given."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

WriteCsv = Callable[..., Path]


def csv_text(rows: Sequence[Sequence[str]], *, line_end: str = "\n") -> str:
    """Rows as csv.writer quotes them (RFC 4180), with the given line ending.

    With a bare LF terminator every field is quoted: csv.writer then leaves a field
    holding a lone CR unquoted, which no CSV reader can read back.
    """
    buffer = io.StringIO()
    quoting = csv.QUOTE_MINIMAL if line_end == "\r\n" else csv.QUOTE_ALL
    csv.writer(buffer, lineterminator=line_end, quoting=quoting).writerows(rows)
    return buffer.getvalue()


@pytest.fixture
def write_csv(tmp_path: Path) -> WriteCsv:
    """``write_csv(content, name="users.csv")``: a file holding exactly ``content``
    (str is encoded as UTF-8 without newline translation; bytes are written as they are)."""
    counter = iter(range(1_000_000))

    def write(content: str | bytes, name: str | None = None) -> Path:
        path = tmp_path / (name or f"users-{next(counter)}.csv")
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return write
