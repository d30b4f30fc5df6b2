"""Command line: ``scimbridge serve | worker | migrate | directories …``.

``directories`` talks to the database directly through the same services as the admin
API, so an operator can create a directory before the server runs.
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import json
import logging
import math
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scimbridge import __version__, secret_keys
from scimbridge.bootstrap import ensure_credentials, ensure_schema, reset_admin_token
from scimbridge.clock import SystemClock
from scimbridge.config import Settings
from scimbridge.directory.deprovision import DEPROVISION_POLICIES
from scimbridge.errors import ScimbridgeError
from scimbridge.events.embedded import run_worker
from scimbridge.runtime import Runtime
from scimbridge.services import directories as directory_service
from scimbridge.services import setup_links as setup_link_service
from scimbridge.services.audit import cli_actor
from scimbridge.store import calls
from scimbridge.store.engine import create_db_engine

# prometheus-client reads this variable once, when it is first imported (its own name).
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, sort_keys=False))


def _runtime(settings: Settings) -> Runtime:
    ensure_schema(settings)
    engine = create_db_engine(
        settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
    credentials = ensure_credentials(settings, engine)
    if credentials.new_admin_token:
        _announce_admin_token(credentials.new_admin_token)
    return Runtime(
        settings=settings,
        engine=engine,
        clock=SystemClock(),
        admin_token_hash=credentials.admin_token_hash,
        secret_box=credentials.box(),
        inline_database=calls.may_run_inline(engine, settings.sqlite_inline),
    )


def _announce_admin_token(token: str) -> None:
    print(
        "\n  Admin token (shown once; only its hash is stored):\n\n"
        f"    {token}\n\n"
        "  Use it as 'Authorization: Bearer <token>' on /api/v1.\n",
        file=sys.stderr,
    )


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from scimbridge.api.headers import server_options

    metrics_dir = _metrics_dir(args.workers)
    settings = settings.model_copy(update={"host": args.host, "port": args.port})
    runtime = _runtime(settings)
    runtime.engine.dispose()
    # uvicorn's factory builds the app in each worker process from the environment.
    os.environ.update({"SCIMBRIDGE_HOST": args.host, "SCIMBRIDGE_PORT": str(args.port)})
    if args.no_worker:
        os.environ["SCIMBRIDGE_EMBEDDED_WORKER"] = "false"
    in_process = settings.embedded_worker and not args.no_worker
    print(
        f"scimbridge {__version__} serving on http://{args.host}:{args.port} "
        f"({args.workers} process{'es' if args.workers > 1 else ''})\n"
        f"  database: {_safe_url(settings.database_url)}\n"
        f"  webhook delivery: "
        + ("in-process worker" if in_process else "not in this server (run 'scimbridge worker')"),
        file=sys.stderr,
    )
    try:
        uvicorn.run(
            "scimbridge.app:create_app_from_env",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level=settings.log_level,
            access_log=False,
            server_header=False,
            # uvicorn would otherwise rewrite the client address from X-Forwarded-For for any
            # peer on 127.0.0.1; the audit log reads that header only when
            # SCIMBRIDGE_TRUST_FORWARDED_FOR says so (api/deps.client_address).
            proxy_headers=False,
            # On SIGTERM, open requests get the same deadline as in-flight deliveries.
            timeout_graceful_shutdown=math.ceil(settings.shutdown_timeout),
            **server_options(),
        )
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


def _metrics_dir(workers: int) -> str | None:
    """One ``PROMETHEUS_MULTIPROC_DIR`` for this server's processes, empty at start.

    With several workers, each (a fresh interpreter: uvicorn spawns them) imports
    prometheus-client with this variable set, writes its counters there, and any
    worker's ``/metrics`` sums them all (``observability.metrics``). One process needs
    none: its own registry is the whole truth. A directory the operator set is used and
    its previous files removed (counters restart with the server, as Prometheus
    expects); otherwise a private one is made, and removed when the server stops.
    """
    given = os.environ.get(MULTIPROC_ENV)
    if not given and workers <= 1:
        return None
    if given:
        os.makedirs(given, exist_ok=True)
        for stale in glob.glob(os.path.join(given, "*.db")):
            os.remove(stale)
        return None
    made = tempfile.mkdtemp(prefix="scimbridge-metrics-")
    os.environ[MULTIPROC_ENV] = made
    return made


def _safe_url(url: str) -> str:
    """The database URL for logs, its password masked."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparseable URL fails later with its own error
        return "(unparseable database URL)"


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    """Webhook delivery only; run as many as you like (they share work through leases)."""
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    runtime = _runtime(settings)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await run_worker(runtime, stop)

    if args.metrics_port is not None:
        from scimbridge.observability.metrics import serve_standalone

        serve_standalone(args.metrics_host, args.metrics_port)
        print(f"metrics on http://{args.metrics_host}:{args.metrics_port}/metrics", file=sys.stderr)
    print(f"scimbridge {__version__} webhook worker started", file=sys.stderr)
    asyncio.run(main())
    runtime.engine.dispose()
    return 0


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    ensure_schema(settings)
    print("database schema is up to date", file=sys.stderr)
    return 0


def cmd_admin_token(args: argparse.Namespace, settings: Settings) -> int:
    if not args.reset:
        # Nothing to do without a flag: say what the command does rather than exit silently.
        print(args.usage, end="", file=sys.stderr)
        print("scimbridge admin-token: pass --reset to issue a new admin token", file=sys.stderr)
        return 2
    runtime = _runtime(settings)
    try:
        if args.reset:
            _announce_admin_token(reset_admin_token(runtime.engine, settings, actor=cli_actor()))
    finally:
        runtime.engine.dispose()
    return 0


def cmd_secret_key(args: argparse.Namespace, settings: Settings) -> int:
    """``add`` a new key to the key file; ``rotate`` every ciphertext to the first key."""
    ensure_schema(settings)
    if args.action == "add":
        path = secret_keys.add_key(settings)
        print(
            f"a new secret key is first in {path}; restart every process with this file, "
            "then run 'scimbridge secret-key rotate'",
            file=sys.stderr,
        )
        return 0
    engine = create_db_engine(settings.database_url)
    try:
        rotation = secret_keys.rotate(settings, engine)
    finally:
        engine.dispose()
    print(
        f"re-encrypted {rotation.ciphertexts} secrets of {rotation.directories} directories "
        "under the current secret key",
        file=sys.stderr,
    )
    return 0


def cmd_directories(args: argparse.Namespace, settings: Settings) -> int:
    runtime = _runtime(settings)
    if args.action == "create":
        _print_json(
            directory_service.create_directory(
                runtime,
                directory_service.DirectoryInput(
                    name=args.name,
                    tenant=args.tenant,
                    provider=args.provider,
                    webhook_url=args.webhook_url,
                    deprovision_policy=args.deprovision_policy,
                    attribute_map=args.attribute_map,
                    connection=args.connection,
                ),
                actor=cli_actor(),
            )
        )
    elif args.action == "list":
        data, _ = directory_service.list_directories(
            runtime, tenant=args.tenant, after=None, limit=100
        )
        _print_json(data)
    elif args.action == "show":
        _print_json(directory_service.get_directory(runtime, args.id))
    elif args.action == "rotate-token":
        token = directory_service.rotate_scim_token(runtime, args.id, actor=cli_actor())
        _print_json({"scim_token": token})
    elif args.action == "setup-link":
        _print_json(
            setup_link_service.create_setup_link(
                runtime, args.id, days=args.days, actor=cli_actor()
            )
        )
    else:
        return _pull_action(runtime, args)
    return 0


def _pull_action(runtime: Runtime, args: argparse.Namespace) -> int:
    """``sync``, ``import`` and ``approve`` run here, in this process, under the
    directory's sync lease (a worker syncing it at the same moment makes this a 409)."""
    from scimbridge.services import csv_import, sync_approval, sync_requests, syncs

    if args.action == "sync":
        sync_requests.record_direct_sync(runtime, args.id, actor=cli_actor())
        run = syncs.sync_directory(runtime, args.id, trigger="manual", owner="cli")
    elif args.action == "approve":
        run = sync_approval.approve(runtime, args.id, args.run, cli_actor())
    else:
        mode = "upsert" if args.upsert else "snapshot"
        run = csv_import.import_csv(
            runtime, args.id, args.file, mode=mode, dry_run=args.dry_run, actor=cli_actor()
        )
    _print_json(run)
    return 1 if run.get("outcome") == "failed" else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scimbridge", description="Self-hosted Directory Sync.")
    parser.add_argument("--version", action="version", version=f"scimbridge {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="server processes")
    serve.add_argument(
        "--no-worker", action="store_true", help="do not run webhook delivery in-process"
    )
    serve.set_defaults(handler=cmd_serve)

    worker = commands.add_parser("worker", help="webhook delivery and pull-sync only")
    worker.add_argument(
        "--metrics-port", type=int, help="serve this process's Prometheus metrics on this port"
    )
    worker.add_argument("--metrics-host", default="127.0.0.1")
    worker.set_defaults(handler=cmd_worker)
    commands.add_parser("migrate", help="apply database migrations").set_defaults(
        handler=cmd_migrate
    )

    admin = commands.add_parser("admin-token", help="manage the admin token")
    admin.add_argument("--reset", action="store_true", help="issue a new admin token")
    admin.set_defaults(handler=cmd_admin_token, usage=admin.format_usage())

    secret_key = commands.add_parser("secret-key", help="rotate the secret key")
    secret_key.add_argument(
        "action",
        choices=("add", "rotate"),
        help="add: put a new key first in the key file; rotate: re-encrypt every stored "
        "secret under the first key",
    )
    secret_key.set_defaults(handler=cmd_secret_key)

    directories = commands.add_parser("directories", help="manage directories")
    actions = directories.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create")
    create.add_argument("--name", required=True)
    create.add_argument("--tenant", required=True)
    create.add_argument("--provider", required=True)
    create.add_argument("--webhook-url")
    create.add_argument(
        "--deprovision-policy",
        choices=DEPROVISION_POLICIES,
        help="what the IdP does on unassignment (default: the provider's; see README)",
    )
    create.add_argument(
        "--attribute-map",
        type=_json_object,
        help='JSON object of custom attribute names to SCIM paths, e.g. \'{"dept": "title"}\'',
    )
    create.add_argument(
        "--connection", type=_json_object, help="JSON object: a pull provider's settings"
    )
    actions.add_parser("sync", help="sync a pull directory now, in this process").add_argument("id")
    approve = actions.add_parser("approve", help="apply a sync run held by the guard")
    approve.add_argument("id")
    approve.add_argument("run")
    importing = actions.add_parser("import", help="import a CSV file into a csv directory")
    importing.add_argument("id")
    importing.add_argument("file", type=Path)
    importing.add_argument("--dry-run", action="store_true", help="show the changes only")
    importing.add_argument(
        "--upsert", action="store_true", help="change only the listed users (no removals)"
    )
    listing = actions.add_parser("list")
    listing.add_argument("--tenant")
    actions.add_parser("show").add_argument("id")
    actions.add_parser("rotate-token").add_argument("id")
    setup_link = actions.add_parser("setup-link", help="a setup link for the customer's IT admin")
    setup_link.add_argument("id")
    setup_link.add_argument(
        "--days", type=int, default=setup_link_service.DEFAULT_DAYS, help="days until it expires"
    )
    directories.set_defaults(handler=cmd_directories)
    return parser


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"not JSON: {error}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("must be a JSON object")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = int(args.handler(args, Settings()))
        sys.stdout.flush()  # a closed pipe shows here, inside the handler below
        return code
    except ScimbridgeError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (``scimbridge directories list | head -1``): stop quietly.
        # Python's docs (signal module, "Note on SIGPIPE"): point stdout at devnull so
        # the interpreter's final flush does not raise again, and exit like SIGPIPE does.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + signal.SIGPIPE


if __name__ == "__main__":
    raise SystemExit(main())
