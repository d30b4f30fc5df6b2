"""Builders of CSV files for the CSV source tests: bytes written exactly as given."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

WriteCsv = Callable[[str | bytes], Path]


def csv_text(rows: Sequence[Sequence[str]], *, line_end: str = "\n") -> str:
    """Rows as csv.writer quotes them (RFC 4180), with the given line ending.

    With a bare LF terminator every field is quoted: csv.writer then leaves a field
    holding a lone CR unquoted, which no CSV reader can read back.
    """
    buffer = io.StringIO()
    quoting = csv.QUOTE_MINIMAL if line_end == "\r\n" else csv.QUOTE_ALL
    csv.writer(buffer, lineterminator=line_end, quoting=quoting).writerows(rows)
    return buffer.getvalue()


def write_csv_file(folder: Path, content: str | bytes) -> Path:
    """A new file in ``folder`` holding exactly ``content`` (str is encoded as UTF-8
    without newline translation; bytes are written as they are)."""
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".csv", delete=False) as stream:
        stream.write(content.encode("utf-8") if isinstance(content, str) else content)
    return Path(stream.name)
