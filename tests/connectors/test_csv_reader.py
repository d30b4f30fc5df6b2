"""The CSV reader's pieces: the compact duplicate table and record positions."""

from __future__ import annotations

import io

from scimbridge.connectors.csv_columns import CsvProblem
from scimbridge.connectors.csv_reader import SeenKeys, records


def test_seen_keys_remember_the_first_line_across_growth() -> None:
    seen = SeenKeys(capacity=4)
    assert [seen.add("id", f"k{n}", n + 2) for n in range(5000)] == [None] * 5000
    assert seen.add("id", "k0", 9000) == 2
    assert seen.add("id", "k4999", 9001) == 5001
    assert seen.add("user_name", "k0", 9002) is None  # each kind is its own namespace
    assert seen.add("user_name", "k0", 9003) == 9002


def test_records_carry_their_first_line_and_byte_offset() -> None:
    data = 'id,note\r\n1,"a\nb"\n\n2,\u2028x\n'.encode()
    problems: list[CsvProblem] = []
    found = [(r.line, r.offset, r.fields) for r in records(io.BytesIO(data), problems.append)]
    assert found == [
        (1, 0, ["id", "note"]),
        (2, 9, ["1", "a\nb"]),
        (5, 18, ["2", "\u2028x"]),
    ]
    assert problems == []
