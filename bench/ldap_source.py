"""The LDAP source reading a large directory from a real slapd: time and memory.

Run by hand (never part of the test suite)::

    .venv/bin/python bench/ldap_source.py [--users 100000] [--groups 2000]
        [--members 50] [--page-size 500]
    .venv/bin/python bench/ldap_source.py --users 5000 --groups 100     # quick run

Starts slapd on 127.0.0.1 (``tests/support/slapd.py``: generated config and CA, StartTLS
on) with ``--users`` inetOrgPerson entries and ``--groups`` groupOfNames of ``--members``
members each, bulk-loaded with ``slapadd`` before start. Then one connector run as the
sync engine does it: ``users()`` to the end, then ``groups()`` and each group's
``members()``. Measured: slapadd time, wall time and rate of each pass, pages fetched,
the connector's CPU time (this process: ldap3's BER decoding and the mapping; slapd's
own CPU is not in it, and on a shared machine wall time is mostly waiting), and this
process's peak RSS (``ru_maxrss``: the connector's page buffers and DN index;
slapd is a separate process). Exits 1 when a count is off.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import machine_description, markdown_table

from scimbridge.connectors.ldap import open_source
from tests.support.slapd import (
    SUFFIX,
    slapd_server,
    write_groups_ldif,
    write_people_ldif,
)


def slapd_cpu_seconds(root: Path) -> float:
    """slapd's user + system CPU so far (/proc/PID/stat fields 14 and 15)."""
    pid = (root / "slapd.pid").read_text().split()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=2_000)
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--page-size", type=int, default=500)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="scimbridge-ldap-bench-") as tmp:
        people = write_people_ldif(Path(tmp) / "people.ldif", "people", args.users)
        groups_file = write_groups_ldif(
            Path(tmp) / "groups.ldif", "groups", "people", args.users, args.groups, args.members
        )
        began = time.monotonic()
        with slapd_server(bulk_ldif=[people, groups_file]) as server:
            load_seconds = time.monotonic() - began
            rss_before = peak_rss_mib()
            connection = server.connection(
                user_base_dn=f"ou=people,{SUFFIX}",
                group_base_dn=f"ou=groups,{SUFFIX}",
                page_size=args.page_size,
            )
            source = open_source(connection)
            try:
                started, cpu = time.monotonic(), time.process_time()
                server_cpu = slapd_cpu_seconds(server.root)
                users = sum(1 for _ in source.users())
                users_seconds = time.monotonic() - started
                users_cpu = time.process_time() - cpu
                users_server_cpu = slapd_cpu_seconds(server.root) - server_cpu
                user_pages = source.pages_fetched
                started, cpu = time.monotonic(), time.process_time()
                server_cpu = slapd_cpu_seconds(server.root)
                groups = memberships = 0
                for group in source.groups():
                    groups += 1
                    memberships += sum(1 for _ in source.members(group))
                groups_seconds = time.monotonic() - started
                groups_cpu = time.process_time() - cpu
                groups_server_cpu = slapd_cpu_seconds(server.root) - server_cpu
                pages = source.pages_fetched
            finally:
                source.close()
    expected_members = args.groups * min(args.members, args.users)
    rows = [
        [
            "slapadd + start",
            f"{args.users:,} users, {args.groups:,} groups",
            "",
            "",
            f"{load_seconds:.1f} s",
            "",
            "",
        ],
        [
            "users()",
            f"{users:,}",
            f"{user_pages:,}",
            f"{users / users_seconds:,.0f}/s",
            f"{users_seconds:.1f} s",
            f"{users_cpu:.1f} s",
            f"{users_server_cpu:.1f} s",
        ],
        [
            "groups() + members()",
            f"{groups:,} groups, {memberships:,} members",
            f"{pages - user_pages:,}",
            f"{memberships / groups_seconds:,.0f} members/s",
            f"{groups_seconds:.1f} s",
            f"{groups_cpu:.1f} s",
            f"{groups_server_cpu:.1f} s",
        ],
    ]
    print(
        markdown_table(
            ["phase", "entries", "requests", "rate", "wall", "connector CPU", "slapd CPU"], rows
        )
    )
    print()
    print(
        f"peak RSS of the connector process: {peak_rss_mib():.0f} MiB "
        f"(before the run: {rss_before:.0f} MiB); page size {args.page_size}"
    )
    print(machine_description())
    ok = users == args.users and groups == args.groups and memberships == expected_members
    if not ok:
        print(
            f"MISMATCH: expected {args.users} users, {args.groups} groups, "
            f"{expected_members} memberships",
            file=sys.stderr,
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
