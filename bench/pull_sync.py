"""A full pull sync from each real source: first run and no-change run, end to end.

Run by hand (never part of the test suite)::

    .venv/bin/python bench/pull_sync.py --source csv|google|ldap [--users N] [--groups N]
        [--database URL]

Issue 14's benchmark: the source is real and holds ``--users`` users in ``--groups``
groups; a pull directory is created through the directory service with the
``connection`` a user would give it; then the engine (``services.syncs``) runs a first
sync (everything created) and a no-change sync with the REAL connector opened from the
stored, encrypted connection, exactly as the worker or ``POST …/sync`` does.

- ``csv``: a generated HR export (``tests/support/csv_people.py``: two groups per user)
  imported with ``services.csv_import.import_csv`` (validation pass + engine run), the
  only way a CSV directory receives data.
- ``google``: the fake Directory API (``bench/google_source.py``'s server: two groups
  per user, a few nested groups) in a CHILD process on 127.0.0.1, reached with a
  generated service-account key (JWT bearer grant); its memory is NOT in the peak RSS
  below and is printed separately (``RUSAGE_CHILDREN`` after it exits).
- ``ldap``: slapd on 127.0.0.1 bulk-loaded with ``slapadd`` (``tests/support/slapd.py``),
  StartTLS against the generated CA, 50 members per group; slapd is a separate process,
  not in the peak RSS.

Printed per run: outcome, wall time, events written, events per second, users created,
memberships added, and the peak RSS (``ru_maxrss``) of this process: the engine, the
connector and SQLite's page cache. SQLite in a temporary directory unless
``--database`` names another (empty) database.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from sync import bench_runtime, measure_runs  # bench/sync.py (this folder is on sys.path)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import machine_description

from scimbridge.runtime import Runtime
from scimbridge.services import csv_import, syncs
from scimbridge.services.audit import cli_actor
from tests.connectors.fakes import make_pull_directory

Connection = tuple[str, dict[str, Any], Callable[[Runtime, str], dict[str, Any]]]


def _sync(runtime: Runtime, directory_id: str) -> dict[str, Any]:
    """A manual sync: the engine opens the connector from the stored connection."""
    return syncs.sync_directory(runtime, directory_id, trigger="manual", owner="bench")


@contextmanager
def csv_source(users: int, groups: int) -> Iterator[Connection]:
    from tests.support.csv_people import write_people

    with tempfile.TemporaryDirectory(prefix="scimbridge-pull-csv-") as folder:
        path = Path(folder) / "people.csv"
        size = write_people(path, users, groups=groups)
        print(f"csv file: {size / 2**20:.1f} MiB", flush=True)
        yield (
            "csv",
            {},
            lambda runtime, d: csv_import.import_csv(runtime, d, path, actor=cli_actor()),
        )


@contextmanager
def google_source(users: int, groups: int) -> Iterator[Connection]:
    from google_source import SA_EMAIL, _serve  # bench/google_source.py

    from tests.support.fake_google import new_key, service_account_key

    key = new_key()
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(users, groups, public_pem, child), daemon=True
    )
    began = time.perf_counter()
    process.start()
    try:
        if not parent.poll(900):
            raise SystemExit("the fake Google API did not start within 900 s")
        url = parent.recv()
        print(f"fake Google API filled in {time.perf_counter() - began:.1f} s", flush=True)
        connection = {
            "service_account": service_account_key(key, SA_EMAIL, f"{url}/token"),
            "subject": "admin@example.com",
            "api_base_url": url,
            "token_uri": f"{url}/token",
        }
        yield "google", connection, _sync
    finally:
        parent.send("stop")
        process.join(timeout=30)
        if process.is_alive():
            process.kill()
            process.join(timeout=10)
        fake_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"fake Google API process peak RSS {fake_kib / 1024:.0f} MB (not included above)")


@contextmanager
def ldap_source(users: int, groups: int) -> Iterator[Connection]:
    from tests.support.slapd import SUFFIX, slapd_server, write_groups_ldif, write_people_ldif

    with tempfile.TemporaryDirectory(prefix="scimbridge-pull-ldap-") as tmp:
        people = write_people_ldif(Path(tmp) / "people.ldif", "people", users)
        group_file = write_groups_ldif(
            Path(tmp) / "groups.ldif", "groups", "people", users, groups, 50
        )
        began = time.perf_counter()
        with slapd_server(bulk_ldif=[people, group_file]) as server:
            print(f"slapadd + slapd start {time.perf_counter() - began:.1f} s", flush=True)
            connection = server.connection(
                user_base_dn=f"ou=people,{SUFFIX}", group_base_dn=f"ou=groups,{SUFFIX}"
            )
            yield "ldap", connection, _sync


SOURCES = {"csv": csv_source, "google": google_source, "ldap": ldap_source}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", choices=sorted(SOURCES), required=True)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=2_000)
    parser.add_argument("--database")
    args = parser.parse_args()
    print(f"{args.source}: {args.users} users, {args.groups} groups", flush=True)
    with (
        SOURCES[args.source](args.users, args.groups) as (provider, connection, run),
        bench_runtime(args.database) as runtime,
    ):
        directory_id = make_pull_directory(runtime, provider, connection=connection or None)
        print(f"database {runtime.engine.dialect.name}; before the runs peak RSS ", end="")
        print(f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB", flush=True)
        runs = measure_runs(lambda: run(runtime, directory_id))
    print(machine_description())
    return 0 if all(r["outcome"] == "succeeded" for r in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
