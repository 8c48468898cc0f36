"""Read-your-writes: a client's reads see its own commits even while the replica is behind."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from tests.fixtures.factory import Factory
from tests.fixtures.replica import ON_ONE_WORKER, ReplicaCluster
from tests.replicas.helpers import FAST, actor, read_name, rename, route_count, routed
from turns.db.urls import DatabaseUrls

pytestmark = ON_ONE_WORKER


def test_writer_sees_own_writes_while_replay_is_paused(
    replica_db: DatabaseUrls, replica_cluster: ReplicaCluster
) -> None:
    factory = Factory(replica_db)
    admin = factory.user("ADMIN")
    property_id = factory.property()
    replica_cluster.wait_caught_up()
    writer, other = actor(admin.id), actor(admin.id)
    (original,) = factory.query("SELECT name FROM properties WHERE id = %s", (property_id,))[0]

    async def scenario() -> None:
        # A lag limit the test cannot reach: only read-your-writes decides here.
        async with routed(replica_db, replace(FAST, max_lag_seconds=600)) as database:
            assert await read_name(database, other, property_id) == (original, True)
            replica_cluster.pause_replay()
            fell_back = route_count("primary", "replica-behind-own-write")
            for n in range(20):
                await rename(database, writer, property_id, f"Renamed {n}")
                assert await read_name(database, writer, property_id) == (f"Renamed {n}", False)
                # Another client keeps reading from the paused replica, which has none of these writes.
                assert await read_name(database, other, property_id) == (original, True)
            assert route_count("primary", "replica-behind-own-write") - fell_back == 20

            replica_cluster.resume_replay()
            replica_cluster.wait_caught_up()
            assert await read_name(database, writer, property_id) == ("Renamed 19", True)
            assert database.router is not None
            assert database.router.pending_lsn(f"session:{writer.session_id}") is None

    asyncio.run(scenario())


def test_reads_after_writes_stay_on_a_replica_that_keeps_up(replica_db: DatabaseUrls) -> None:
    factory = Factory(replica_db)
    admin = factory.user("ADMIN")
    property_id = factory.property()
    writer = actor(admin.id)

    async def scenario() -> int:
        served_by_replica = 0
        async with routed(replica_db) as database:
            for n in range(20):
                await rename(database, writer, property_id, f"Name {n}")
                name, on_replica = await read_name(database, writer, property_id)
                assert name == f"Name {n}"
                served_by_replica += on_replica
        return served_by_replica

    # Streaming replay on loopback keeps up within the short wait: most reads stay on the replica.
    assert asyncio.run(scenario()) > 10


def test_a_write_through_one_worker_is_read_back_through_another(
    replica_db: DatabaseUrls, replica_cluster: ReplicaCluster, tmp_path: Path
) -> None:
    """The workers of one server share their clients' commit positions (`turns serve --workers N`):
    the worker that did not commit the write still waits for it, or reads from the primary."""
    factory = Factory(replica_db)
    admin = factory.user("ADMIN")
    property_id = factory.property()
    replica_cluster.wait_caught_up()
    writer = actor(admin.id)
    shared = replace(FAST, max_lag_seconds=600, positions_file=tmp_path / "positions.sqlite3")

    async def scenario() -> None:
        async with routed(replica_db, shared) as first, routed(replica_db, shared) as second:
            replica_cluster.pause_replay()
            try:
                for n in range(5):
                    await rename(first, writer, property_id, f"Worker {n}")
                    assert await read_name(second, writer, property_id) == (f"Worker {n}", False)
            finally:
                replica_cluster.resume_replay()
            replica_cluster.wait_caught_up()
            assert await read_name(second, writer, property_id) == ("Worker 4", True)
            assert second.router is not None and first.router is not None
            assert first.router.pending_lsn(f"session:{writer.session_id}") is None  # forgotten by both

    asyncio.run(scenario())
