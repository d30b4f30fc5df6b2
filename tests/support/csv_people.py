"""A generated HR-style CSV export of any size, written row by row (never held whole).

Used by the streaming test (100,000 rows) and by ``bench/csv_source.py``; deterministic,
so a size or a memory figure refers to the same file every time.
"""

from __future__ import annotations

import csv
from pathlib import Path

HEADER = (
    "id",
    "user_name",
    "email",
    "first_name",
    "last_name",
    "active",
    "groups",
    "department",
    "title",
    "manager_id",
)


def write_people(path: Path, rows: int, *, groups: int = 2000) -> int:
    """``rows`` valid users in ``groups`` groups (two each); returns the file's size."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        for n in range(rows):
            writer.writerow(
                (
                    f"E{n:07d}",
                    f"person.{n}@example.com",
                    f"person.{n}@example.com",
                    f"First{n}",
                    f"Last{n % 997}",
                    "false" if n % 50 == 0 else "true",
                    f"Group {n % groups};Team {(n * 7) % groups}",
                    f"Department {n % 40}",
                    "Engineer" if n % 3 else "Analyst, Senior",
                    f"E{n // 10:07d}",
                )
            )
    return path.stat().st_size
