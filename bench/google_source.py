"""Fetch a large Google Workspace account through the real connector from the fake API.

The fake Directory API (``tests/support/fake_google*.py``) runs in a child process on
127.0.0.1 with ``--users`` users and ``--groups`` groups (every user in two groups, a few
groups nested); this process opens :class:`scimbridge.connectors.google.GoogleSource`
with a throwaway service-account key and streams ``users()``, ``groups()`` and
``members()`` of every group without keeping them, as the sync engine does. It prints
wall time per phase, requests (pages) made, and the peak RSS of *this* process (the
connector), which the fake's memory does not inflate.

    .venv/bin/python bench/google_source.py --users 100000 --groups 2000
"""

from __future__ import annotations

import argparse
import multiprocessing
import multiprocessing.connection
import resource
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support.fake_google

from scimbridge.connectors.google import GoogleSource, validate_connection
from tests.support.fake_google import ALL_SCOPES, new_key, service_account_key
from tests.support.fake_google_server import fake_google

SA_EMAIL = "bench@proj.iam.gserviceaccount.com"


def _serve(
    users: int, groups: int, public_pem: bytes, conn: multiprocessing.connection.Connection
) -> None:
    """Child: build the account, serve it until the parent says stop."""
    public_key = serialization.load_pem_public_key(public_pem)
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise TypeError("the bench's service account key is RSA")
    with fake_google() as fake:
        fake.add_admin("admin@example.com")
        fake.service_accounts[SA_EMAIL] = (public_key, set(ALL_SCOPES))
        made_groups = [fake.add_group(f"g{n}@example.com", f"Group {n}") for n in range(groups)]
        for n in range(users):
            user = fake.add_user(
                f"user{n}@example.com",
                "User",
                str(n),
                orgUnitPath=f"/Dept{n % 40}",
                organizations=[{"title": "Engineer", "department": f"D{n % 40}", "primary": True}],
                externalIds=[{"value": f"E{n}", "type": "organization"}],
                relations=[{"value": f"user{n // 10}@example.com", "type": "manager"}],
                suspended=n % 97 == 0,
            )
            fake.add_member(made_groups[n % groups], user)
            fake.add_member(made_groups[(n * 7 + 3) % groups], user)
        for n in range(0, groups - 1, 100):  # a few nested groups
            fake.add_member(made_groups[n], made_groups[n + 1], kind="GROUP")
        conn.send(fake.url)
        conn.recv()


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(args: argparse.Namespace) -> int:
    key = new_key()
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(args.users, args.groups, public_pem, child), daemon=True
    )
    process.start()
    try:
        if not parent.poll(600):
            raise SystemExit("the fake did not start within 600 s")
        url = parent.recv()
        connection = validate_connection(
            {
                "service_account": service_account_key(key, SA_EMAIL, f"{url}/token"),
                "subject": "admin@example.com",
                "api_base_url": url,
                "token_uri": f"{url}/token",
                "flatten_groups": args.flatten,
            }
        )
        rss_before = _rss_mib()
        source = GoogleSource(connection)
        try:
            started = time.perf_counter()
            seen_users = sum(1 for _ in source.users())
            users_done = time.perf_counter()
            group_list = list(source.groups())
            memberships = sum(sum(1 for _ in source.members(g)) for g in group_list)
            finished = time.perf_counter()
        finally:
            source.close()
        print(f"users           {seen_users:>9}  in {users_done - started:7.2f} s")
        print(f"groups          {len(group_list):>9}")
        print(f"memberships     {memberships:>9}  in {finished - users_done:7.2f} s")
        print(f"pages (requests){source.pages_fetched:>9}")
        print(f"total wall time {finished - started:9.2f} s")
        print(f"peak RSS        {_rss_mib():9.1f} MiB (before the fetch: {rss_before:.1f} MiB)")
    finally:
        parent.send("stop")
        process.join(timeout=30)
        if process.is_alive():
            process.kill()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=2_000)
    parser.add_argument("--flatten", action="store_true", help="includeDerivedMembership")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
