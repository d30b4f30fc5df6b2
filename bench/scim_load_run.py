"""Run the shared reference load tool against a fresh ``scimbridge serve``, in one command.

Run by hand (never part of the test suite)::

    .venv/bin/python bench/scim_load_run.py [--database-url URL] [--workers 1]
        [--tool ../shared/bench/scim_load.py] [--json out.json] -- [scim_load.py options]

It starts ``scimbridge serve`` (``--workers`` processes, embedded worker) on a free port of
127.0.0.1, creates one directory through the admin API, then runs
``scim_load.py --base-url <that directory's SCIM base> --token <its token>`` with whatever
follows ``--`` (e.g. ``--client raw --users 20000``). With one server process the tool is
given ``--server-pid`` so each phase reports the server's CPU per request. The server is
stopped at the end, whatever happens; the exit status is the tool's.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from _common import (
    REPO,
    create_directory,
    describe_database,
    machine_description,
    served,
    server_parser,
)

DEFAULT_TOOL = REPO.parent / "shared" / "bench" / "scim_load.py"


def main(argv: list[str]) -> int:
    own, _, passthrough = _split(argv)
    parser = server_parser(__doc__)
    parser.add_argument("--tool", type=Path, default=DEFAULT_TOOL)
    args = parser.parse_args(own)
    if not args.tool.is_file():
        parser.error(f"no load tool at {args.tool}")
    with served(args) as (url, dep):
        directory = create_directory(dep, "LoadBench")
        command = [
            sys.executable,
            str(args.tool),
            "--base-url",
            directory["scim_base_url"],
            "--token",
            directory["scim_token"],
            *passthrough,
        ]
        if args.workers == 1 and "--server-pid" not in passthrough:
            command += ["--server-pid", str(dep.server.pid)]
        print(machine_description())
        print(f"database: {describe_database(url)}; server processes: {args.workers}")
        sys.stdout.flush()
        return subprocess.call(command)


def _split(argv: list[str]) -> tuple[list[str], str, list[str]]:
    if "--" in argv:
        index = argv.index("--")
        return argv[:index], "--", argv[index + 1 :]
    return argv, "", []


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
