"""What a crash, a stop and a receiver outage cost in webhook delivery time.

Run by hand (never part of the test suite)::

    .venv/bin/python bench/delivery_faults.py [--database-url URL] [--rounds 3]
        [--directories 10] [--per-directory 400] [--outage 30] [--outage-directories 20]
        [--scenarios takeover,sigterm-worker,sigterm-serve,outage] [--no-pull-in]

Everything on 127.0.0.1, default settings (10 s lease renewed every ~3.3 s, 10 s
shutdown deadline, the real retry schedule). Scenarios:

takeover
    The events of ``--directories`` directories are pushed first, then two
    ``scimbridge worker`` processes deliver them; one is killed with SIGKILL mid-stream.
    *Takeover* is, over the directories that still had events, the longest time from
    the kill to that directory's next arrival (those the survivor held resume at once;
    the dead worker's wait for their lease to expire).
sigterm-worker, sigterm-serve
    The same with SIGTERM to one worker, or to ``scimbridge serve`` (embedded worker)
    beside a standby worker: *stop* is SIGTERM → process exit, *handover* the longest
    time from SIGTERM to a directory's next arrival after the process exited.
outage
    The receiver is down (connection refused) for ``--outage`` seconds while one event
    per directory arrives, spread over the outage; then it comes back on the same port.
    *Recovery* is the time from its return to the last event's arrival: without the
    pull-in, directories whose 5 s retry fell inside the outage wait the 5-minute step.

Every round checks that each directory received its events in ``sequence`` order with
nothing missing (duplicates of the event in flight at a kill are allowed).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import sys
import time
from collections import Counter
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass

from _common import (
    Arrival,
    Deployment,
    create_directory,
    database_url_or_temp,
    deployment,
    describe_database,
    free_port,
    machine_description,
    markdown_table,
    webhook_receiver,
)
from sqlalchemy import select
from webhooks import Target, push_users

from scimbridge.store.engine import create_db_engine
from scimbridge.store.tables import webhook_cursors

SCENARIOS = ("takeover", "sigterm-worker", "sigterm-serve", "outage")


@dataclass
class Round:
    scenario: str
    measured: dict[str, float]
    ok: bool
    note: str = ""


def in_order(arrivals: Sequence[Arrival], expected: dict[str, int]) -> tuple[bool, str]:
    """Each path got 1..n in order, repeats of the same event allowed."""
    seen: dict[str, list[int]] = {path: [] for path in expected}
    for arrival in sorted(arrivals, key=lambda a: a.at):
        order = seen.setdefault(arrival.path, [])
        sequence = int(arrival.event()["sequence"])
        if not order or order[-1] != sequence:
            order.append(sequence)
    bad = [p for p, n in expected.items() if seen.get(p) != list(range(1, n + 1))]
    return not bad, (f"{len(bad)} directories out of order or incomplete" if bad else "")


def make_targets(dep: Deployment, receiver_url: str, count: int) -> list[Target]:
    targets = []
    for i in range(count):
        path = f"/d{i}"
        directory = create_directory(dep, f"F{i}", f"{receiver_url}{path}")
        targets.append(Target(directory["id"], directory["scim_token"], path))
    return targets


def push(dep: Deployment, targets: Sequence[Target], per_directory: int) -> None:
    run = secrets.token_hex(3)
    jobs = [(t, n * len(targets) + i) for n in range(per_directory) for i, t in enumerate(targets)]
    phase, _ = asyncio.run(push_users(dep.base_url, jobs, run, timeout=600))
    if phase.errors:
        raise RuntimeError(f"{phase.errors} SCIM pushes failed: {phase.error_samples}")


def resumed(arrivals: Sequence[Arrival], since: float, paths: set[str]) -> dict[str, float]:
    """Per path, its first arrival after ``since``."""
    first: dict[str, float] = {}
    for arrival in sorted(arrivals, key=lambda a: a.at):
        if arrival.at > since and arrival.path in paths and arrival.path not in first:
            first[arrival.path] = arrival.at
    return first


def lease_holders(url: str) -> Counter[int]:
    """How many directories each process (by pid) holds a lease on right now."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            owners = connection.execute(
                select(webhook_cursors.c.lease_owner).where(
                    webhook_cursors.c.lease_owner.is_not(None)
                )
            ).scalars()
            return Counter(int(owner.split(":")[1]) for owner in owners)
    finally:
        engine.dispose()


def interrupted_round(url: str, scenario: str, directories: int, per_directory: int) -> Round:
    """takeover / sigterm-worker / sigterm-serve: see the module docstring."""
    total = directories * per_directory
    # The events are pushed with no worker running, so a backlog is left to deliver; the
    # delivering processes start afterwards on the same database (and secret key).
    env = {"SCIMBRIDGE_SECRET_KEY": "bench-faults-" + secrets.token_hex(8)}
    with webhook_receiver() as receiver:
        with deployment(url, external_worker=True, workers_at_start=0, extra_env=env) as dep:
            targets = make_targets(dep, receiver.url, directories)
            push(dep, targets, per_directory)
        embedded = scenario == "sigterm-serve"
        with deployment(
            url, external_worker=not embedded, workers_at_start=0, extra_env=env
        ) as dep:
            victim = dep.server if embedded else dep.start_worker()
            if not receiver.wait_for(total // 20, timeout=120):
                return Round(scenario, {}, False, "deliveries never started")
            dep.start_worker()  # the one that takes over, started once the first holds all
            time.sleep(2.5)
            held = lease_holders(url)
            if held.get(victim.pid, 0) == 0:
                return Round(scenario, {}, False, f"the process stopped holds nothing: {held}")
            started = time.monotonic()
            if scenario == "takeover":
                os.killpg(victim.pid, signal.SIGKILL)
            else:
                os.kill(victim.pid, signal.SIGTERM)
            victim.wait(timeout=60)
            exited = time.monotonic()
            expected = {t.path: per_directory for t in targets}
            deadline = time.monotonic() + 180  # duplicates count: wait for every event
            while not in_order(receiver.received, expected)[0]:
                if time.monotonic() > deadline:
                    return Round(scenario, {}, False, f"{receiver.count()} of {total} arrived")
                time.sleep(0.2)
                receiver.drain()
            arrivals = receiver.received
    # Only directories that still had events when the process went are handed over; a
    # request the killed process wrote just before dying may land a moment after.
    still = {a.path for a in arrivals if a.at > exited}
    first = resumed(arrivals, exited + (0.3 if scenario == "takeover" else 0.0), still)
    ok, note = in_order(arrivals, expected)
    measured = {
        "handover s": max(first.values(), default=exited) - started,
        "directories resumed": float(len(first)),
    }
    if scenario != "takeover":
        measured["stop s"] = exited - started
    return Round(scenario, measured, ok, note)


def outage_round(url: str, directories: int, outage: float, pull_in: bool) -> Round:
    port = free_port()
    receiver_url = f"http://127.0.0.1:{port}"
    env = {} if pull_in else {"SCIMBRIDGE_WEBHOOK_RECOVERY_BATCH": "0"}
    # The receiver, started late, must outlive the server's open connections to it.
    with ExitStack() as outlives, deployment(url, extra_env=env) as dep:
        targets = make_targets(dep, receiver_url, directories)
        began = time.monotonic()
        for i, target in enumerate(targets):  # one event each, spread over the outage
            time.sleep(max(0.0, began + i * outage / directories - time.monotonic()))
            push(dep, [target], 1)
        time.sleep(max(0.0, began + outage - time.monotonic()))
        receiver = outlives.enter_context(webhook_receiver(port))
        back = time.monotonic()
        done = receiver.wait_for(directories, timeout=420)
        arrivals = receiver.drain()
    if not done:
        return Round("outage", {}, False, f"{len(arrivals)} of {directories} after 420 s")
    ok, note = in_order(arrivals, {t.path: 1 for t in targets})
    last = max(a.at for a in arrivals)
    return Round(
        "outage" + ("" if pull_in else " (no pull-in)"),
        {"outage s": back - began, "recovery s": last - back, "cost s": last - began},
        ok,
        note,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--directories", type=int, default=10)
    parser.add_argument("--per-directory", type=int, default=400)
    parser.add_argument("--outage", type=float, default=30.0)
    parser.add_argument("--outage-directories", type=int, default=20)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--no-pull-in", action="store_true", help="outage without the pull-in")
    args = parser.parse_args(argv)
    rounds: list[Round] = []
    for scenario in args.scenarios.split(","):
        if scenario not in SCENARIOS:
            parser.error(f"unknown scenario {scenario}")
        for _ in range(args.rounds):
            with database_url_or_temp(args.database_url) as url:
                if scenario == "outage":
                    result = outage_round(
                        url, args.outage_directories, args.outage, not args.no_pull_in
                    )
                else:
                    result = interrupted_round(url, scenario, args.directories, args.per_directory)
            rounds.append(result)
            print(f"{result.scenario}: {result.measured} {'ok' if result.ok else 'FAILED'}")
            print(f"  {result.note}" if result.note else "", end="", flush=True)
    names = sorted({k for r in rounds for k in r.measured})
    rows = [
        [
            r.scenario,
            *(f"{r.measured[k]:.2f}" if k in r.measured else "-" for k in names),
            "ok" if r.ok else f"FAILED {r.note}",
        ]
        for r in rounds
    ]
    print()
    print(machine_description())
    print(f"database: {describe_database(args.database_url or 'sqlite')}")
    print(markdown_table(["scenario", *names, "check"], rows))
    return 0 if all(r.ok for r in rounds) else 1


if __name__ == "__main__":
    sys.exit(main())
