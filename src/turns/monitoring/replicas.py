"""What ``turns monitor replicas`` shows: the replica's lag measured now, and the API's routing.

The lag is measured from this process (a few checks by the same monitor the API runs,
so the seconds are measured the same way). Where reads went is only known to the API
process, so it is read from the API's Prometheus metrics when they can be reached.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import httpx
from prometheus_client.parser import text_string_to_metric_families

from turns.db.engines import Database, ReplicaOptions
from turns.db.urls import DatabaseUrls
from turns.replicas.monitor import ReplicaHealth


@dataclass
class ReplicaReport:
    configured: bool
    health: ReplicaHealth | None = None
    routes: dict[tuple[str, str], float] = field(default_factory=dict)
    metrics_error: str | None = None

    def lines(self) -> list[str]:
        if not self.configured or self.health is None:
            return ["no read replica configured: every read goes to the primary"]
        health = self.health
        lag_seconds = "unknown" if health.lag_seconds is None else f"{health.lag_seconds:.2f} s"
        lines = [
            f"replica: {'healthy' if health.healthy else 'unhealthy'} ({health.reason})",
            f"lag: {health.lag_bytes if health.lag_bytes is not None else 'unknown'} bytes, {lag_seconds}",
        ]
        if self.metrics_error is not None:
            lines.append(f"routing: unknown ({self.metrics_error})")
        elif not self.routes:
            lines.append("routing: no reads yet")
        else:
            lines.append("routing (reads since the API started):")
            for (target, reason), count in sorted(self.routes.items()):
                lines.append(f"  {target:<8} {reason:<26} {count:>10.0f}")
        return lines


async def measure(urls: DatabaseUrls, *, checks: int = 3, interval: float = 0.5) -> ReplicaHealth | None:
    """The replica's health after ``checks`` checks ``interval`` apart; None without a replica."""
    database = Database.connect(urls, pool_size=1, replica=ReplicaOptions(check_seconds=interval))
    try:
        if database.router is None:
            return None
        health = await database.router.monitor.check()
        for _ in range(checks - 1):
            await asyncio.sleep(interval)
            health = await database.router.monitor.check()
        return health
    finally:
        await database.dispose()


def api_routes(metrics_url: str) -> dict[tuple[str, str], float]:
    """The ``turns_read_routes_total`` counters from an API process's Prometheus endpoint."""
    response = httpx.get(metrics_url, timeout=5)
    response.raise_for_status()
    routes: dict[tuple[str, str], float] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name == "turns_read_routes_total":
                routes[(sample.labels["target"], sample.labels["reason"])] = sample.value
    return routes


def report(urls: DatabaseUrls, metrics_url: str | None) -> ReplicaReport:
    health = asyncio.run(measure(urls))
    result = ReplicaReport(configured=health is not None, health=health)
    if health is not None and metrics_url is not None:
        try:
            result.routes = api_routes(metrics_url)
        except httpx.HTTPError as exc:
            result.metrics_error = f"{metrics_url}: {type(exc).__name__}"
    return result
