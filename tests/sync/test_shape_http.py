"""The Shape API over plain HTTP: what Electric's client meets, message by message."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.fixtures.api import PROBLEM, session_token
from tests.fixtures.factory import Factory, bearer, login
from tests.fixtures.sync import sync_server, wait_ready
from tests.monitoring.helpers import scrape, value
from tests.sync.shape_http import eventually
from turns.db.urls import DatabaseUrls
from turns.sync.shapes import SYNCED


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
    assert "electric-schema" not in live.headers  # (non-live answers only, as Electric)
    # Whether a body holds rows or changes, not only control messages.
    assert [first.headers["electric-has-data"], caught_up.headers["electric-has-data"]] == ["true", "false"]
    assert live.headers["electric-has-data"] == "true"
    now = _get(sync_client, headers, table="turns", offset="now")
    assert now.headers["electric-has-data"] == "false"
    assert "electric-schema" in caught_up.headers


def test_a_shape_request_has_its_request_id_metrics_and_problems_around_the_stack(
    sync_client: httpx.Client, factory: Factory
) -> None:
    """GET /v1/shape is served around the API's middleware stack (turns.kit.shortcut): what it
    keeps of the stack is checked here, what it leaves is the speed measured in bench/sync.py."""
    refused = _get(sync_client, {}, table="vendors", offset="-1")
    assert refused.status_code == 401
    assert refused.headers["content-type"] == PROBLEM
    assert refused.headers["www-authenticate"] == "Bearer"
    assert refused.json()["request_id"] == refused.headers["x-request-id"]
    assert refused.json()["instance"] == "/v1/shape"
    headers = bearer(login(sync_client, factory.user("ADMIN")))
    sync_client.cookies.clear()
    before = scrape(sync_client)
    answered = _get(sync_client, {**headers, "X-Request-ID": "shape-request-1"}, table="vendors", offset="-1")
    assert answered.status_code == 200 and answered.headers["x-request-id"] == "shape-request-1"
    after = scrape(sync_client)
    ok = {"method": "GET", "route": "/v1/shape", "status": "200"}
    assert value(after, "turns_http_requests_total", **ok) - value(before, "turns_http_requests_total", **ok) == 1
    # The rest of the API still goes through the whole stack (its no-store rule, for one).
    assert sync_client.get("/api/v1/auth/me", headers=headers).headers["cache-control"] == "no-store"


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


def test_snapshot_chunks_are_numbered_and_etags_revalidate(db: DatabaseUrls, factory: Factory, tmp_path: Path) -> None:
    admin = factory.user("ADMIN")
    factory.query(
        "INSERT INTO vendors (company_name, contact_name) SELECT 'Chunked ' || n, 'Q\"uote \\ ü ' || n"
        " FROM generate_series(1, 60) n RETURNING id"
    )
    server = sync_server(db, tmp_path / "sync", sync_chunk_bytes=3_000)
    server.start()
    try:
        wait_ready(server.base_url)
        with httpx.Client(base_url=server.base_url, headers=bearer(session_token(server.base_url, admin))) as http:
            first = http.get("/v1/shape", params={"table": "vendors", "offset": "-1"})
            handle = first.headers["electric-handle"]
            assert first.headers["electric-offset"] == "0_0" and "electric-up-to-date" not in first.headers
            assert first.headers["etag"] == f'"{handle}:-1:0_0"'
            assert 3_000 <= len(first.content) < 6_000
            again = http.get(
                "/v1/shape",
                params={"table": "vendors", "offset": "-1"},
                headers={"if-none-match": first.headers["etag"]},
            )
            assert (again.status_code, again.content, again.headers["electric-offset"]) == (304, b"", "0_0")
            offsets, messages, response = ["0_0"], list(first.json()), first
            while "electric-up-to-date" not in response.headers:
                response = http.get("/v1/shape", params={"table": "vendors", "offset": offsets[-1], "handle": handle})
                assert response.status_code == 200, response.text
                offsets.append(response.headers["electric-offset"])
                messages += response.json()
            chunks = len(offsets) - 1  # the last response is the (empty) log after the snapshot
            assert offsets == [f"0_{n}" for n in range(chunks)] + ["0_inf"]
            assert chunks >= 4
            rows = {m["value"]["id"]: m["value"] for m in messages if "key" in m}
            expected = {str(r[0]): r[1] for r in factory.query("SELECT id, contact_name FROM vendors")}
            assert {pk: row["contact_name"] for pk, row in rows.items()} == expected
            assert [m["headers"]["control"] for m in messages if "key" not in m] == ["snapshot-end", "up-to-date"]
            middle = sorted(rows)[len(rows) // 2]
            factory.query("UPDATE vendors SET city = 'Moved' WHERE id = %s RETURNING id", (middle,))
            live = http.get(
                "/v1/shape",
                params={"table": "vendors", "offset": "0_inf", "handle": handle, "live": "true"},
            ).json()
            # The row was found in the snapshot's file: an update of the changed columns, not an insert.
            assert live[0]["headers"]["operation"] == "update"
            assert set(live[0]["value"]) == {"id", "city", "version", "updated_at"}
            log = tmp_path / "sync" / f"{db.app.rsplit('/', 1)[-1]}-{server.app_settings.sync_slot}" / "logs"
            assert (log / f"{handle}.log").exists()
            assert http.delete("/v1/shape", params={"handle": handle}).status_code == 202
            assert not (log / f"{handle}.log").exists()
            eventually(lambda: _assert_empty(log))
    finally:
        server.stop()


def _assert_empty(folder: Path) -> None:
    assert list(folder.iterdir()) == []


def test_a_step_sends_its_rows_in_the_order_they_changed(sync_client: httpx.Client, factory: Factory) -> None:
    """One transaction updates a vendor the client holds, then adds one whose key sorts first:
    the update comes first, as in the transaction (not in key order)."""
    held = factory.vendor(company_name="HELD", contact_name="one")
    headers = bearer(login(sync_client, factory.user("ADMIN")))
    sync_client.cookies.clear()
    first = _get(sync_client, headers, table="vendors", offset="-1", where="company_name IN ('HELD', 'FIRST')")
    start = {"handle": first.headers["electric-handle"], "offset": first.headers["electric-offset"]}
    factory.query(
        "WITH changed AS (UPDATE vendors SET contact_name = 'two' WHERE id = %s RETURNING id)"
        " INSERT INTO vendors (id, company_name, email, is_approved)"
        " SELECT '00000000-0000-4000-8000-000000000001', 'FIRST', 'first@example.com', true FROM changed RETURNING id",
        (held,),
    )

    def both() -> list[tuple[str, str]]:
        messages = _get(
            sync_client, headers, table="vendors", where="company_name IN ('HELD', 'FIRST')", **start
        ).json()
        sent = [
            (m["headers"]["operation"], m["value"].get("contact_name") or m["value"]["company_name"])
            for m in messages
            if "key" in m
        ]
        assert len(sent) == 2
        return sent

    assert eventually(both) == [("update", "two"), ("insert", "FIRST")]


@contextmanager
def _following_vendors(
    db: DatabaseUrls, tmp_path: Path, *, sync_poll_seconds: float
) -> Iterator[tuple[httpx.Client, dict[str, str], dict[str, str], Factory]]:
    """A sync server polling every ``sync_poll_seconds``, an admin's client that has read the vendors shape, the query
    that follows it, and the factory that writes to it."""
    server = sync_server(db, tmp_path / "sync", sync_poll_seconds=sync_poll_seconds)
    server.start()
    try:
        wait_ready(server.base_url)
        factory = Factory(db)
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            headers = bearer(login(client, factory.user("ADMIN")))
            first = _get(client, headers, table="vendors", offset="-1")
            query = {"handle": first.headers["electric-handle"], "offset": first.headers["electric-offset"]}
            yield client, headers, query, factory
    finally:
        server.stop()


def test_each_transaction_reaches_the_client_as_its_own_messages(db: DatabaseUrls, tmp_path: Path) -> None:
    """Insert, insert, delete, update committed as four transactions and decoded in one step (the
    engine polls once a second here) are four messages, in commit order, each with its own
    transaction id, as Electric logs them: not one insert of the row left at the end."""
    with _following_vendors(db, tmp_path, sync_poll_seconds=1.0) as (client, headers, query, factory):
        gone = factory.vendor(company_name="Gone Painting")
        kept = factory.vendor(company_name="Kept Flooring")
        factory.query("DELETE FROM vendors WHERE id = %s RETURNING id", (gone,))
        factory.query("UPDATE vendors SET company_name = 'Kept Flooring Co' WHERE id = %s RETURNING id", (kept,))
        messages: list[dict[str, Any]] = []

        def four() -> None:
            response = _get(client, headers, table="vendors", live="true", **query)
            query["offset"] = response.headers["electric-offset"]
            messages.extend(m for m in response.json() if "operation" in m["headers"])
            assert len(messages) >= 4, messages

        eventually(four, timeout=30)
    operations = [(m["headers"]["operation"], m["value"]["id"]) for m in messages]
    assert operations == [("insert", str(gone)), ("insert", str(kept)), ("delete", str(gone)), ("update", str(kept))]
    assert messages[3]["value"]["company_name"] == "Kept Flooring Co"
    assert messages[1]["value"]["company_name"] == "Kept Flooring"
    first_txids = [m["headers"]["txids"][0] for m in messages]
    assert len(set(first_txids)) == 4, first_txids
    assert [m["headers"]["lsn"] for m in messages] == sorted(m["headers"]["lsn"] for m in messages)


def test_cache_headers_follow_the_settings_and_stay_private_for_a_users_own_shape(
    db: DatabaseUrls, tmp_path: Path
) -> None:
    server = sync_server(db, tmp_path / "sync", sync_public_cache=True, sync_max_age=3_600, sync_stale_age=600)
    server.start()
    try:
        wait_ready(server.base_url)
        factory = Factory(db)
        manager = factory.user("PROPERTY_MANAGER")
        factory.turn(factory.property(manager), stage=1)
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            admin_headers = bearer(login(client, factory.user("ADMIN")))
            client.cookies.clear()
            manager_headers = bearer(login(client, manager))
            client.cookies.clear()
            shared = _get(client, admin_headers, table="turns", offset="-1")
            own = _get(client, manager_headers, table="turns", offset="-1")
            gone = _get(client, admin_headers, table="turns", offset="0_0", handle="1-1")
    finally:
        server.stop()
    assert shared.headers["cache-control"] == "public, max-age=3600, s-maxage=3600, stale-while-revalidate=600"
    assert own.headers["cache-control"] == "private, max-age=3600, stale-while-revalidate=600"
    assert shared.headers["vary"] == own.headers["vary"] == "Authorization, Cookie"
    assert gone.status_code == 409
    assert gone.headers["cache-control"] == "public, max-age=60, must-revalidate"


def test_a_commit_wakes_the_engine_without_waiting_for_its_poll(db: DatabaseUrls, tmp_path: Path) -> None:
    """The engine polls the slot every 30 s here: a change still reaches a held long-poll at once,
    because the synced table's trigger notifies the engine at commit."""
    with _following_vendors(db, tmp_path, sync_poll_seconds=30.0) as (client, headers, query, factory):
        factory.vendor(company_name="Prompt Plumbing")
        started = time.monotonic()
        answer = _get(client, headers, table="vendors", live="true", **query)
        waited = time.monotonic() - started
    names = [m["value"]["company_name"] for m in answer.json() if m["headers"].get("operation") == "insert"]
    assert names == ["Prompt Plumbing"]
    assert waited < 10, waited


def test_every_synced_table_wakes_sync_at_commit(db: DatabaseUrls) -> None:
    found = Factory(db).query(
        "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = 'sync_wake'"
    )
    assert {name for (name,) in found} == SYNCED
