"""Webhook delivery throughput and latency of a real scimbridge deployment.

Run by hand (never part of the test suite)::

    .venv/bin/python bench/webhooks.py [--database-url URL] [--events 2000]
        [--directories 100] [--per-directory 20] [--samples 200] [--workers 1]
        [--external-worker]

It starts ``scimbridge serve`` (embedded delivery worker, or ``--no-worker`` plus one
``scimbridge worker`` with ``--external-worker``) and a fast receiver in its own process
that answers 200 at once and records the arrival time and body of every delivery. All on
127.0.0.1. Scenarios:

a. one directory, ``--events`` user creations pushed over SCIM at concurrency 8, then wait
   until all were delivered. Delivery is one request at a time per directory (the ordering
   guarantee), so this is the single-directory ceiling: what one big customer's bulk
   import costs in webhook lag.
b. ``--directories`` directories x ``--per-directory`` events, the same push; deliveries
   of different directories run concurrently, so this shows the worker's fan-out.
c. end-to-end latency with an idle worker: one SCIM POST at a time, time from the SCIM
   response to the webhook's arrival (``--samples`` samples): the lag an application sees.

Rates: *end-to-end* counts from the first SCIM request to the last arrival; *delivery
window* from the first to the last arrival; *drain* is the backlog left when the SCIM push
ended divided by the time to deliver it (pure delivery, no ingestion competing).
*Lag* is per event, from its SCIM response to its arrival.

Every delivery is checked: each event arrived, per directory in ``sequence`` order without
gaps or duplicates, and the event is the ``user.created`` of the user that was pushed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from _common import (
    Arrival,
    Deployment,
    Latencies,
    ReceiverProcess,
    async_client,
    create_directory,
    describe_database,
    machine_description,
    markdown_table,
    ms,
    percentile,
    rate,
    scim_headers,
    served,
    server_parser,
    user_body,
    webhook_receiver,
)

PUSH_CONCURRENCY = 8


@dataclass
class Target:
    """One directory: where to push and which receiver path its webhook uses."""

    directory_id: str
    token: str
    path: str


@dataclass
class Check:
    """What the per-directory ordering check found."""

    expected: int = 0
    arrived: int = 0
    missing: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    gaps: int = 0
    wrong: int = 0
    details: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        if len(self.details) < 10:
            self.details.append(text)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.duplicates or self.out_of_order or self.gaps or self.wrong)


@dataclass
class ThroughputResult:
    name: str
    events: int
    push: Latencies
    first_request: float
    push_end: float
    arrived_at_push_end: int
    arrivals: list[Arrival]
    lags: list[float]
    check: Check
    timed_out: bool
    server_cpu: float

    def row(self) -> list[str]:
        ats = sorted(a.at for a in self.arrivals)
        first_arrival, last_arrival = (ats[0], ats[-1]) if ats else (0.0, 0.0)
        backlog = self.events - self.arrived_at_push_end
        drain = last_arrival - self.push_end if ats else 0.0
        return [
            self.name,
            str(self.events),
            f"{self.push.wall:.2f}",
            rate(len(self.push.samples), self.push.wall),
            f"{ms(percentile(self.push.samples, 50))}/{ms(percentile(self.push.samples, 99))}",
            rate(len(ats), last_arrival - self.first_request),
            rate(len(ats), last_arrival - first_arrival),
            str(backlog),
            rate(backlog, drain) if backlog > 0 else "-",
            f"{ms(percentile(self.lags, 50))}/{ms(percentile(self.lags, 99))}",
            ms(max(self.lags) if self.lags else None),
            f"{1000 * self.server_cpu / max(1, self.events):.2f}",
            "ok" if self.check.ok and not self.timed_out else "FAILED",
        ]

    HEADERS = (
        "scenario",
        "events",
        "SCIM push s",
        "SCIM req/s",
        "SCIM p50/p99 ms",
        "end-to-end ev/s",
        "delivery window ev/s",
        "backlog at push end",
        "drain ev/s",
        "lag p50/p99 ms",
        "lag max ms",
        "server CPU ms/event",
        "check",
    )


async def push_users(
    base_url: str, jobs: Sequence[tuple[Target, int]], run: str, timeout: float
) -> tuple[Latencies, dict[str, float]]:
    """POST every job's user over SCIM at concurrency 8; return latencies and, per
    userName, the monotonic time its response arrived."""
    phase = Latencies("push")
    answered: dict[str, float] = {}
    queue: asyncio.Queue[tuple[Target, int]] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    deadline = time.monotonic() + timeout

    async with async_client(PUSH_CONCURRENCY, {}, 30.0) as client:

        async def worker() -> None:
            while not queue.empty() and time.monotonic() < deadline:
                target, i = queue.get_nowait()
                body = user_body(run, i)
                started = time.monotonic()
                try:
                    response = await client.post(
                        f"{base_url}/scim/v2/{target.directory_id}/Users",
                        content=json.dumps(body).encode(),
                        headers=scim_headers(target.token),
                    )
                except Exception as error:  # a transport failure is a measured error
                    phase.add(time.monotonic() - started, False, f"{type(error).__name__}")
                    continue
                done = time.monotonic()
                ok = response.status_code == 201
                phase.add(done - started, ok, f"{response.status_code} {response.text}")
                if ok:
                    answered[body["userName"]] = done

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(PUSH_CONCURRENCY)))
        phase.wall = time.monotonic() - started
    return phase, answered


def check_order(
    targets: Sequence[Target], expected: dict[str, set[str]], arrivals: list[Arrival]
) -> Check:
    """Every pushed user arrived as a ``user.created``, per directory in sequence order."""
    check = Check(expected=sum(len(v) for v in expected.values()), arrived=len(arrivals))
    by_path: dict[str, list[dict[str, Any]]] = {t.path: [] for t in targets}
    for arrival in sorted(arrivals, key=lambda a: a.at):
        try:
            by_path.setdefault(arrival.path, []).append(arrival.event())
        except ValueError:
            check.wrong += 1
            check.note(f"{arrival.path}: body is not JSON")
    for target in targets:
        events = by_path.get(target.path, [])
        seen: set[int] = set()
        previous = 0
        names: set[str] = set()
        for event in events:
            sequence = int(event.get("sequence", -1))
            if event.get("directory_id") != target.directory_id or event.get("type") != (
                "user.created"
            ):
                check.wrong += 1
                check.note(f"{target.directory_id}: unexpected {event.get('type')} event")
            if sequence in seen:
                check.duplicates += 1
                check.note(f"{target.directory_id}: sequence {sequence} delivered twice")
            elif sequence < previous:
                check.out_of_order += 1
                check.note(f"{target.directory_id}: sequence {sequence} after {previous}")
            elif previous and sequence != previous + 1:
                check.gaps += 1
                check.note(f"{target.directory_id}: jumped from {previous} to {sequence}")
            seen.add(sequence)
            previous = max(previous, sequence)
            names.add(str((event.get("data") or {}).get("username", "")).lower())
        missing = {n.lower() for n in expected[target.path]} - names
        if missing:
            check.missing += len(missing)
            check.note(f"{target.directory_id}: {len(missing)} pushed users never delivered")
    return check


async def throughput(
    dep: Deployment,
    receiver: ReceiverProcess,
    name: str,
    directories: int,
    per_directory: int,
    timeout: float,
) -> ThroughputResult:
    """Scenario a/b: push, then wait for every delivery; measure and check."""
    run = secrets.token_hex(3)
    targets = []
    for d in range(directories):
        path = f"/{name}/{run}/{d}"
        created = create_directory(dep, f"bench-{name}-{run}-{d}", receiver.url + path)
        targets.append(Target(created["id"], created["scim_token"], path))
    # Interleave directories so all of them receive events during the whole push.
    jobs = [
        (targets[d], n * directories + d) for n in range(per_directory) for d in range(directories)
    ]
    expected: dict[str, set[str]] = {t.path: set() for t in targets}
    for target, i in jobs:
        expected[target.path].add(user_body(run, i)["userName"])
    receiver.drain()
    before = receiver.count()
    cpu_before = dep.cpu_seconds()
    first_request = time.monotonic()
    push, answered = await push_users(dep.base_url, jobs, run, timeout)
    push_end = time.monotonic()
    arrived_at_push_end = receiver.count() - before
    total = len(answered)
    timed_out = not receiver.wait_for(before + total, timeout=timeout, poll=0.005)
    time.sleep(0.3)  # anything extra (a duplicate) would arrive now
    server_cpu = dep.cpu_seconds() - cpu_before
    arrivals = [a for a in receiver.drain() if a.path.startswith(f"/{name}/{run}/")]
    lags = []
    for arrival in arrivals:
        username = str((arrival.event().get("data") or {}).get("username", ""))
        if username in answered:
            lags.append(arrival.at - answered[username])
    check = check_order(targets, expected, arrivals)
    if push.errors:
        check.note(f"{push.errors} SCIM requests failed: {push.error_samples}")
    return ThroughputResult(
        name=f"{name}: {directories} dir x {per_directory} events",
        events=total,
        push=push,
        first_request=first_request,
        push_end=push_end,
        arrived_at_push_end=arrived_at_push_end,
        arrivals=arrivals,
        lags=lags,
        check=check,
        timed_out=timed_out,
        server_cpu=server_cpu,
    )


async def latency(
    dep: Deployment, receiver: ReceiverProcess, samples: int, timeout: float
) -> tuple[Latencies, list[float], int]:
    """Scenario c: sequential POSTs; SCIM response → webhook arrival, idle worker each time."""
    run = secrets.token_hex(3)
    path = f"/c/{run}"
    created = create_directory(dep, f"bench-c-{run}", receiver.url + path)
    target = Target(created["id"], created["scim_token"], path)
    scim = Latencies("latency: SCIM POST /Users")
    lags: list[float] = []
    lost = 0
    receiver.drain()
    deadline = time.monotonic() + timeout
    async with async_client(1, scim_headers(target.token), 30.0) as client:
        for i in range(samples):
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(0.02)  # the worker is idle again
            before = receiver.count()
            started = time.monotonic()
            response = await client.post(
                f"{dep.base_url}/scim/v2/{target.directory_id}/Users",
                content=json.dumps(user_body(run, i)).encode(),
            )
            answered = time.monotonic()
            scim.add(answered - started, response.status_code == 201, response.text)
            if response.status_code != 201:
                continue
            if not receiver.wait_for(before + 1, timeout=min(30.0, deadline - time.monotonic())):
                lost += 1
                continue
            arrival = receiver.drain()[-1]
            lags.append(arrival.at - answered)
        scim.wall = time.monotonic() - (deadline - timeout)
    return scim, lags, lost


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = server_parser(__doc__)
    parser.add_argument("--events", type=int, default=2000, help="scenario a: events (2000)")
    parser.add_argument("--directories", type=int, default=100, help="scenario b (100)")
    parser.add_argument("--per-directory", type=int, default=20, help="scenario b (20)")
    parser.add_argument("--samples", type=int, default=200, help="scenario c (200)")
    parser.add_argument(
        "--external-worker", action="store_true", help="serve --no-worker + scimbridge worker"
    )
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="deadline of each scenario, seconds (600)"
    )
    args = parser.parse_args(argv)
    if min(args.events, args.directories, args.per_directory, args.samples, args.workers) < 1:
        parser.error("sizes must be >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with (
        webhook_receiver() as receiver,
        served(args, external_worker=args.external_worker) as (database_url, dep),
    ):
        a = asyncio.run(throughput(dep, receiver, "a", 1, args.events, args.timeout))
        b = asyncio.run(
            throughput(dep, receiver, "b", args.directories, args.per_directory, args.timeout)
        )
        scim, lags, lost = asyncio.run(latency(dep, receiver, args.samples, args.timeout))
        rss = dep.rss_kib()
    mode = (
        "external (serve --no-worker + 1 scimbridge worker)" if args.external_worker else "embedded"
    )
    print(
        f"# scimbridge webhook delivery ({describe_database(database_url)}, "
        f"{mode} delivery worker, "
        f"{args.workers} server process(es))\n"
    )
    print(machine_description() + "\n")
    print(markdown_table(ThroughputResult.HEADERS, [a.row(), b.row()]))
    print()
    print(
        markdown_table(
            (
                "scenario",
                "samples",
                "lost",
                "SCIM POST p50 ms",
                "lag p50 ms",
                "lag p90 ms",
                "lag p99 ms",
                "lag max ms",
            ),
            [
                [
                    "c: idle worker, SCIM response → webhook arrival",
                    str(len(lags)),
                    str(lost),
                    ms(percentile(scim.samples, 50)),
                    ms(percentile(lags, 50)),
                    ms(percentile(lags, 90)),
                    ms(percentile(lags, 99)),
                    ms(max(lags) if lags else None),
                ]
            ],
        )
    )
    print(f"\nserver RSS at the end: {rss / 1024:.0f} MiB (all scimbridge processes)")
    failed = False
    for result in (a, b):
        check = result.check
        print(
            f"\n{result.name}: {check.arrived} deliveries for {check.expected} events; "
            f"missing {check.missing}, duplicates {check.duplicates}, out of order "
            f"{check.out_of_order}, gaps {check.gaps}, wrong {check.wrong}"
            + ("; TIMED OUT waiting" if result.timed_out else "")
        )
        for line in check.details:
            print(f"  - {line}")
        failed |= not check.ok or result.timed_out or bool(result.push.errors)
    if lost or scim.errors:
        print(f"\nc: {lost} deliveries never arrived, {scim.errors} SCIM errors")
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
