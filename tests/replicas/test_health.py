"""Replica health: truthful lag, and reads that survive the replica going away."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.fixtures.factory import Factory
from tests.fixtures.replica import ON_ONE_WORKER, ReplicaCluster
from tests.replicas.helpers import FAST, actor, read_name, route_count, routed, wait_for
from turns.auth.transaction import run_read
from turns.db.urls import DatabaseUrls

pytestmark = ON_ONE_WORKER


def test_lag_is_zero_when_idle_and_grows_while_replay_is_paused(
    replica_db: DatabaseUrls, replica_cluster: ReplicaCluster
) -> None:
    factory = Factory(replica_db)
    admin = factory.user("ADMIN")
    property_id = factory.property()
    reader = actor(admin.id)

    async def scenario() -> None:
        async with routed(replica_db) as database:
            assert database.router is not None
            monitor = database.router.monitor
            replica_cluster.wait_caught_up()
            # Idle for longer than the lag limit: an idle standby is not a lagging one.
            await asyncio.sleep(1.5)
            health = await monitor.check()
            assert health.healthy
            assert health.lag_seconds is not None and health.lag_seconds < 0.2
            assert health.lag_bytes is not None and health.lag_bytes < 8192
            assert REGISTRY.get_sample_value("turns_replica_healthy") == 1

            replica_cluster.pause_replay()
            factory.query("UPDATE properties SET name = 'While paused' WHERE id = %s RETURNING id", (property_id,))
            await wait_for(
                lambda: not monitor.health.healthy, "the paused replica was never marked unhealthy", seconds=10
            )
            assert monitor.health.lag_bytes is not None and monitor.health.lag_bytes > 0
            assert monitor.health.lag_seconds is not None and monitor.health.lag_seconds > FAST.max_lag_seconds
            assert (REGISTRY.get_sample_value("turns_replica_lag_seconds") or 0) > FAST.max_lag_seconds
            await asyncio.sleep(0.5)
            assert monitor.health.lag_seconds > FAST.max_lag_seconds + 0.4
            unhealthy = route_count("primary", "replica-unhealthy")
            # Everyone reads from the primary now, and sees the write the replica has not replayed.
            assert await read_name(database, reader, property_id) == ("While paused", False)
            assert route_count("primary", "replica-unhealthy") == unhealthy + 1

            replica_cluster.resume_replay()
            await wait_for(lambda: monitor.health.healthy, "the replica never came back")
            assert await read_name(database, reader, property_id) == ("While paused", True)
            health = await monitor.check()
            assert health.lag_seconds is not None and health.lag_seconds < 0.2

    asyncio.run(scenario())


def test_reads_survive_the_replica_stopping_and_return_after_restart(
    replica_db: DatabaseUrls, replica_cluster: ReplicaCluster
) -> None:
    factory = Factory(replica_db)
    admin = factory.user("ADMIN")
    property_id = factory.property()
    (name,) = factory.query("SELECT name FROM properties WHERE id = %s", (property_id,))[0]
    replica_cluster.wait_caught_up()

    async def scenario() -> tuple[int, list[bool]]:
        served: list[bool] = []
        failures = 0
        stop = asyncio.Event()

        async def one_read(conn: AsyncConnection) -> tuple[str, bool]:
            got = await conn.scalar(text("SELECT name FROM properties WHERE id = :id"), {"id": property_id})
            await asyncio.sleep(0.005)  # keep transactions open, so the stop interrupts some
            return str(got), bool(await conn.scalar(text("SELECT pg_is_in_recovery()")))

        async with routed(replica_db, replace(FAST, max_lag_seconds=5)) as database:

            async def load() -> None:
                nonlocal failures
                who = actor(admin.id)
                while not stop.is_set():
                    try:
                        got, on_replica = await run_read(database, who, one_read)
                    except Exception:
                        failures += 1
                        continue
                    assert got == name
                    served.append(on_replica)

            readers = [asyncio.create_task(load()) for _ in range(6)]
            # The monitor has to measure the replica healthy first (slow on a loaded machine).
            await wait_for(lambda: any(served), "reads never went to the replica")
            before = len(served)
            await asyncio.to_thread(replica_cluster.standby.stop)
            stopped_at = len(served)
            await asyncio.sleep(1.0)
            during = served[stopped_at:]
            await asyncio.to_thread(replica_cluster.standby.start)
            await wait_for(lambda: database.reader is not database.primary, "reads never returned to the replica")
            restarted_at = len(served)
            await asyncio.sleep(0.5)
            stop.set()
            await asyncio.gather(*readers)
            assert any(served[:before]), "reads went to the replica before the stop"
            assert during and not any(during), "while stopped, every read was served by the primary"
            assert any(served[restarted_at:]), "reads came back to the replica"
        return failures, served

    failures, served = asyncio.run(scenario())
    assert failures == 0
    assert len(served) > 100
