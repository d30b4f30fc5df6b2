"""Command line: ``scimbridge serve | worker | migrate | directories …``.

``directories`` talks to the database directly through the same services as the admin
API, so an operator can create a directory before the server runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any

from scimbridge import __version__
from scimbridge.bootstrap import ensure_credentials, ensure_schema, reset_admin_token
from scimbridge.clock import SystemClock
from scimbridge.config import Settings
from scimbridge.errors import ScimbridgeError
from scimbridge.events.embedded import run_worker
from scimbridge.runtime import Runtime
from scimbridge.secrets_box import SecretBox
from scimbridge.services import directories as directory_service
from scimbridge.services import setup_links as setup_link_service
from scimbridge.services.audit import cli_actor
from scimbridge.store import calls
from scimbridge.store.engine import create_db_engine


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
        secret_box=SecretBox(credentials.secret_key),
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

    settings = settings.model_copy(update={"host": args.host, "port": args.port})
    runtime = _runtime(settings)
    runtime.engine.dispose()
    # uvicorn's factory builds the app in each worker process from the environment.
    os.environ.update({"SCIMBRIDGE_HOST": args.host, "SCIMBRIDGE_PORT": str(args.port)})
    if args.no_worker:
        os.environ["SCIMBRIDGE_EMBEDDED_WORKER"] = "false"
    print(f"scimbridge {__version__} serving on http://{args.host}:{args.port}", file=sys.stderr)
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
    )
    return 0


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    """Webhook delivery only; run as many as you like (they share work through leases)."""
    runtime = _runtime(settings)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await run_worker(runtime, stop)

    print(f"scimbridge {__version__} webhook worker started", file=sys.stderr)
    asyncio.run(main())
    runtime.engine.dispose()
    return 0


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    ensure_schema(settings)
    print("database schema is up to date", file=sys.stderr)
    return 0


def cmd_admin_token(args: argparse.Namespace, settings: Settings) -> int:
    runtime = _runtime(settings)
    if args.reset:
        _announce_admin_token(reset_admin_token(runtime.engine, actor=cli_actor()))
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
    return 0


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

    commands.add_parser("worker", help="webhook delivery and pull-sync only").set_defaults(
        handler=cmd_worker
    )
    commands.add_parser("migrate", help="apply database migrations").set_defaults(
        handler=cmd_migrate
    )

    admin = commands.add_parser("admin-token", help="manage the admin token")
    admin.add_argument("--reset", action="store_true", help="issue a new admin token")
    admin.set_defaults(handler=cmd_admin_token)

    directories = commands.add_parser("directories", help="manage directories")
    actions = directories.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create")
    create.add_argument("--name", required=True)
    create.add_argument("--tenant", required=True)
    create.add_argument("--provider", required=True)
    create.add_argument("--webhook-url")
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


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args, Settings()))
    except ScimbridgeError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
