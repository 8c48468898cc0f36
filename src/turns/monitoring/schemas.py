"""What the monitoring commands and the admin API report: the same objects for both.

Every report carries a ``message`` when its figures are incomplete or missing (an
extension not installed, statistics of other roles hidden from the connecting role),
so a reader is told why instead of being shown an empty table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel

from turns.monitoring.replicas import ReplicaReport

T = TypeVar("T")


class Report(BaseModel, Generic[T]):
    rows: list[T]
    message: str | None = None


class SlowQuery(BaseModel):
    query: str
    role: str | None
    calls: int
    total_ms: float
    mean_ms: float
    rows: int


class TableSize(BaseModel):
    table: str
    total_bytes: int
    table_bytes: int
    index_bytes: int
    estimated_rows: int


class IndexSize(BaseModel):
    index: str
    table: str
    bytes: int
    scans: int


class Sizes(BaseModel):
    database_bytes: int
    tables: list[TableSize]
    indexes: list[IndexSize]


class UnusedIndex(BaseModel):
    index: str
    table: str
    bytes: int
    definition: str


class UnusedIndexes(Report[UnusedIndex]):
    stats_since: datetime | None
    """When this server's statistics were last reset (None: never, they count since initdb)."""


class ConnectionGroup(BaseModel):
    application: str
    state: str
    count: int
    oldest_transaction_seconds: float | None


class ReplicaRoute(BaseModel):
    target: str
    reason: str
    count: int


class ReplicaStatus(BaseModel):
    """:class:`turns.monitoring.replicas.ReplicaReport` as JSON."""

    configured: bool
    healthy: bool | None = None
    reason: str | None = None
    lag_bytes: int | None = None
    lag_seconds: float | None = None
    routes: list[ReplicaRoute]
    message: str | None = None

    @classmethod
    def of(cls, report: ReplicaReport) -> ReplicaStatus:
        routes = [ReplicaRoute(target=t, reason=r, count=int(n)) for (t, r), n in sorted(report.routes.items())]
        health = report.health
        if not report.configured or health is None:
            return cls(configured=False, routes=routes, message=report.lines()[0])
        return cls(
            configured=True,
            healthy=health.healthy,
            reason=health.reason,
            lag_bytes=health.lag_bytes,
            lag_seconds=health.lag_seconds,
            routes=routes,
            message=report.metrics_error,
        )
