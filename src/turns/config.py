"""Configuration from the environment.

Variable names follow the schema document: ``DATABASE_URL`` is the direct
primary (owner role, migrations), ``DATABASE_POOLED_URL`` the pooled primary the
API uses (application role), ``NEON_READ_REPLICA_URL`` the read replica and
``ELECTRIC_DATABASE_URL`` the replication connection. When none is set, an
embedded PostgreSQL server in ``TURNS_DATA_DIR`` provides all of them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from ipaddress import ip_address, ip_network
from pathlib import Path


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def _env_float(name: str, default: float) -> float:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name)
    if raw is None:
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _env_networks(name: str) -> tuple[str, ...]:
    """A comma-separated list of addresses and CIDR networks."""
    entries = tuple(part.strip() for part in (_env(name) or "").split(",") if part.strip())
    for entry in entries:
        try:
            ip_network(entry, strict=False)
        except ValueError as exc:
            raise ConfigError(f"{name} must list IP addresses or CIDR networks, got {entry!r}") from exc
    return entries


def check_test_mode(settings: Settings, host: str, workers: int) -> None:
    """Refuse the generic mode (``TURNS_SYNC_TEST_SCHEMA``) on anything but loopback, or in more
    than one process (its tables are described in the process that serves them)."""
    if settings.sync_test_schema is None:
        return
    try:
        loopback = host == "localhost" or ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ConfigError(
            f"TURNS_SYNC_TEST_SCHEMA serves tables to anyone without signing in: listen on 127.0.0.1 or ::1, not {host}"
        )
    if workers != 1:
        raise ConfigError("TURNS_SYNC_TEST_SCHEMA runs in one process: use --workers 1 (or TURNS_WORKERS=1)")


def local_url(host: str, port: int) -> str:
    """The address a browser on this machine opens for a server bound to ``host:port``."""
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - every interface: this machine is one of them
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class ConfigError(Exception):
    """The environment does not describe a usable configuration."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str | None
    database_pooled_url: str | None
    read_replica_url: str | None
    electric_database_url: str | None
    app_password: str | None
    replication_password: str | None
    host: str
    port: int
    pool_size: int
    log_level: str
    session_idle_minutes: int = 12 * 60
    session_absolute_hours: int = 14 * 24
    cookie_secure: bool = False
    smtp_url: str | None = None
    mail_from: str = "Turns <turns@localhost>"
    public_url: str = "http://127.0.0.1:8000"
    run_worker: bool = True
    workers: int = 1
    """API worker processes of ``turns serve`` and ``turns up`` (``TURNS_WORKERS``; the number of
    cores when unset). With more than one, the sync engine and the background work run in
    processes of their own beside them (:mod:`turns.cli.companions`)."""
    export_stream_limit: int = 100_000
    """Exports of more rows than this run as a background job (``TURNS_EXPORT_STREAM_LIMIT``)."""
    replica_pool_size: int | None = None
    """Connections in the read replica's pool (``TURNS_REPLICA_POOL_SIZE``); ``pool_size`` when unset."""
    replica_max_lag_seconds: float = 1.0
    """Reads leave the replica while it lags more than this (``TURNS_REPLICA_MAX_LAG_SECONDS``)."""
    replica_wait_seconds: float = 0.1
    """How long a read waits for the replica to replay the client's own write (``TURNS_REPLICA_WAIT_SECONDS``)."""
    replica_check_seconds: float = 0.5
    """How often the replica's lag is measured (``TURNS_REPLICA_CHECK_SECONDS``)."""
    metrics_token: str | None = None
    """When set, ``/metrics`` answers only requests with this bearer token (``TURNS_METRICS_TOKEN``)."""
    sync: bool = True
    """Serve ``/v1/shape`` from logical replication in this process (``TURNS_SYNC``)."""
    sync_remote: bool = False
    """Serve ``/v1/shape`` from the logs of a ``turns sync`` process on this machine rather than
    run the engine here (``TURNS_SYNC_REMOTE``; what ``turns serve --workers N`` gives its workers)."""
    sync_slot: str = "turns_sync"
    """The logical replication slot sync reads (``TURNS_SYNC_SLOT``); one per sync process."""
    sync_dir: Path | None = None
    """Where shape logs are kept (``TURNS_SYNC_DIR``); ``<data dir>/sync`` when unset."""
    sync_chunk_bytes: int = 10_000_000
    """Size at which a chunk of a shape's log closes: about the largest body of a non-live shape
    response, as Electric's (``TURNS_SYNC_CHUNK_BYTES``)."""
    sync_poll_seconds: float = 0.05
    """How often the slot is read while idle (``TURNS_SYNC_POLL_SECONDS``)."""
    sync_shape_ttl_hours: float = 72.0
    sync_public_cache: bool = False
    """Shapes shared by a reach are answered ``Cache-Control: public`` (``TURNS_SYNC_PUBLIC_CACHE``), for
    a shared cache behind a proxy that authorises every request; ``private`` otherwise."""
    sync_test_schema: str | None = None
    """The generic mode (``TURNS_SYNC_TEST_SCHEMA``, off by default; docs/sync.md): any table of
    this schema is served at ``/v1/shape`` to anyone who asks, without a user, as Electric serves
    its own test suite. For running that suite only: the server refuses to start with it unless
    it listens on loopback, and runs as one process."""
    sync_max_age: int = 604_800
    """Freshness of a snapshot's first chunk in seconds (``TURNS_SYNC_MAX_AGE``)."""
    sync_stale_age: int = 2_629_746
    """How long a cache may serve a snapshot's first chunk stale while revalidating (``TURNS_SYNC_STALE_AGE``)."""
    """Shapes unused this long are removed (``TURNS_SYNC_SHAPE_TTL_HOURS``)."""
    electric_url: str | None = None
    """A real Electric service to proxy ``/v1/shape`` to, with Turns' authorisation (``ELECTRIC_URL``)."""
    electric_secret: str | None = None
    """The API secret of that Electric service, sent as its ``secret`` parameter (``ELECTRIC_SECRET``)."""
    web_dir: Path | None = None
    """The built web app served at ``/`` (``TURNS_WEB_DIR``; default ``web/dist`` of the source tree)."""
    photo_store: str | None = None
    """Where photo files are kept (``TURNS_PHOTO_STORE``): ``file:///folder`` or
    ``s3://bucket[/prefix]`` with the ``AWS_*`` variables; ``<data dir>/photos`` when unset."""
    photo_max_bytes: int = 25 * 1024 * 1024
    """The largest photo upload (``TURNS_PHOTO_MAX_BYTES``)."""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses and networks of the reverse proxies whose ``X-Forwarded-For`` and
    ``X-Forwarded-Proto`` name the client (``TURNS_TRUSTED_PROXIES``); none by default."""

    backup_dir: Path | None = None
    """Where the embedded server's backups go (``TURNS_BACKUP_DIR``); ``<data dir>/backups`` when unset."""
    backup_bucket: str | None = None
    """``TURNS_BACKUP_DIR`` when it is ``s3://bucket[/prefix]``: the backups go to that bucket,
    reached with the photo store's ``AWS_*`` variables."""

    @property
    def photo_store_url(self) -> str:
        return self.photo_store or (self.data_dir / "photos").as_uri()

    @property
    def embedded(self) -> bool:
        """True when no external database is configured."""
        return self.database_url is None

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = Path(_env("TURNS_DATA_DIR") or ".turns").expanduser().resolve()
        database_url = _env("DATABASE_URL")
        pooled = _env("DATABASE_POOLED_URL")
        if database_url is None and pooled is not None:
            raise ConfigError(
                "DATABASE_POOLED_URL is set without DATABASE_URL: set the direct "
                "primary URL (owner role) too, or neither for the embedded server"
            )
        host = _env("TURNS_HOST") or "127.0.0.1"
        port = _env_int("TURNS_PORT", 8000)
        return cls(
            data_dir=data_dir,
            database_url=database_url,
            database_pooled_url=pooled,
            read_replica_url=_env("NEON_READ_REPLICA_URL"),
            electric_database_url=_env("ELECTRIC_DATABASE_URL"),
            app_password=_env("TURNS_APP_PASSWORD"),
            replication_password=_env("TURNS_REPLICATION_PASSWORD"),
            host=host,
            port=port,
            pool_size=_env_int("TURNS_POOL_SIZE", 10),
            log_level=(_env("TURNS_LOG_LEVEL") or "info").lower(),
            session_idle_minutes=_env_int("TURNS_SESSION_IDLE_MINUTES", 12 * 60),
            session_absolute_hours=_env_int("TURNS_SESSION_ABSOLUTE_HOURS", 14 * 24),
            cookie_secure=_env_bool("TURNS_COOKIE_SECURE", False),
            smtp_url=_env("SMTP_URL"),
            mail_from=_env("TURNS_MAIL_FROM") or "Turns <turns@localhost>",
            public_url=_env("TURNS_PUBLIC_URL") or local_url(host, port),
            run_worker=_env_bool("TURNS_RUN_WORKER", True),
            workers=_env_int("TURNS_WORKERS", os.cpu_count() or 1),
            export_stream_limit=_env_int("TURNS_EXPORT_STREAM_LIMIT", 100_000),
            replica_pool_size=_env_int("TURNS_REPLICA_POOL_SIZE", 0) or None,
            replica_max_lag_seconds=_env_float("TURNS_REPLICA_MAX_LAG_SECONDS", 1.0),
            replica_wait_seconds=_env_float("TURNS_REPLICA_WAIT_SECONDS", 0.1),
            replica_check_seconds=_env_float("TURNS_REPLICA_CHECK_SECONDS", 0.5),
            metrics_token=_env("TURNS_METRICS_TOKEN"),
            sync=_env_bool("TURNS_SYNC", True),
            sync_remote=_env_bool("TURNS_SYNC_REMOTE", False),
            sync_slot=_env("TURNS_SYNC_SLOT") or "turns_sync",
            backup_dir=Path(raw_backup_dir).expanduser().resolve()
            if (raw_backup_dir := _env("TURNS_BACKUP_DIR")) and not raw_backup_dir.startswith("s3://")
            else None,
            backup_bucket=raw_backup_dir if raw_backup_dir and raw_backup_dir.startswith("s3://") else None,
            sync_dir=Path(raw_sync_dir).expanduser().resolve() if (raw_sync_dir := _env("TURNS_SYNC_DIR")) else None,
            sync_chunk_bytes=_env_int("TURNS_SYNC_CHUNK_BYTES", 10_000_000),
            sync_poll_seconds=_env_float("TURNS_SYNC_POLL_SECONDS", 0.05),
            sync_shape_ttl_hours=_env_float("TURNS_SYNC_SHAPE_TTL_HOURS", 72.0),
            sync_public_cache=_env_bool("TURNS_SYNC_PUBLIC_CACHE", False),
            sync_test_schema=_env("TURNS_SYNC_TEST_SCHEMA"),
            sync_max_age=_env_int("TURNS_SYNC_MAX_AGE", 604_800),
            sync_stale_age=_env_int("TURNS_SYNC_STALE_AGE", 2_629_746),
            electric_url=_env("ELECTRIC_URL"),
            electric_secret=_env("ELECTRIC_SECRET"),
            web_dir=Path(raw_web_dir).expanduser().resolve() if (raw_web_dir := _env("TURNS_WEB_DIR")) else None,
            photo_store=_env("TURNS_PHOTO_STORE"),
            photo_max_bytes=_env_int("TURNS_PHOTO_MAX_BYTES", 25 * 1024 * 1024),
            trusted_proxies=_env_networks("TURNS_TRUSTED_PROXIES"),
        )
