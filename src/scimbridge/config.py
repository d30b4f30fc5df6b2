"""Settings from ``SCIMBRIDGE_*`` environment variables and a ``.env`` file.

One frozen object is built at start-up and passed down; nothing reads the environment
after that, so tests build their own ``Settings`` without touching ``os.environ``.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./scimbridge.db"


class Settings(BaseSettings):
    """Configuration of one scimbridge process (see the README's configuration table)."""

    model_config = SettingsConfigDict(
        env_prefix="SCIMBRIDGE_", env_file=".env", extra="ignore", frozen=True
    )

    database_url: str = DEFAULT_DATABASE_URL
    admin_token: str | None = None
    public_url: str | None = None
    secret_key: str | None = None
    # Older keys still accepted for decryption while rotating (comma-separated).
    secret_key_previous: str | None = None
    # Where the key lives when SCIMBRIDGE_SECRET_KEY is unset (see secret_keys.py).
    secret_key_file: str | None = None
    webhook_allow_private: bool = False
    host: str = "127.0.0.1"
    port: int = 8000
    # Request bodies above this many bytes are refused with 413 before they are parsed
    # (RFC 7644 §3.7.4 uses 1 MiB as its maxPayloadSize example; Bulk shares the limit).
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # Largest page a SCIM list answers (RFC 7644 §3.4.2.4 lets the server cap `count`).
    scim_max_count: int = Field(default=1000, ge=1)
    scim_default_count: int = Field(default=100, ge=1)
    # SQLite waits this long for the single writer before failing (PRAGMA busy_timeout).
    sqlite_busy_timeout_ms: int = Field(default=30_000, ge=0)
    pool_size: int = Field(default=10, ge=1)
    # Threads that run database work per server process. Python threads share one core
    # (the GIL): a few keep it busy while the database works, more only add switching
    # (anyio's default of 40 halved GET throughput on SQLite; on PostgreSQL 16 threads
    # gave writes a p99 of 690 ms against 130-190 ms with 2-8; bench/README.md). Unset:
    # 4 on SQLite, 8 on PostgreSQL, whose answers travel over a socket.
    threads: int | None = Field(default=None, ge=1, le=200)

    # On SQLite, run database work whose cost is bounded (one resource, an index lookup)
    # on the event loop instead of handing it to a thread: the hand-over and the GIL
    # traffic it causes cost more than the query (GET by id 1.4 -> 0.86 ms of CPU;
    # bench/README.md). Work that can touch unbounded rows always goes to a thread.
    sqlite_inline: bool = True

    def thread_count(self) -> int:
        if self.threads is not None:
            return self.threads
        return 4 if self.database_url.startswith("sqlite") else 8

    # Webhook delivery (see events/worker.py and the README's delivery section).
    embedded_worker: bool = True
    worker_concurrency: int = Field(default=64, ge=1)
    worker_poll_interval: float = Field(default=1.0, gt=0)
    webhook_timeout: float = Field(default=15.0, gt=0, le=60)
    # How long a worker owns a directory without renewing it. A heartbeat renews a
    # worker's leases every third of this, so a slow delivery keeps its directory and a
    # crashed (kill -9) worker's directories move to another worker after at most this.
    worker_lease_seconds: float = Field(default=10.0, gt=0)
    # On SIGTERM, in-flight deliveries (and, for `serve`, open requests) get this long to
    # finish; then they are abandoned, leases are released and the process exits.
    shutdown_timeout: float = Field(default=10.0, ge=0)
    # After a delivery succeeds, up to `batch` directories in backoff on the same
    # endpoint (scheme, host, port) retry within `spread` seconds (events/recovery.py).
    webhook_recovery_batch: int = Field(default=20, ge=0)
    webhook_recovery_spread: float = Field(default=5.0, ge=0)
    webhook_connect_timeout: float = Field(default=5.0, gt=0, le=60)
    # Multiplies every retry delay; tests compress the 75-hour schedule with e.g. 0.001.
    webhook_retry_scale: float = Field(default=1.0, gt=0)
    log_level: str = "info"
    # Pull sources (connectors/, README "Pull sources"): `POST …/sync` answers 429 within
    # this many seconds of the previous request; a run owns its directory's lease this
    # long without progress; transient source errors back off from this base delay.
    sync_cooldown_seconds: float = Field(default=60.0, ge=0)
    sync_lease_seconds: float = Field(default=600.0, gt=0)
    sync_retry_base_seconds: float = Field(default=30.0, gt=0)
    # A CSV import's body (streamed to disk, never held in memory) may be this large.
    import_max_bytes: int = Field(default=512 * 1024 * 1024, ge=1024)

    # Operations log (README "Operations: request log, audit log, setup links").
    request_log_days: int = Field(default=14, ge=1)
    # Audit rows older than this are pruned by the worker; 0 keeps them forever.
    audit_log_days: int = Field(default=365, ge=0)
    # Setup portal abuse limits (README "Customer setup portal"). Lookups of an unknown,
    # expired or revoked setup link per client address per minute, counted in each
    # process; SCIM tokens one link may issue per hour, counted in the database.
    # 0 switches a limit off.
    portal_failed_lookups_per_minute: int = Field(default=20, ge=0)
    portal_token_issues_per_hour: int = Field(default=5, ge=0)
    # Read the client address of audit rows from X-Forwarded-For (only behind a proxy
    # that sets it; otherwise any client could write its own address).
    trust_forwarded_for: bool = False

    def base_url(self) -> str:
        """The public URL of this deployment, without a trailing slash."""
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"http://{self.host}:{self.port}"
