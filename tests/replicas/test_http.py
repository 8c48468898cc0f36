"""The read path over HTTP: the commit position header and the retry of lost replica reads."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send

from tests.fixtures.factory import Factory, bearer, login
from tests.fixtures.replica import ON_ONE_WORKER, ReplicaCluster
from tests.fixtures.server import serving
from turns.db.urls import DatabaseUrls
from turns.kit.lsn import parse_lsn
from turns.replicas.middleware import COMMIT_LSN_HEADER, ReadPathMiddleware
from turns.replicas.router import ReplicaLost

pytestmark = ON_ONE_WORKER


@pytest.fixture
def replica_client(replica_db: DatabaseUrls) -> Iterator[httpx.Client]:
    with serving(replica_db) as http:
        yield http


def test_a_write_returns_its_commit_position(
    replica_client: httpx.Client, replica_db: DatabaseUrls, replica_cluster: ReplicaCluster
) -> None:
    factory = Factory(replica_db)
    admin = factory.user("ADMIN")
    property_id = factory.property()
    headers = bearer(login(replica_client, admin))
    replica_cluster.pause_replay()
    before = replica_cluster.primary_lsn()
    response = replica_client.patch(
        f"/api/v1/properties/{property_id}", headers={**headers, "If-Match": '"1"'}, json={"name": "Renamed"}
    )
    assert response.status_code == 200, response.text
    assert parse_lsn(response.headers[COMMIT_LSN_HEADER]) > before
    assert factory.query("SELECT name FROM properties WHERE id = %s", (property_id,)) == [("Renamed",)]
    # Another user, who wrote nothing, gets no position to wait for.
    other = bearer(login(replica_client, factory.user("ADMIN")))
    assert COMMIT_LSN_HEADER not in replica_client.get("/api/v1/auth/me", headers=other).headers


def test_a_get_whose_replica_was_lost_is_run_again() -> None:
    calls: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        calls.append(scope["method"])
        if len(calls) == 1:
            raise ReplicaLost("server closed the connection unexpectedly")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def scenario(method: str) -> list[Message]:
        calls.clear()
        sent: list[Message] = []

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Message) -> None:
            sent.append(message)

        scope: Scope = {"type": "http", "method": method, "path": "/api/v1/audit", "headers": []}
        await ReadPathMiddleware(app)(scope, receive, send)
        return sent

    sent = asyncio.run(scenario("GET"))
    assert calls == ["GET", "GET"]
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    with pytest.raises(ReplicaLost):
        asyncio.run(scenario("POST"))
    assert calls == ["POST"]
