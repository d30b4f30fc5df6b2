"""Large-directory behaviour: does anything get slow as one directory grows?

Run by hand (never part of the test suite)::

    .venv/bin/python bench/large_directory.py [--database-url URL] [--users 100000]
        [--groups 2000] [--big-group 20000]
    .venv/bin/python bench/large_directory.py --users 2000 --groups 40     # quick run

One real ``scimbridge serve`` on 127.0.0.1 and one directory (no webhook). Measured:

1. load over SCIM at concurrency 16 (httpx.AsyncClient, or with ``--client raw`` a
   minimal client that leaves the CPU to the server): ``--users`` POST /Users,
   ``--groups`` POST /Groups, then PATCH add members in batches of 50 (one batch per
   group, random users, so 50 members on average), then a big group filled to
   ``--big-group`` members (batches of 50). Every request's latency is kept: count,
   errors, p50/p99/max, whether any took over 1 s, and p50 of the first and last 10 % of
   the phase: a rising p50 means cost grows with the directory or group size.
2. what IdPs do to a big directory: ``userName eq`` and ``externalId eq`` lookups (1,000
   random users, concurrency 16: every Okta/Entra push starts with one), ``GET
   /Users/{id}``, deep ``startIndex`` paging at k = 1, U/2, U-100 (OFFSET cost), the admin
   API's cursor paging through every user (``limit=100``; what the application does), and
   PATCH add/remove one member on the big group (50 ops each, sequential): membership
   changes must not cost O(group size).
3. server RSS (VmRSS of the server process and its children) after the load and the
   highest value seen while paging.
4. the query plans (SQLite ``EXPLAIN QUERY PLAN`` / PostgreSQL ``EXPLAIN``) of the
   ``userName eq``, ``externalId eq`` and ``emails[value eq …]`` filters, compiled by the
   server's own filter compiler, so a missing index shows as a SCAN.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import secrets
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from _common import (
    GROUP_SCHEMA,
    PATCH_SCHEMA,
    Deployment,
    Latencies,
    RawClient,
    create_directory,
    describe_database,
    machine_description,
    markdown_table,
    ms,
    percentile,
    scim_client,
    scim_headers,
    served,
    server_parser,
    user_body,
)
from sqlalchemy import select, text

from scimbridge.scim.filter.parser import parse_filter
from scimbridge.scim.schemas import USER_RESOURCE
from scimbridge.store.engine import create_db_engine
from scimbridge.store.filter_sql import compile_filter
from scimbridge.store.tables import users

CONCURRENCY = 16
BATCH = 50
Job = TypeVar("Job")


class Bench:
    """State of one run: the deployment, the directory, the ids created so far."""

    def __init__(self, dep: Deployment, args: argparse.Namespace) -> None:
        self.dep = dep
        self.args = args
        self.run = secrets.token_hex(3)
        self.directory = create_directory(dep, f"bench-large-{self.run}")
        self.directory_id: str = self.directory["id"]
        self.scim = f"{dep.base_url}/scim/v2/{self.directory_id}"
        self.user_ids: list[str | None] = [None] * args.users
        self.group_ids: list[str] = []
        self.big_group: str | None = None
        self.big_members: list[str] = []
        self.client: httpx.AsyncClient | RawClient
        self.deadline = 0.0
        self.notes: list[str] = []
        self.notes_info: list[str] = []

    # ------------------------------------------------------------------ plumbing

    async def call(
        self, phase: Latencies, method: str, url: str, body: Any = None, expect: int = 200
    ) -> tuple[int, Any]:
        """One timed request; status 0 means a transport failure."""
        content = None if body is None else json.dumps(body).encode()
        started = time.monotonic()
        try:
            response = await self.client.request(method, url, content=content)
        except (httpx.HTTPError, OSError, asyncio.IncompleteReadError, TimeoutError) as error:
            phase.add(time.monotonic() - started, False, f"{method} {url}: {error!r}")
            return 0, None
        elapsed = time.monotonic() - started
        ok = response.status_code == expect
        phase.add(elapsed, ok, f"{method} {url} -> {response.status_code} {response.text}")
        data = None
        if response.content and response.headers.get("content-type", "").find("json") >= 0:
            data = response.json()
        return response.status_code, data

    async def pool(
        self,
        phase: Latencies,
        jobs: Sequence[Job],
        fn: Callable[[Job], Awaitable[None]],
        concurrency: int = CONCURRENCY,
    ) -> None:
        """Run ``fn`` over ``jobs`` with ``concurrency`` workers, until the phase deadline."""
        index = 0
        deadline = time.monotonic() + self.args.phase_timeout

        async def worker() -> None:
            nonlocal index
            while index < len(jobs):
                if time.monotonic() > deadline:
                    if "deadline" not in phase.name:
                        phase.name += " (DEADLINE HIT)"
                    return
                job = jobs[index]
                index += 1
                await fn(job)

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        phase.wall = time.monotonic() - started

    def created_users(self) -> list[int]:
        return [i for i, uid in enumerate(self.user_ids) if uid]

    # ------------------------------------------------------------------ load

    async def create_users(self) -> Latencies:
        phase = Latencies(f"POST /Users x{self.args.users}")

        async def one(i: int) -> None:
            status, data = await self.call(
                phase, "POST", f"{self.scim}/Users", user_body(self.run, i), 201
            )
            if status == 201 and isinstance(data, dict):
                self.user_ids[i] = data["id"]

        await self.pool(phase, range(self.args.users), one)
        return phase

    async def create_groups(self) -> Latencies:
        phase = Latencies(f"POST /Groups x{self.args.groups}")
        ids: list[str | None] = [None] * self.args.groups

        async def one(g: int) -> None:
            body = {
                "schemas": [GROUP_SCHEMA],
                "displayName": f"bench-{self.run}-group-{g:05d}",
                "externalId": f"00g{self.run}{g:05d}",
                "members": [],
            }
            status, data = await self.call(phase, "POST", f"{self.scim}/Groups", body, 201)
            if status == 201 and isinstance(data, dict):
                ids[g] = data["id"]

        await self.pool(phase, range(self.args.groups), one)
        self.group_ids = [g for g in ids if g]
        return phase

    def add_body(self, members: Sequence[str]) -> dict[str, Any]:
        return {
            "schemas": [PATCH_SCHEMA],
            "Operations": [
                {"op": "add", "path": "members", "value": [{"value": m} for m in members]}
            ],
        }

    async def add_members(self) -> Latencies:
        phase = Latencies(f"PATCH /Groups add {BATCH} members x{len(self.group_ids)}")
        pool = [uid for uid in self.user_ids if uid]
        rng = random.Random(1)
        jobs = [(gid, rng.sample(pool, min(BATCH, len(pool)))) for gid in self.group_ids]

        async def one(job: tuple[str, list[str]]) -> None:
            gid, members = job
            await self.call(
                phase, "PATCH", f"{self.scim}/Groups/{gid}", self.add_body(members), expect=204
            )

        await self.pool(phase, jobs, one)
        return phase

    async def fill_big_group(self) -> Latencies:
        """The big group; batches are sequential (an IdP pushes one group's batches in
        order), so latency against batch number shows cost growing with group size."""
        pool = [uid for uid in self.user_ids if uid]
        size = min(self.args.big_group, max(0, len(pool) - 100))
        phase = Latencies(f"PATCH big group add {BATCH} x{-(-size // BATCH)} (to {size})")
        body = {"schemas": [GROUP_SCHEMA], "displayName": f"bench-{self.run}-big", "members": []}
        status, data = await self.call(phase, "POST", f"{self.scim}/Groups", body, 201)
        if status != 201:
            return phase
        self.big_group = data["id"]
        self.big_members = pool[:size]
        batches = [self.big_members[i : i + BATCH] for i in range(0, size, BATCH)]
        phase.samples.clear()  # only the PATCHes

        async def one(batch: list[str]) -> None:
            await self.call(
                phase,
                "PATCH",
                f"{self.scim}/Groups/{self.big_group}",
                self.add_body(batch),
                expect=204,
            )

        await self.pool(phase, batches, one, concurrency=1)
        return phase

    # ------------------------------------------------------------------ queries

    async def lookups(self, attribute: str) -> Latencies:
        created = self.created_users()
        rng = random.Random(attribute)
        picks = [rng.choice(created) for _ in range(min(self.args.lookups, len(created) * 10))]
        phase = Latencies(f"GET /Users?filter={attribute} eq x{len(picks)}")
        wrong = 0

        async def one(i: int) -> None:
            nonlocal wrong
            body = user_body(self.run, i)
            value = body["userName"] if attribute == "userName" else body["externalId"]
            flt = quote(f'{attribute} eq "{value}"')
            status, data = await self.call(phase, "GET", f"{self.scim}/Users?filter={flt}")
            if status == 200 and (not isinstance(data, dict) or data.get("totalResults") != 1):
                wrong += 1

        await self.pool(phase, picks, one)
        if wrong:
            self.notes.append(f"{phase.name}: {wrong} lookups did not find exactly one user")
        return phase

    async def get_by_id(self) -> Latencies:
        created = self.created_users()
        rng = random.Random(7)
        picks = [self.user_ids[rng.choice(created)] for _ in range(self.args.lookups) if created]
        phase = Latencies(f"GET /Users/{{id}} x{len(picks)}")

        async def one(uid: str | None) -> None:
            await self.call(phase, "GET", f"{self.scim}/Users/{uid}")

        await self.pool(phase, picks, one)
        return phase

    async def deep_paging(self, rss: RssSampler) -> list[Latencies]:
        """``startIndex=k&count=100`` at k = 1, U/2, U-100, 5 times each, sequential."""
        total = len(self.created_users())
        phases = []
        for k in sorted({1, max(1, total // 2), max(1, total - 100)}):
            phase = Latencies(f"GET /Users?startIndex={k}&count=100 x5")
            started = time.monotonic()
            for _ in range(5):
                status, data = await self.call(
                    phase, "GET", f"{self.scim}/Users?startIndex={k}&count=100"
                )
                resources = data.get("Resources", []) if isinstance(data, dict) else []
                if status == 200 and len(resources) != min(100, total - k + 1):
                    self.notes.append(f"startIndex={k}: {len(resources)} resources")
                rss.sample()
            phase.wall = time.monotonic() - started
            phases.append(phase)
        return phases

    async def admin_paging(self, rss: RssSampler) -> tuple[Latencies, int, int]:
        """Cursor paging through every user of the admin API, ``limit=100``."""
        phase = Latencies("admin GET …/users?limit=100 (cursor, all users)")
        url = f"{self.dep.base_url}/api/v1/directories/{self.directory_id}/users"
        headers = {"Authorization": f"Bearer {self.dep.admin_token}"}
        seen: set[str] = set()
        duplicates = 0
        after: str | None = None
        started = time.monotonic()
        deadline = started + self.args.phase_timeout
        async with httpx.AsyncClient(headers=headers, timeout=60) as admin:
            while time.monotonic() < deadline:
                params = {"limit": "100", **({"after": after} if after else {})}
                t0 = time.monotonic()
                response = await admin.get(url, params=params)
                phase.add(time.monotonic() - t0, response.status_code == 200, response.text)
                if response.status_code != 200:
                    break
                body = response.json()
                for user in body["data"]:
                    duplicates += user["id"] in seen
                    seen.add(user["id"])
                if len(phase.samples) % 10 == 0:
                    rss.sample()
                after = body["list_metadata"]["after"]
                if not after:
                    break
            else:
                phase.name += " (DEADLINE HIT)"
        phase.wall = time.monotonic() - started
        return phase, len(seen), duplicates

    async def big_group_single_ops(self) -> list[Latencies]:
        """PATCH add / remove one member on the big group, alternating, sequential; the
        same with ``?excludedAttributes=members`` (no member list in the answer), and GETs
        with and without members: together they separate the write's cost from the cost
        of rendering the whole member list into the answer."""
        size = len(self.big_members)
        phases = [
            Latencies(f"PATCH big group ({size}) add 1 member x25"),
            Latencies(f"PATCH big group ({size}) remove 1 member x25"),
            Latencies(f"PATCH big group ({size}) add 1, excludedAttributes=members x25"),
            Latencies(f"PATCH big group ({size}) remove 1, excludedAttributes=members x25"),
            Latencies(f"GET /Groups/{{big}} ({size} members) x5"),
            Latencies("GET /Groups/{big}?excludedAttributes=members x5"),
        ]
        if not self.big_group:
            return phases
        members = set(self.big_members)
        outsiders = [uid for uid in self.user_ids if uid and uid not in members][:50]
        url = f"{self.scim}/Groups/{self.big_group}"
        lean = f"{url}?excludedAttributes=members"
        for index, uid in enumerate(outsiders):
            target, first = (url, 0) if index % 2 == 0 else (lean, 2)
            remove = {
                "schemas": [PATCH_SCHEMA],
                "Operations": [{"op": "remove", "path": f'members[value eq "{uid}"]'}],
            }
            for phase, body in ((phases[first], self.add_body([uid])), (phases[first + 1], remove)):
                started = time.monotonic()
                await self.call(phase, "PATCH", target, body, expect=204)
                phase.wall += time.monotonic() - started
        for phase, target in ((phases[4], url), (phases[5], lean)):
            for _ in range(5):
                started = time.monotonic()
                await self.call(phase, "GET", target)
                phase.wall += time.monotonic() - started
        async with httpx.AsyncClient(headers=dict(self.client.headers), timeout=60) as probe:
            size_full = len((await probe.get(url)).content)
            size_lean = len((await probe.get(lean)).content)
        self.notes_info.append(
            f"GET /Groups/{{big}} answer: {size_full} bytes with members, "
            f"{size_lean} bytes with excludedAttributes=members"
        )
        return phases


class RssSampler:
    """Highest VmRSS of the server tree seen by :meth:`sample` (and a 1 s background poll)."""

    def __init__(self, dep: Deployment) -> None:
        self.dep = dep
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def sample(self) -> int:
        value = self.dep.rss_kib()
        self.peak = max(self.peak, value)
        return value

    def _poll(self) -> None:
        while not self._stop.wait(1.0):
            self.sample()

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


def explain_filters(database_url: str, directory_id: str, user: dict[str, Any]) -> str:
    """Query plans of the indexed filters, compiled exactly as the server compiles them."""
    engine = create_db_engine(database_url)
    dialect = engine.dialect.name
    email = user["emails"][0]["value"]
    filters = [
        f'userName eq "{user["userName"]}"',
        f'externalId eq "{user["externalId"]}"',
        f'emails[value eq "{email}"]',
    ]
    out = []
    try:
        with engine.connect() as connection:
            for text_filter in filters:
                where = compile_filter(
                    USER_RESOURCE, parse_filter(text_filter), dialect, directory_id
                )
                query = select(users.c.id).where(users.c.directory_id == directory_id, where)
                sql = str(
                    query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
                )
                prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
                rows = connection.execute(text(prefix + sql)).fetchall()
                if dialect == "sqlite":
                    plan = "\n".join(f"  {row[-1]}" for row in rows)
                else:
                    plan = "\n".join(f"  {row[0]}" for row in rows)
                found = connection.execute(text(sql)).fetchall()
                scan = (
                    " <-- SCAN of a whole table"
                    if " SCAN " in f" {plan} " and dialect == "sqlite"
                    else ""
                )
                out.append(
                    f"filter: {text_filter}  ({len(found)} row(s)){scan}\n"
                    f"sql: {' '.join(sql.split())}\n{plan}"
                )
            connection.rollback()
    finally:
        engine.dispose()
    return "\n\n".join(out)


def growth(phase: Latencies) -> str:
    """p50 of the first 10 % of requests → p50 of the last 10 %."""
    n = len(phase.samples)
    if n < 20:
        return "-"
    tenth = max(1, n // 10)
    first = percentile(phase.samples[:tenth], 50)
    last = percentile(phase.samples[-tenth:], 50)
    return f"{ms(first)} → {ms(last)}"


async def run(dep: Deployment, args: argparse.Namespace) -> int:
    bench = Bench(dep, args)
    load: list[Latencies] = []
    queries: list[Latencies] = []
    async with scim_client(
        args.client, dep.base_url, CONCURRENCY, scim_headers(bench.directory["scim_token"]), 60.0
    ) as client:
        bench.client = client
        with RssSampler(dep) as load_rss:
            load.append(await bench.create_users())
            load.append(await bench.create_groups())
            load.append(await bench.add_members())
            load.append(await bench.fill_big_group())
        rss_after_load = dep.rss_kib()
        queries.append(await bench.lookups("userName"))
        queries.append(await bench.lookups("externalId"))
        queries.append(await bench.get_by_id())
        with RssSampler(dep) as paging_rss:
            queries.extend(await bench.deep_paging(paging_rss))
            admin, seen, duplicates = await bench.admin_paging(paging_rss)
        queries.extend(await bench.big_group_single_ops())
    created = len(bench.created_users())
    sample_user = user_body(bench.run, bench.created_users()[len(bench.created_users()) // 2])
    plans = explain_filters(dep.database_url, bench.directory_id, sample_user)

    print(
        f"# scimbridge large directory ({describe_database(dep.database_url)}; "
        f"{created} users, {len(bench.group_ids)} groups, big group "
        f"{len(bench.big_members)} members)\n"
    )
    print(machine_description() + "\n")
    print(f"client: {args.client}; server processes: {args.workers}\n")
    print("## Load (concurrency 16; big group batches sequential)\n")
    print(
        markdown_table(
            (*Latencies.HEADERS, "p50 first→last 10 %"), [[*p.row(), growth(p)] for p in load]
        )
    )
    print("\n## Queries (lookups concurrency 16; paging and single-member PATCH sequential)\n")
    print(markdown_table(Latencies.HEADERS, [p.row() for p in queries]))
    pages = len(admin.samples)
    print("\n## Admin API cursor paging\n")
    print(
        markdown_table(
            (
                "pages",
                "users seen",
                "duplicates",
                "total s",
                "pages/s",
                "page p50 ms",
                "page p99 ms",
                "page max ms",
                "p50 first→last 10 %",
            ),
            [
                [
                    str(pages),
                    f"{seen}/{created}",
                    str(duplicates),
                    f"{admin.wall:.2f}",
                    f"{pages / admin.wall:.1f}" if admin.wall else "-",
                    ms(percentile(admin.samples, 50)),
                    ms(percentile(admin.samples, 99)),
                    ms(max(admin.samples) if admin.samples else None),
                    growth(admin),
                ]
            ],
        )
    )
    print("\n## Server memory (VmRSS of the server process and its children)\n")
    print(
        markdown_table(
            ("when", "RSS MiB"),
            [
                ["peak during the load", f"{load_rss.peak / 1024:.0f}"],
                ["after the load", f"{rss_after_load / 1024:.0f}"],
                ["peak while paging", f"{paging_rss.peak / 1024:.0f}"],
                ["at the end", f"{dep.rss_kib() / 1024:.0f}"],
            ],
        )
    )
    print("\n## Query plans\n\n```")
    print(plans)
    print("```")
    slow = [p.name for p in [*load, *queries, admin] if p.samples and max(p.samples) > 1.0]
    errors = [
        f"{p.name}: {p.errors} errors {p.error_samples}"
        for p in [*load, *queries, admin]
        if p.errors
    ]
    problems = errors + bench.notes
    if duplicates or seen != created:
        problems.append(f"admin paging saw {seen} of {created} users, {duplicates} duplicates")
    if slow:
        print(f"\nrequests slower than 1 s in: {', '.join(slow)}")
    for line in bench.notes_info:
        print(f"note: {line}")
    for line in problems:
        print(f"PROBLEM: {line}")
    return 1 if problems else 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = server_parser(__doc__)
    parser.add_argument("--users", type=int, default=100_000, help="users (100000)")
    parser.add_argument("--groups", type=int, default=2000, help="groups of ~50 members (2000)")
    parser.add_argument("--big-group", type=int, default=20_000, help="big group size (20000)")
    parser.add_argument("--lookups", type=int, default=1000, help="lookups per kind (1000)")
    parser.add_argument(
        "--phase-timeout", type=float, default=3600.0, help="deadline per phase, s (3600)"
    )
    parser.add_argument(
        "--client",
        choices=("httpx", "raw"),
        default="httpx",
        help="httpx, or a minimal raw HTTP/1.1 client that leaves the CPU to the server",
    )
    args = parser.parse_args(argv)
    if args.users < 200 or args.groups < 1 or args.lookups < 1:
        parser.error("--users must be >= 200, --groups and --lookups >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with served(args) as (_, dep):
        return asyncio.run(run(dep, args))


if __name__ == "__main__":
    sys.exit(main())
