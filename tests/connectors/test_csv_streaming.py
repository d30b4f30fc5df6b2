"""100,000 rows are validated and streamed in memory far below the file's size.

``tracemalloc`` counts every Python allocation (the key table's arrays, the group index,
each row's strings), so the peak is a direct measure of what the pass holds at once; a
source that read the file whole, or kept every row, would exceed the file's size.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scimbridge.connectors.csv_source import open_csv_source, validate_csv
from tests.support.csv_people import write_people

ROWS = 100_000


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    path = tmp_path_factory.mktemp("csv") / "people.csv"
    return path, write_people(path, ROWS)


def traced_peak(work: Callable[[], Any]) -> tuple[Any, int]:
    tracemalloc.start()
    try:
        result = work()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_validating_100k_rows_holds_a_fraction_of_the_file(big_csv: tuple[Path, int]) -> None:
    path, size = big_csv
    assert size > 10_000_000
    problems, peak = traced_peak(lambda: validate_csv(path))
    assert problems == []
    assert peak < 2 * size // 5


def test_streaming_100k_users_holds_a_fraction_of_the_file(big_csv: tuple[Path, int]) -> None:
    path, size = big_csv

    def stream() -> tuple[int, int]:
        source = open_csv_source(path)
        try:
            return sum(1 for _ in source.users()), source.pages_fetched
        finally:
            source.close()

    counts, peak = traced_peak(stream)
    assert counts == (ROWS, ROWS // 1000)
    assert peak < 2 * size // 5


def test_the_group_index_of_100k_rows_holds_a_fraction_of_the_file(
    big_csv: tuple[Path, int],
) -> None:
    """Groups and members come from the compact index (each group and the 4-byte
    offsets of its rows); ``members()`` re-reads one row at a time. Every group is
    listed; members are read for a sample, as each read holds one row only."""
    path, size = big_csv

    def index() -> tuple[int, int]:
        source = open_csv_source(path)
        try:
            groups = list(source.groups())
            return len(groups), sum(sum(1 for _ in source.members(g)) for g in groups[::40])
        finally:
            source.close()

    (groups, members), peak = traced_peak(index)
    assert groups == 4000
    assert members == 100 * 2 * ROWS // 4000
    assert peak < size // 2
