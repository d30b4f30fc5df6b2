"""CSV source: validate and stream a generated 100,000-row HR export; wall time, peak RSS.

Each phase runs in a fresh child process (``--phase``), so its peak RSS
(``ru_maxrss``) is its own: ``import`` (the interpreter and scimbridge loaded, the
baseline), ``validate`` (:func:`validate_csv`), ``users`` (open the source and stream
every user), ``groups`` (the group index and every group's members). The file is
written by ``tests/support/csv_people.py`` (deterministic), into a temporary directory
that is deleted at the end. No server and no network are involved.

    .venv/bin/python bench/csv_source.py                # 100,000 rows, 2,000 groups
    .venv/bin/python bench/csv_source.py --rows 10000   # quick
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import REPO, machine_description, markdown_table

PHASES = ("import", "validate", "users", "groups")


def run_phase(phase: str, path: Path) -> dict[str, Any]:
    """One phase in this process (called in the child); wall seconds and peak RSS."""
    sys.path.insert(0, str(REPO))
    from scimbridge.connectors.csv_source import open_csv_source, validate_csv

    started = time.perf_counter()
    count = 0
    if phase == "validate":
        problems = validate_csv(path)
        if problems:
            raise SystemExit(f"the generated file is invalid: {problems[:3]}")
        count = sum(1 for _ in path.open("rb")) - 1
    elif phase in ("users", "groups"):
        source = open_csv_source(path)
        try:
            if phase == "users":
                count = sum(1 for _ in source.users())
            else:
                count = sum(sum(1 for _ in source.members(g)) for g in source.groups())
        finally:
            source.close()
    wall = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {"phase": phase, "wall_s": wall, "count": count, "peak_rss_mib": peak_kib / 1024}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=2_000)
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(run_phase(args.phase, args.file)))
        return 0

    sys.path.insert(0, str(REPO))
    from tests.support.csv_people import write_people

    with tempfile.TemporaryDirectory(prefix="scimbridge-csv-bench-") as folder:
        path = Path(folder) / "people.csv"
        size = write_people(path, args.rows, groups=args.groups)
        results = []
        for phase in PHASES:
            child = subprocess.run(
                [sys.executable, __file__, "--phase", phase, "--file", str(path)],
                capture_output=True,
                text=True,
                timeout=900,
                check=False,
            )
            if child.returncode != 0:
                print(child.stderr, file=sys.stderr)
                return 1
            results.append(json.loads(child.stdout))
    baseline = results[0]["peak_rss_mib"]
    print(
        f"# CSV source: {args.rows:,} rows, {args.groups:,} groups, file {size / 2**20:.1f} MiB\n"
    )
    print(
        markdown_table(
            ["phase", "items", "wall (s)", "rows/s", "peak RSS (MiB)", "over import (MiB)"],
            [
                [
                    r["phase"],
                    f"{r['count']:,}",
                    f"{r['wall_s']:.2f}",
                    f"{args.rows / r['wall_s']:,.0f}" if r["count"] else "",
                    f"{r['peak_rss_mib']:.1f}",
                    f"{r['peak_rss_mib'] - baseline:.1f}",
                ]
                for r in results
            ],
        )
    )
    print()
    print(machine_description())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
