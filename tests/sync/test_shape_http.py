"""The Shape API over plain HTTP: what Electric's client meets, message by message."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.fixtures.factory import Factory, bearer, login


def _get(client: httpx.Client, headers: dict[str, str], **params: Any) -> httpx.Response:
    return client.get("/v1/shape", params=params, headers=headers)


def test_snapshot_then_live_change(sync_client: httpx.Client, factory: Factory) -> None:
    manager = factory.user("PROPERTY_MANAGER")
    other = factory.user("PROPERTY_MANAGER")
    mine = factory.property(manager, None)
    theirs = factory.property(other, None)
    turn = factory.turn(mine)
    factory.turn(theirs)
    headers = bearer(login(sync_client, manager))
    sync_client.cookies.clear()
    first = _get(sync_client, headers, table="turns", offset="-1")
    assert first.status_code == 200, first.text
    handle = first.headers["electric-handle"]
    schema = json.loads(first.headers["electric-schema"])
    assert schema["id"] == {"type": "uuid", "pk_index": 0, "not_null": True}
    assert "primary_lock_box_code" not in schema
    rows = [m for m in first.json() if "key" in m]
    assert [m["value"]["id"] for m in rows] == [str(turn)]
    assert rows[0]["key"] == f'"public"."turns"/"{turn}"'
    assert rows[0]["value"]["turn_amount"] == "2500.00"
    assert rows[0]["value"]["is_active"] == "t"
    offset = first.headers["electric-offset"]
    caught_up = _get(sync_client, headers, table="turns", offset=offset, handle=handle)
    assert caught_up.json()[-1]["headers"]["control"] == "up-to-date"
    assert "electric-up-to-date" in caught_up.headers
    offset = caught_up.headers["electric-offset"]
    factory.query("UPDATE turns SET wo_number = 'WO-9' WHERE id = %s RETURNING id", (turn,))
    live = _get(sync_client, headers, table="turns", offset=offset, handle=handle, live="true")
    assert live.status_code == 200
    messages = live.json()
    assert messages[0]["headers"]["operation"] == "update"
    value = messages[0]["value"]
    assert value == {"id": str(turn), "wo_number": "WO-9", "version": "2", "updated_at": value["updated_at"]}
    assert messages[-1]["headers"]["control"] == "up-to-date"
    assert "electric-cursor" in live.headers


def test_where_on_uuid_enum_and_date_columns(sync_client: httpx.Client, factory: Factory) -> None:
    admin = factory.user("ADMIN")
    home, other = factory.property(None, None), factory.property(None, None)
    turn = factory.turn(home, move_out_date="2026-01-15")
    factory.turn(other, move_out_date="2025-01-15")
    headers = bearer(login(sync_client, admin))
    where = "property_id = $1 AND move_out_date >= $2 AND scope_approval_status IS NOT DISTINCT FROM $3"
    status = factory.query("SELECT scope_approval_status::text FROM turns WHERE id = %s", (turn,))[0][0]
    params = {"params[1]": str(home), "params[2]": "2026-01-01", "params[3]": status}
    response = _get(sync_client, headers, table="turns", offset="-1", where=where, **params)
    assert response.status_code == 200, response.text
    assert [m["value"]["id"] for m in response.json() if "key" in m] == [str(turn)]
