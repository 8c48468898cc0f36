"""Subset snapshots: Electric's client in ``changes_only`` mode loads rows of a shape on demand."""

from __future__ import annotations

import json
import threading
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from starlette.datastructures import QueryParams

from tests.fixtures.api import session_token
from tests.fixtures.factory import Factory, User, bearer, login
from tests.fixtures.server import LiveServer
from tests.sync.node import NodeClient, State
from tests.sync.shape_http import eventually, refused_as_electric
from turns.access.columns import readable_columns
from turns.access.identity import CurrentUser
from turns.sync.params import parse
from turns.sync.protocol import row_key
from turns.sync.subsets import MAX_ROWS, Subset, parse_subset


def _client(clients: list[NodeClient], server: LiveServer, user: User, table: str, **options: Any) -> NodeClient:
    client = NodeClient(server.base_url, session_token(server.base_url, user), table, log="changes_only", **options)
    clients.append(client)
    client.wait_for(lambda s: True)  # following the log, from its head
    return client


def _snapshot(client: NodeClient, **subset: Any) -> State:
    client.send({"request": subset})
    state = client.wait_for(lambda s: "snapshot" in s or "snapshotError" in s)
    assert "snapshot" in state, state
    return state


def _names(state: State, keys: list[str]) -> list[str]:
    return [state["rows"][key]["name"] for key in keys]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_client_loads_subsets_in_pages(
    synced: LiveServer, factory: Factory, clients: list[NodeClient], method: str
) -> None:
    homes = {factory.property(None, None, market="Subsetville", name=f"Home {n}"): n for n in range(5)}
    factory.property(None, None, market="Elsewhere", name="Home 9")
    client = _client(clients, synced, factory.user("ADMIN"), "properties", subsetMethod=method)
    where = {"where": "market = $1", "params": {"1": "Subsetville"}, "orderBy": "name DESC"}
    first = _snapshot(client, **where, limit=2)
    assert _names(first, first["snapshot"]["keys"]) == ["Home 4", "Home 3"]
    second = _snapshot(client, **where, limit=2, offset=2)
    assert _names(second, second["snapshot"]["keys"]) == ["Home 2", "Home 1"]
    assert {UUID(row["id"]) for row in second["rows"].values()} == {h for h, n in homes.items() if n >= 1}
    home = next(h for h, n in homes.items() if n == 4)
    held = second["rows"][row_key("properties", str(home))]
    assert (held["id"], held["name"], held["market"], held["city"]) == (str(home), "Home 4", "Subsetville", "Atlanta")
    assert set(held) == readable_columns("properties", "ADMIN")
    metadata = second["snapshot"]["metadata"]
    assert int(metadata["xmin"]) <= int(metadata["xmax"]) and int(metadata["database_lsn"]) > 0
    assert second["counts"]["duplicate"] == 0 and second["counts"]["insert"] == 4


def test_subset_then_live_changes_converge(synced: LiveServer, factory: Factory, clients: list[NodeClient]) -> None:
    """Rows change, come and go while the client asks for subsets: it ends with the rows as they
    are, having received no row twice and missed no change."""
    made = [factory.vendor(company_name=f"SUB-{n}", contact_name="start") for n in range(6)]
    client = _client(clients, synced, factory.user("ADMIN"), "vendors")
    stop = threading.Event()

    def write() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            factory.query("UPDATE vendors SET contact_name = %s WHERE id = %s RETURNING id", (f"c{n}", made[n % 6]))
            if n % 5 == 0:
                made.append(factory.vendor(company_name=f"SUB-new-{n}", contact_name=f"new{n}"))
            if n % 7 == 0:
                gone = made.pop(1)
                factory.query("DELETE FROM vendors WHERE id = %s RETURNING id", (gone,))

    writer = threading.Thread(target=write)
    writer.start()
    try:
        for method in ("GET", "POST", "GET"):
            _snapshot(client, where="company_name LIKE 'SUB-%'", method=method)
    finally:
        stop.set()
        writer.join()

    def converged(state: State) -> bool:
        expected = {
            row_key("vendors", str(r[0])): r[1]
            for r in factory.query("SELECT id, contact_name FROM vendors WHERE company_name LIKE 'SUB-%%'")
        }
        return {k: v["contact_name"] for k, v in state["rows"].items()} == expected

    state = client.wait_for(converged)
    assert state["counts"]["duplicate"] == 0 and state["counts"]["missing"] == 0


def _following_vendors(http: httpx.Client, factory: Factory) -> tuple[str, dict[str, str], dict[str, str]]:
    """An admin's token, and the request and place of a client following the vendors' changes."""
    token = login(http, factory.user("ADMIN"))
    http.cookies.clear()
    query = {"table": "vendors", "log": "changes_only"}
    first = http.get("/v1/shape", params={**query, "offset": "-1"}, headers=bearer(token))
    return token, query, {"handle": first.headers["electric-handle"], "offset": first.headers["electric-offset"]}


def test_changes_only_from_the_start_is_the_snapshots_end(synced: LiveServer, factory: Factory) -> None:
    """No rows, and Electric's snapshot-end control message: the changes follow from the offset."""
    factory.vendor(company_name="BEFORE")
    with httpx.Client(base_url=synced.base_url, timeout=30) as http:
        token = login(http, factory.user("ADMIN"))
        http.cookies.clear()
        first = http.get(
            "/v1/shape", params={"table": "vendors", "log": "changes_only", "offset": "-1"}, headers=bearer(token)
        )
    assert first.status_code == 200
    assert first.headers["electric-has-data"] == "false"
    [message] = first.json()
    assert message["headers"]["control"] == "snapshot-end"
    assert set(message["headers"]) == {"control", "xmin", "xmax", "xip_list"}


def test_log_messages_a_subset_holds_are_dropped(
    synced: LiveServer, factory: Factory, clients: list[NodeClient]
) -> None:
    """A client behind the log asks for a subset: of the messages it then reads, those the subset
    already holds are dropped (Electric's snapshot metadata), the others are applied."""
    with httpx.Client(base_url=synced.base_url, timeout=30) as http:
        token, query, start = _following_vendors(http, factory)
        made = [factory.vendor(company_name=f"AHEAD-{n}", contact_name="one") for n in range(3)]
        factory.query("UPDATE vendors SET contact_name = 'two' WHERE id = %s RETURNING id", (made[0],))
        other = factory.vendor(company_name="BESIDE", contact_name="three")

        def logged() -> None:  # all four writes: the subset is then read at a head that holds them
            messages = http.get("/v1/shape", params={**query, **start}, headers=bearer(token)).json()
            assert [m["key"] for m in messages if "key" in m][-1:] == [row_key("vendors", str(other))]

        eventually(logged)
    client = NodeClient(
        synced.base_url,
        token,
        "vendors",
        log="changes_only",
        **start,
        first={"request": {"where": "company_name LIKE 'AHEAD-%'", "orderBy": "company_name"}},
    )
    clients.append(client)
    state = client.wait_for(lambda s: "snapshot" in s)
    assert state["snapshot"]["keys"] == [row_key("vendors", str(v)) for v in made]
    state = client.wait_for(lambda s: row_key("vendors", str(other)) in s["rows"])
    assert {k: v["contact_name"] for k, v in state["rows"].items()} == {
        row_key("vendors", str(made[0])): "two",
        row_key("vendors", str(made[1])): "one",
        row_key("vendors", str(made[2])): "one",
        row_key("vendors", str(other)): "three",
    }
    assert state["counts"] | {"batches": 0} == {
        "insert": 4,  # three from the subset, one from the log
        "update": 0,  # the subset holds it
        "delete": 0,
        "duplicate": 0,
        "missing": 0,
        "unheld": 0,
        "reloaded": 0,
        "mustRefetch": 0,
        "batches": 0,
    }


def test_a_subset_holds_every_row_committed_before_it_was_asked(synced: LiveServer, factory: Factory) -> None:
    """Asked right after a commit, before the engine would have read it from the slot on its own,
    a subset still holds the row: the engine catches up first, so a client that only fetches a
    subset never misses a committed row."""
    with httpx.Client(base_url=synced.base_url, timeout=30) as http:
        token, query, start = _following_vendors(http, factory)
        subset = {"subset__where": "company_name LIKE 'AT-ONCE-%'", "subset__order_by": "company_name"}
        made: list[str] = []
        for n in range(8):
            made.append(row_key("vendors", str(factory.vendor(company_name=f"AT-ONCE-{n}"))))
            answer = http.get("/v1/shape", params={**query, **start, **subset}, headers=bearer(token))
            assert answer.status_code == 200, answer.text
            assert [m["key"] for m in answer.json()["data"]] == made


def test_subsets_never_leave_the_users_scope(synced: LiveServer, factory: Factory, clients: list[NodeClient]) -> None:
    manager, other = factory.user("PROPERTY_MANAGER"), factory.user("PROPERTY_MANAGER")
    company, rival = factory.vendor(), factory.vendor()
    mine, theirs = factory.property(manager, None), factory.property(other, None)
    first = factory.turn(mine, vendor_id=company, wo_number="WO-1")
    second = factory.turn(mine, vendor_id=rival, wo_number="WO-2")
    factory.turn(theirs, vendor_id=company, wo_number="WO-3")
    everything = {"where": "wo_number LIKE $1", "params": {"1": "WO-%"}, "orderBy": "wo_number"}

    managing = _client(clients, synced, manager, "turns")
    state = _snapshot(managing, **everything)
    assert state["snapshot"]["keys"] == [row_key("turns", str(first)), row_key("turns", str(second))]
    assert state["rows"][row_key("turns", str(first))]["turn_amount"] == "2500.00"
    assert _snapshot(managing, where="property_id = $1", params={"1": str(theirs)})["snapshot"]["keys"] == []

    vendor = factory.user("VENDOR", vendor_id=company)
    working = _client(clients, synced, vendor, "turns")
    working.send({"fetch": everything})
    fetched = working.wait_for(lambda s: "fetched" in s)["fetched"]
    assert [m["value"]["wo_number"] for m in fetched["data"]] == ["WO-1", "WO-3"]
    assert all(set(m["value"]) == readable_columns("turns", "VENDOR") for m in fetched["data"])
    assert "turn_amount" not in readable_columns("turns", "VENDOR")
    for refused in ({"where": "turn_amount > 0"}, {"orderBy": "turn_amount DESC"}):
        working.send({"request": refused})
        answer = working.wait_for(lambda s: "snapshotError" in s or "snapshot" in s)
        assert answer.get("status") == 403, answer


def _subset(http: httpx.Client, token: str, **subset: str) -> httpx.Response:
    query = {"table": "users", "offset": "-1", "log": "changes_only"}
    return http.get("/v1/shape", params={**query, **subset}, headers=bearer(token))


HOSTILE = [
    {"subset__where": "1 = 1; DROP TABLE users"},
    {"subset__where": "id IN (SELECT user_id FROM sessions)"},
    {"subset__where": "pg_sleep(5) IS NULL"},
    {"subset__where": "email = 'x' -- '"},
    {"subset__where": "email = $2", "subset__params": '{"1": "a"}'},
    {"subset__where": "email = $1", "subset__params": "not json"},
    {"subset__where": "email = $1", "subset__params": '{"1": {"nested": true}}'},
    {"subset__order_by": "email; DELETE FROM users"},
    {"subset__order_by": "(SELECT 1)"},
    {"subset__limit": str(MAX_ROWS + 1), "subset__order_by": "email"},
    {"subset__limit": "-1", "subset__order_by": "email"},
    {"subset__offset": "1e9", "subset__order_by": "email"},
    {"subset__limit": "5"},
    {"subset__where_expr": '{"type": "ref", "column": "email"}'},
    {"subset__anything": "1"},
    {"subset__where": "role = $1", "subset__params": '{"1": "NOT_A_ROLE"}'},
]


@pytest.mark.parametrize("subset", HOSTILE)
def test_hostile_subsets_are_refused_revealing_nothing(
    sync_client: httpx.Client, factory: Factory, subset: dict[str, str]
) -> None:
    admin = factory.user("ADMIN", email="secret-person@example.com")
    token = login(sync_client, admin)
    sync_client.cookies.clear()
    response = _subset(sync_client, token, **subset)
    assert all(name.startswith("subset__") for name in refused_as_electric(response))
    assert "secret-person" not in response.text and "argon2" not in response.text


def test_refused_columns_and_bodies(sync_client: httpx.Client, factory: Factory) -> None:
    token = login(sync_client, factory.user("ADMIN"))
    sync_client.cookies.clear()
    assert _subset(sync_client, token, subset__where="password_hash IS NOT NULL").status_code == 403
    assert _subset(sync_client, token, subset__where="email = $1", live="true").status_code == 400
    url = "/v1/shape?table=users&offset=-1"
    for body in (b"not json", b"[1, 2]", json.dumps({"where": "x" * 300_000}).encode(), b'{"limit": "ten"}'):
        refused = sync_client.post(url, content=body, headers=bearer(token))
        refused_as_electric(refused)
    empty = sync_client.post(
        url, json={"where": "email = $1", "params": {"1": "nobody@example.com"}}, headers=bearer(token)
    )
    assert empty.status_code == 200, empty.text
    assert empty.json()["data"] == [] and empty.headers["electric-snapshot"] == "true"


def test_a_subset_is_checked_and_compiled_once() -> None:
    manager = CurrentUser(id=uuid4(), email="pm@x.example", role="PROPERTY_MANAGER", vendor_id=None, session_id=uuid4())
    definition = parse(QueryParams({"table": "turns", "offset": "-1"}), manager).definition
    fields = {"where": "status = $1 AND wo_number LIKE 'WO-%'", "params": {"1": "OPEN"}, "order_by": "wo_number DESC"}
    subset = parse_subset({**fields, "limit": "5", "offset": 10}, definition)
    assert subset == Subset(
        where_sql='(("status" = :s1) AND ("wo_number" LIKE :s2))',
        where_values=(("s1", "OPEN"), ("s2", "WO-%")),
        order_by_sql='"wo_number" DESC',
        limit=5,
        offset=10,
    )
    assert (subset.too_many(MAX_ROWS + 1), parse_subset(fields, definition).too_many(MAX_ROWS + 1)) == (False, True)
    query = subset.query(definition).compile()
    assert str(query).endswith(
        'AND (("status" = :s1) AND ("wo_number" LIKE :s2)) ORDER BY "wo_number" DESC, turns.id\n'
        " LIMIT :param_1 OFFSET :param_2"
    )
    assert {k: query.params[k] for k in ("s1", "s2", "param_1", "param_2")} == {
        "s1": "OPEN",
        "s2": "WO-%",
        "param_1": 5,
        "param_2": 10,
    }
