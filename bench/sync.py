"""Pull-sync benchmark: 100,000 users and 2,000 groups through the sync engine.

Run by hand: ``.venv/bin/python bench/sync.py [--users N] [--groups N] [--database URL]``.
The source is generated on the fly (an in-memory ``Source`` that yields users one by
one, never a list), so this measures the engine: staging, the set-based plan and the
write path. It prints, for a first run (everything created) and a no-change run: wall
time, events written and events per second, and the process's peak RSS. SQLite in a
temporary directory unless ``--database`` names another database (it must be empty).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scimbridge.config import Settings
from scimbridge.connectors.base import SourceGroup, SourceUser
from scimbridge.runtime import Runtime
from scimbridge.services import syncs
from tests.connectors.fakes import make_pull_directory, make_runtime


class GeneratedSource:
    """``users`` users, ``groups`` groups, each user in one group (and every tenth in two)."""

    def __init__(self, users: int, groups: int) -> None:
        self.count, self.group_count, self.pages = users, groups, 0

    def users(self) -> Iterator[SourceUser]:
        for n in range(self.count):
            if n % 500 == 0:
                self.pages += 1
            yield SourceUser(
                f"u{n:07d}",
                {
                    "userName": f"person{n}@example.com",
                    "name": {"givenName": f"Given{n}", "familyName": f"Family{n}"},
                    "emails": [{"value": f"person{n}@example.com", "primary": True}],
                    "active": True,
                },
            )

    def groups(self) -> Iterator[SourceGroup]:
        for g in range(self.group_count):
            yield SourceGroup(f"g{g:05d}", {"displayName": f"Group {g}"})

    def members(self, group: SourceGroup) -> Iterator[str]:
        self.pages += 1
        g = int(group.source_id[1:])
        for n in range(g, self.count, self.group_count):
            yield f"u{n:07d}"
        for n in range(g * 10, self.count, self.group_count * 10):
            if n % self.group_count != g:
                yield f"u{n:07d}"

    @property
    def pages_fetched(self) -> int:
        return self.pages

    def close(self) -> None:
        pass


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def bench_runtime(database: str | None) -> Iterator[Runtime]:
    """A migrated database (SQLite in a temporary directory unless ``database`` names an
    empty one) and a runtime on it; shared with ``bench/pull_sync.py``."""
    with tempfile.TemporaryDirectory() as tmp:
        url = database or f"sqlite:///{tmp}/bench.db"
        from scimbridge.bootstrap import ensure_schema
        from scimbridge.store.engine import create_db_engine

        ensure_schema(Settings(_env_file=None, database_url=url))  # type: ignore[call-arg]
        engine = create_db_engine(url)
        try:
            yield make_runtime(engine, url, sync_lease_seconds=3600)
        finally:
            engine.dispose()


def measure_runs(run_once: Callable[[], dict[str, Any]]) -> list[dict[str, Any]]:
    """A first run and a no-change run of ``run_once``; prints one line per run."""
    runs = []
    for label in ("first run", "no-change run"):
        started = time.perf_counter()
        run = run_once()
        wall = time.perf_counter() - started
        events = run["counts"]["events"]
        print(
            f"{label}: {run['outcome']}, {wall:.1f} s, {events} events "
            f"({events / wall:.0f} events/s), created {run['counts']['created']}, "
            f"memberships added {run['counts']['memberships_added']}, "
            f"peak RSS {peak_rss_mb():.0f} MB",
            flush=True,
        )
        runs.append({**run, "wall_s": wall})
    return runs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=2_000)
    parser.add_argument("--database")
    args = parser.parse_args()
    with bench_runtime(args.database) as runtime:
        directory_id = make_pull_directory(runtime)
        print(f"{args.users} users, {args.groups} groups, {runtime.engine.dialect.name}")
        measure_runs(
            lambda: syncs.sync_directory(
                runtime,
                directory_id,
                trigger="manual",
                owner="bench",
                source=GeneratedSource(args.users, args.groups),
            )
        )


if __name__ == "__main__":
    main()
