"""Electric's own client (npm ``@electric-sql/client``) syncing from Turns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fixtures.api import session_token
from tests.fixtures.factory import Factory, bearer
from tests.fixtures.server import LiveServer
from tests.fixtures.sync import sync_server, wait_ready
from tests.sync.node import NodeClient, State, ids
from turns.db.urls import DatabaseUrls
from turns.sync.shapes import SYNCED


def _start(clients: list[NodeClient], server: LiveServer, token: str, table: str, **options: Any) -> NodeClient:
    client = NodeClient(server.base_url, token, table, **options)
    clients.append(client)
    return client


def test_initial_sync_of_every_synced_table(synced: LiveServer, factory: Factory, clients: list[NodeClient]) -> None:
    admin = factory.user("ADMIN")
    manager = factory.user("PROPERTY_MANAGER")
    home = factory.property(manager, None)
    factory.turn(home)
    token = session_token(synced.base_url, admin)
    for table in sorted(SYNCED):
        expected = {str(r[0]) for r in factory.query(f"SELECT id FROM {table}")}
        if table == "notifications":
            expected = {
                str(r[0]) for r in factory.query("SELECT id FROM notifications WHERE user_id = %s", (admin.id,))
            }
        state = _start(clients, synced, token, table).wait_for(lambda s: True)
        assert ids(state) == expected, table
    users = _start(clients, synced, token, "users").wait_for(lambda s: True)
    assert all("password_hash" not in row for row in users["rows"].values())


def test_live_changes_through_the_api_arrive(synced: LiveServer, factory: Factory, clients: list[NodeClient]) -> None:
    manager = factory.user("PROPERTY_MANAGER")
    home = factory.property(manager, None)
    turn = factory.turn(home)
    token = session_token(synced.base_url, manager)
    client = _start(clients, synced, token, "turns")
    client.wait_for(lambda s: ids(s) == {str(turn)})
    with httpx.Client(base_url=synced.base_url, headers=bearer(token)) as api:
        vacant = factory.property(manager, None)
        created = api.post("/api/v1/turns", json={"property_id": str(vacant), "turn_id": "T-LIVE-1"})
        assert created.status_code == 201, created.text
        new_id = created.json()["id"]
        state = client.wait_for(lambda s: new_id in ids(s))
        assert state["rows"][f'"public"."turns"/"{new_id}"']["turn_id"] == "T-LIVE-1"
        patched = api.patch(f"/api/v1/turns/{new_id}", json={"wo_number": "WO-77", "version": 1})
        assert patched.status_code == 200, patched.text
        state = client.wait_for(lambda s: s["rows"][f'"public"."turns"/"{new_id}"'].get("wo_number") == "WO-77")
        assert state["rows"][f'"public"."turns"/"{new_id}"']["version"] == 2
    factory.query("DELETE FROM turn_stage_history WHERE turn_id = %s RETURNING id", (turn,))
    factory.query("DELETE FROM turns WHERE id = %s RETURNING id", (turn,))
    state = client.wait_for(lambda s: str(turn) not in ids(s))
    assert ids(state) == {new_id}
    assert state["counts"]["duplicate"] == 0 and state["counts"]["missing"] == 0


def test_where_params_and_columns(synced: LiveServer, factory: Factory, clients: list[NodeClient]) -> None:
    admin = factory.user("ADMIN")
    phoenix = factory.property(None, None, market="Phoenix", name="Cactus Court")
    factory.property(None, None, market="Dallas", name="Oak Row")
    token = session_token(synced.base_url, admin)
    client = _start(
        clients,
        synced,
        token,
        "properties",
        where="market = $1 AND name ILIKE $2",
        params={"1": "Phoenix", "2": "cac%"},
        columns=["id", "name", "market"],
    )
    state = client.wait_for(lambda s: True)
    assert ids(state) == {str(phoenix)}
    assert set(next(iter(state["rows"].values()))) == {"id", "name", "market"}
    factory.query("UPDATE properties SET market = 'Phoenix', name = 'Cactus Two' WHERE market = 'Dallas' RETURNING id")
    state = client.wait_for(lambda s: len(s["rows"]) == 2)
    assert sorted(row["name"] for row in state["rows"].values()) == ["Cactus Court", "Cactus Two"]


def test_resume_from_an_offset(synced: LiveServer, factory: Factory, clients: list[NodeClient]) -> None:
    admin = factory.user("ADMIN")
    first = factory.property(None, None)
    token = session_token(synced.base_url, admin)
    before = _start(clients, synced, token, "properties", exitWhenUpToDate=True).wait_for(lambda s: True)
    assert str(first) in ids(before)
    second = factory.property(None, None)
    factory.query("UPDATE properties SET name = 'Renamed' WHERE id = %s RETURNING id", (first,))
    resumed = _start(
        clients, synced, token, "properties", offset=before["offset"], handle=before["handle"], rows=before["rows"]
    )
    renamed = f'"public"."properties"/"{first}"'
    state = resumed.wait_for(lambda s: str(second) in ids(s) and s["rows"][renamed]["name"] == "Renamed")
    assert state["counts"]["insert"] == 1 and state["counts"]["update"] == 1
    assert state["counts"]["duplicate"] == 0 and state["counts"]["missing"] == 0


@pytest.mark.parametrize("named_by", ["handle", "table"])
def test_must_refetch_after_the_shape_is_dropped(
    synced: LiveServer, factory: Factory, clients: list[NodeClient], named_by: str
) -> None:
    """``DELETE /v1/shape`` names the shape by its handle, or by its parameters as Electric's does."""
    admin = factory.user("ADMIN")
    home = factory.property(None, None)
    token = session_token(synced.base_url, admin)
    client = _start(clients, synced, token, "properties")
    state = client.wait_for(lambda s: str(home) in ids(s))
    with httpx.Client(base_url=synced.base_url, headers=bearer(token)) as api:
        named = {"handle": state["handle"]} if named_by == "handle" else {"table": "properties"}
        assert api.delete("/v1/shape", params=named).status_code == 202
        refused = api.delete("/v1/shape")
        assert refused.status_code == 400 and list(refused.json()["errors"]) == ["table"]
    refetched = client.wait_for(lambda s: s["handle"] != state["handle"])
    assert ids(refetched) == ids(state)
    assert refetched["counts"]["mustRefetch"] == 1


def test_large_shape_in_many_chunks(
    db: DatabaseUrls, factory: Factory, tmp_path: Path, clients: list[NodeClient]
) -> None:
    admin = factory.user("ADMIN")
    factory.query(
        "INSERT INTO vendors (company_name, contact_name, created_by, updated_by)"
        " SELECT 'Vendor ' || n, 'Contact ' || n, %s, %s FROM generate_series(1, 400) n RETURNING id",
        (admin.id, admin.id),
    )
    server = sync_server(db, tmp_path / "sync", sync_chunk_bytes=4_000)
    server.start()
    try:
        wait_ready(server.base_url)
        token = session_token(server.base_url, admin)
        with httpx.Client(base_url=server.base_url, headers=bearer(token)) as http:
            first = http.get("/v1/shape", params={"table": "vendors", "offset": "-1"})
            assert 3_000 < len(first.content) < 8_000
        state = _start(clients, server, token, "vendors").wait_for(lambda s: True)
        expected = {str(r[0]) for r in factory.query("SELECT id FROM vendors")}
        assert ids(state) == expected and len(expected) >= 400
    finally:
        server.stop()


def test_live_server_sent_events(synced: LiveServer, factory: Factory, clients: list[NodeClient]) -> None:
    admin = factory.user("ADMIN")
    token = session_token(synced.base_url, admin)
    client = _start(clients, synced, token, "vendors", liveSse=True)
    client.wait_for(lambda s: True)
    vendor = factory.vendor()
    state: State = client.wait_for(lambda s: str(vendor) in ids(s))
    assert state["counts"]["duplicate"] == 0
