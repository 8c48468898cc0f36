"""The replica's health, measured in the background.

Lag is measured the way errata item 17 asks: in bytes, as the primary's WAL
position (``pg_current_wal_lsn()``) minus the standby's replayed position
(``pg_last_wal_replay_lsn()``), and in seconds only while there is WAL left to
replay. ``now() - pg_last_xact_replay_timestamp()`` is not used: on an idle
standby that timestamp ages without any lag, and it compares two clocks.

The seconds come from this process's own clock instead: every WAL position seen
on the primary (by this monitor, and every commit made through the router) is
kept with the moment it was seen; the lag is how long ago the oldest position
the replica has not yet replayed was seen. It is zero when caught up, and grows
with wall time while replay is stuck.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from turns.kit.logging import get_logger
from turns.kit.lsn import parse_lsn
from turns.replicas import metrics

log = get_logger("turns.replicas")

_PRIMARY_LSN = text("SELECT pg_current_wal_lsn()::text")
_REPLICA_STATE = text("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text")
_MAX_SAMPLES = 100_000


@dataclass
class ReplicaHealth:
    """What the monitor last saw; the router reads it on every read."""

    healthy: bool = False
    """False until the first successful check: reads start on the primary."""
    replay_lsn: int | None = None
    lag_bytes: int | None = None
    lag_seconds: float | None = None
    reason: str = "not checked yet"


class LagMonitor:
    def __init__(
        self, primary: AsyncEngine, replica: AsyncEngine, *, max_lag_seconds: float, interval_seconds: float
    ) -> None:
        self.primary = primary
        self.replica = replica
        self.max_lag_seconds = max_lag_seconds
        self.interval_seconds = interval_seconds
        self.health = ReplicaHealth()
        self._seen: deque[tuple[float, int]] = deque(maxlen=_MAX_SAMPLES)
        metrics.REPLICA_HEALTHY.set(0)

    def saw_primary_lsn(self, lsn: int) -> None:
        """Remember that the primary had reached ``lsn`` by now (positions only grow)."""
        if not self._seen or lsn > self._seen[-1][1]:
            self._seen.append((time.monotonic(), lsn))

    def _lag_seconds(self, replay_lsn: int) -> float:
        while self._seen and self._seen[0][1] <= replay_lsn:
            self._seen.popleft()
        return time.monotonic() - self._seen[0][0] if self._seen else 0.0

    def mark_failed(self, reason: str) -> None:
        """A read found the replica unreachable: reads go to the primary until a check succeeds."""
        self._set(False, reason)

    def _set(self, healthy: bool, reason: str) -> None:
        if healthy != self.health.healthy:
            log.warning("replica_health", healthy=healthy, reason=reason)
        self.health.healthy = healthy
        self.health.reason = reason
        metrics.REPLICA_HEALTHY.set(1 if healthy else 0)

    async def check(self) -> ReplicaHealth:
        """Measure the lag once and decide whether the replica may serve reads."""
        try:
            async with self.primary.connect() as conn:
                self.saw_primary_lsn(parse_lsn(str(await conn.scalar(_PRIMARY_LSN))))
                await conn.rollback()
        except Exception as exc:  # the primary being down is not the replica's fault: keep the last verdict
            log.warning("replica_check_primary_failed", error=repr(exc))
            return self.health
        try:
            async with self.replica.connect() as conn:
                in_recovery, replay = (await conn.execute(_REPLICA_STATE)).one()
                await conn.rollback()
        except Exception as exc:
            self._set(False, f"unreachable: {type(exc).__name__}")
            return self.health
        if not in_recovery or replay is None:
            self._set(False, "not a standby (promoted, or the primary itself)")
            return self.health
        replay_lsn = parse_lsn(str(replay))
        primary_lsn = self._seen[-1][1] if self._seen else replay_lsn
        lag_seconds = self._lag_seconds(replay_lsn)
        self.health.replay_lsn = replay_lsn
        self.health.lag_bytes = max(0, primary_lsn - replay_lsn)
        self.health.lag_seconds = lag_seconds
        metrics.REPLICA_LAG_BYTES.set(self.health.lag_bytes)
        metrics.REPLICA_LAG_SECONDS.set(lag_seconds)
        if lag_seconds > self.max_lag_seconds:
            self._set(False, f"lagging {lag_seconds:.1f} s")
        else:
            self._set(True, "caught up" if self.health.lag_bytes == 0 else "within the lag limit")
        return self.health

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(Exception):  # check() reports its own failures
                await self.check()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.interval_seconds)
