"""Prometheus metrics of the read path: where reads went, and how far the replica lags."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

READ_ROUTES = Counter(
    "turns_read_routes",
    "Read-only transactions by the server that served them and why.",
    ["target", "reason"],
)
# Each worker measures the replica itself: the workers' worst figure (see turns.monitoring.metrics).
REPLICA_LAG_BYTES = Gauge(
    "turns_replica_lag_bytes",
    "WAL bytes the primary has written that the replica has not replayed.",
    multiprocess_mode="livemax",
)
REPLICA_LAG_SECONDS = Gauge(
    "turns_replica_lag_seconds",
    "How long the oldest WAL the replica has not replayed has been waiting (0 when caught up).",
    multiprocess_mode="livemax",
)
REPLICA_HEALTHY = Gauge(
    "turns_replica_healthy",
    "1 while reads may go to the replica, 0 while they go to the primary.",
    multiprocess_mode="livemin",
)


def route(target: str, reason: str) -> None:
    READ_ROUTES.labels(target=target, reason=reason).inc()


def routes() -> dict[tuple[str, str], float]:
    """The routing counters so far, by (target, reason), for ``turns monitor replicas``."""
    counts: dict[tuple[str, str], float] = {}
    for metric in READ_ROUTES.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total"):
                counts[(sample.labels["target"], sample.labels["reason"])] = sample.value
    return counts
