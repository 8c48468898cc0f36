"""Prometheus metrics of the API, served at ``/metrics`` from the default registry.

- requests by method, route template and status, their latency by route template, and
  server errors, recorded by :class:`MetricsMiddleware`;
- the connection pools' use and a few database figures (connections by application and
  state, database size, age of ``property_summary``), read when Prometheus scrapes;
- the read path's routing and the replica's lag (:mod:`turns.replicas.metrics`), on the
  same registry.

The workers of ``turns serve --workers N`` keep their figures in files under
``PROMETHEUS_MULTIPROC_DIR`` (the server sets it), and whichever worker answers a scrape
reports them all: counters and histograms summed, pools summed over the workers, the
database's figures as last read (prometheus-client's multiprocess mode).
"""

from __future__ import annotations

import asyncio
import os
import time
from functools import lru_cache

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import QueuePool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from turns.auth.transaction import open_transaction
from turns.db.context import system_actor
from turns.db.engines import Database
from turns.kit.logging import get_logger
from turns.kit.supervision import METRICS_DIR
from turns.monitoring.queries import connections

UNMATCHED = "<unmatched>"
"""The route label of requests no route matched (their paths would be unbounded labels)."""
SCRAPE_TIMEOUT_SECONDS = 5.0

log = get_logger("turns.metrics")

REQUESTS = Counter("turns_http_requests", "HTTP requests served.", ["method", "route", "status"])
LATENCY = Histogram(
    "turns_http_request_duration_seconds",
    "Time from a request's arrival to the end of its response.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
ERRORS = Counter(
    "turns_http_errors",
    "Responses with a 5xx status, by the exception that caused them (or the status when none escaped).",
    ["route", "error"],
)
POOL_SIZE = Gauge(
    "turns_db_pool_size", "Connections a pool keeps (overflow not counted).", ["pool"], multiprocess_mode="livesum"
)
POOL_CHECKED_OUT = Gauge(
    "turns_db_pool_checked_out", "Connections of a pool in use now.", ["pool"], multiprocess_mode="livesum"
)
DATABASE_UP = Gauge(
    "turns_database_up",
    "1 when the last scrape could read the database figures, else 0.",
    multiprocess_mode="mostrecent",
)
CONNECTIONS = Gauge(
    "turns_database_connections",
    "Client connections to the database.",
    ["application", "state"],
    multiprocess_mode="mostrecent",
)
DATABASE_SIZE = Gauge("turns_database_size_bytes", "Size of the database on disk.", multiprocess_mode="mostrecent")
SUMMARY_AGE = Gauge(
    "turns_property_summary_age_seconds",
    "Time since property_summary was last refreshed.",
    multiprocess_mode="mostrecent",
)

_FIGURES = text(
    "SELECT set_config('statement_timeout', '2s', true),"
    " pg_database_size(current_database()) AS size,"
    " (SELECT extract(epoch FROM now() - refreshed_at)::float8 FROM property_summary_visible LIMIT 1) AS age"
)


def _route(scope: Scope) -> str:
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else UNMATCHED


@lru_cache(maxsize=4096)
def _requests(method: str, route: str, status: int) -> Counter:
    """The request counter of these labels, found once (a thousand long-polls a second count)."""
    return REQUESTS.labels(method=method, route=route, status=str(status))


@lru_cache(maxsize=4096)
def _latency(method: str, route: str) -> Histogram:
    return LATENCY.labels(method=method, route=route)


class MetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        error: str | None = None

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            error = type(exc).__name__
            raise
        finally:
            route, method = _route(scope), scope["method"]
            _requests(method, route, status).inc()
            _latency(method, route).observe(time.perf_counter() - started)
            if status >= 500 or error is not None:
                ERRORS.labels(route=route, error=error or f"http_{status}").inc()


def _pool(name: str, engine: AsyncEngine) -> None:
    pool = engine.pool
    if isinstance(pool, QueuePool):
        POOL_SIZE.labels(pool=name).set(pool.size())
        POOL_CHECKED_OUT.labels(pool=name).set(pool.checkedout())


async def _database_figures(conn: AsyncConnection) -> None:
    figures = (await conn.execute(_FIGURES)).mappings().one()
    groups = await connections(conn)
    DATABASE_SIZE.set(figures["size"])
    SUMMARY_AGE.set(float("nan") if figures["age"] is None else figures["age"])
    CONNECTIONS.clear()
    for group in groups.rows:
        CONNECTIONS.labels(application=group.application, state=group.state).set(group.count)


async def collect(database: Database) -> None:
    """Bring the scrape-time gauges up to date (the primary's figures, read as the system user)."""
    _pool("primary", database.primary)
    if database.router is not None:
        _pool("replica", database.router.replica)
    try:
        async with asyncio.timeout(SCRAPE_TIMEOUT_SECONDS):
            async with open_transaction(database, system_actor("metrics")) as conn:
                await _database_figures(conn)
    except (DBAPIError, OSError, TimeoutError) as exc:
        log.warning("metrics_database_unreadable", error=repr(exc))
        DATABASE_UP.set(0)
        return
    DATABASE_UP.set(1)


def exposition() -> bytes:
    if METRICS_DIR not in os.environ:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry)
