import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from tests.fixtures.api import token
from tests.fixtures.factory import Factory
from tests.fixtures.server import LiveServer


@pytest.fixture
def homes(factory: Factory) -> dict[str, Any]:
    manager, other = factory.user("PROPERTY_MANAGER"), factory.user("PROPERTY_MANAGER")
    vendor_company = factory.vendor()
    mine = factory.property(manager, None, market="Phoenix")
    theirs = factory.property(other, None, market="Dallas")
    return {
        "manager": manager,
        "other": other,
        "vendor_company": vendor_company,
        "vendor": factory.user("VENDOR", vendor_id=vendor_company),
        "mine": mine,
        "theirs": theirs,
        "my_turn": factory.turn(mine, vendor_id=vendor_company, move_out_date="2026-03-01", water_status="PENDING"),
        "their_turn": factory.turn(theirs, move_out_date="2026-05-01"),
    }


def _ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [t["id"] for t in response.json()["items"]]


def test_each_role_lists_the_turns_it_may_see(client: httpx.Client, factory: Factory, homes: dict[str, Any]) -> None:
    mine, theirs = str(homes["my_turn"]), str(homes["their_turn"])
    assert _ids(client.get("/api/v1/turns", headers=token(client, homes["manager"]))) == [mine]
    assert _ids(client.get("/api/v1/turns", headers=token(client, homes["vendor"]))) == [mine]
    assert set(_ids(client.get("/api/v1/turns", headers=token(client, factory.user("ADMIN"))))) == {mine, theirs}
    assert set(_ids(client.get("/api/v1/turns", headers=token(client, factory.user("INSPECTOR"))))) == {mine, theirs}
    assert _ids(client.get("/api/v1/turns", headers=token(client, factory.user("USER")))) == []
    manager = token(client, homes["manager"])
    assert client.get(f"/api/v1/turns/{theirs}", headers=manager).status_code == 404


def test_list_filters_and_pages(client: httpx.Client, factory: Factory, homes: dict[str, Any]) -> None:
    admin = token(client, factory.user("ADMIN"))
    mine, theirs = str(homes["my_turn"]), str(homes["their_turn"])

    def listed(**params: Any) -> set[str]:
        return set(_ids(client.get("/api/v1/turns", headers=admin, params=params)))

    assert listed(property_id=homes["mine"]) == {mine}
    assert listed(manager_id=homes["other"].id) == {theirs}
    assert listed(market="Phoenix") == {mine}
    assert listed(vendor_id=homes["vendor_company"]) == {mine}
    assert listed(move_out_from="2026-04-01") == {theirs}
    assert listed(move_out_to="2026-04-01") == {mine}
    assert listed(stage_id=factory.stage_id(1)) == {mine, theirs}
    assert listed(stage_id=factory.stage_id(2)) == set()
    assert listed(approval_status="PENDING", active=True) == {mine, theirs}
    assert listed(approval_status="HO_APPROVED") == set()
    assert client.get("/api/v1/turns", headers=admin, params={"approval_status": "MAYBE"}).status_code == 422
    assert client.get("/api/v1/turns", headers=admin, params={"colour": "red"}).status_code == 422
    assert client.get("/api/v1/turns", headers=admin, params={"sort": "turn_amount"}).status_code == 400
    nul = client.get("/api/v1/turns", headers=admin, params={"market": "Dal\x00las"})
    assert nul.status_code == 422 and nul.headers["content-type"] == "application/problem+json"

    extra = {str(factory.turn(homes["mine"])) for _ in range(3)}
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, "sort": "turn_id"} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/v1/turns", headers=admin, params=params).json()
        seen += [t["turn_id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5 and seen == sorted(seen)
    assert extra <= listed()


def test_manager_opens_a_turn_in_the_first_stage(client: httpx.Client, factory: Factory, homes: dict[str, Any]) -> None:
    manager = token(client, homes["manager"])
    vacant = factory.property(homes["manager"], None)
    body = {"turn_id": "T-NEW-1", "property_id": str(vacant), "turn_amount": "1800.50", "wo_number": "WO-9"}
    created = client.post("/api/v1/turns", headers=manager, json=body)
    assert created.status_code == 201, created.text
    turn = created.json()
    assert turn["stage_id"] == str(factory.stage_id(1))
    assert Decimal(turn["turn_amount"]) == Decimal("1800.50") and turn["version"] == 1
    assert created.headers["location"] == f"/api/v1/turns/{turn['id']}"
    assert factory.query(
        "SELECT action::text, user_id, turn_id::text, new_values->>'wo_number' FROM audit_logs"
        " WHERE table_name = 'turns' AND record_id = %s",
        (turn["id"],),
    ) == [("CREATE", homes["manager"].id, turn["id"], "WO-9")]
    history = factory.query("SELECT to_stage_id, changed_by FROM turn_stage_history WHERE turn_id = %s", (turn["id"],))
    assert history == [(factory.stage_id(1), homes["manager"].id)]

    before = factory.query("SELECT count(*) FROM turns")
    other_home = client.post("/api/v1/turns", headers=manager, json=body | {"property_id": str(homes["theirs"])})
    assert other_home.status_code == 404
    inspector = token(client, factory.user("INSPECTOR"))
    assert client.post("/api/v1/turns", headers=inspector, json=body | {"turn_id": "T-NEW-2"}).status_code == 403
    another = factory.property(homes["manager"], None)
    duplicate = client.post("/api/v1/turns", headers=manager, json=body | {"property_id": str(another)})
    assert duplicate.status_code == 409
    assert (
        client.post("/api/v1/turns", headers=manager, json=body | {"stage_id": str(factory.stage_id(3))}).status_code
        == 422
    )
    assert client.post("/api/v1/turns", headers=manager, json=body | {"turn_amount": "-1"}).status_code == 422
    assert factory.query("SELECT count(*) FROM turns") == before


def test_update_is_versioned_and_audited(client: httpx.Client, factory: Factory, homes: dict[str, Any]) -> None:
    manager = token(client, homes["manager"])
    url = f"/api/v1/turns/{homes['my_turn']}"
    read = client.get(url, headers=manager)
    assert read.headers["etag"] == '"1"'
    changed = client.patch(
        url, headers=manager, json={"version": 1, "expected_completion_date": "2026-04-15", "water_status": "YES"}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["expected_completion_date"] == "2026-04-15" and changed.json()["version"] == 2
    stale = client.patch(url, headers=manager, json={"version": 1, "wo_number": "lost"})
    assert stale.status_code == 409 and stale.json()["current"]["version"] == 2
    assert client.patch(url, headers={**manager, "If-Match": '"1"'}, json={"wo_number": "lost"}).status_code == 412
    assert (
        client.patch(url, headers=manager, json={"version": 2, "stage_id": str(factory.stage_id(4))}).status_code == 422
    )
    audit = factory.query(
        "SELECT changed_fields, old_values->>'water_status', new_values->>'water_status', user_id"
        " FROM audit_logs WHERE record_id = %s AND action = 'UPDATE'",
        (homes["my_turn"],),
    )
    assert len(audit) == 1
    assert sorted(audit[0][0]) == ["expected_completion_date", "water_status"]
    assert audit[0][1:] == ("PENDING", "YES", homes["manager"].id)
    row = factory.query("SELECT wo_number, version, stage_id FROM turns WHERE id = %s", (homes["my_turn"],))
    assert row == [(None, 2, factory.stage_id(1))]


def test_each_role_edits_only_its_fields(client: httpx.Client, factory: Factory, homes: dict[str, Any]) -> None:
    url = f"/api/v1/turns/{homes['my_turn']}"
    vendor = token(client, homes["vendor"])
    seen = client.get(url, headers=vendor).json()
    assert "turn_amount" not in seen and "scope_approval_status" not in seen
    assert client.patch(url, headers=vendor, json={"version": 1, "turn_amount": "1"}).status_code == 403
    done = client.patch(url, headers=vendor, json={"version": 1, "status": "Painting", "power_status": "YES"})
    assert done.status_code == 200 and done.json()["status"] == "Painting"
    assert "turn_amount" not in done.json()
    # Filtering on a column the role may not read would reveal it.
    assert client.get("/api/v1/turns", headers=vendor, params={"approval_status": "PENDING"}).status_code == 403

    inspector = token(client, factory.user("INSPECTOR"))
    assert client.patch(url, headers=inspector, json={"version": 2, "final_walk_date": "2026-04-20"}).status_code == 200
    assert client.patch(url, headers=inspector, json={"version": 3, "vendor_id": None}).status_code == 403
    approver = token(client, factory.user("DFO_APPROVER"))
    assert client.patch(url, headers=approver, json={"version": 3, "wo_number": "X"}).status_code == 403
    nobody = token(client, factory.user("USER"))
    assert client.patch(url, headers=nobody, json={"version": 3, "status": "X"}).status_code == 404
    other_manager = token(client, homes["other"])
    assert client.patch(url, headers=other_manager, json={"version": 3, "status": "X"}).status_code == 404
    assert factory.query("SELECT version, status, turn_amount FROM turns WHERE id = %s", (homes["my_turn"],)) == [
        (3, "Painting", Decimal("2500.00"))
    ]


def test_deactivate_and_reactivate(client: httpx.Client, factory: Factory, homes: dict[str, Any]) -> None:
    url = f"/api/v1/turns/{homes['my_turn']}"
    vendor = token(client, homes["vendor"])
    assert client.post(f"{url}/deactivate", headers=vendor, json={"version": 1}).status_code == 403
    manager = token(client, homes["manager"])
    closed = client.post(f"{url}/deactivate", headers=manager, json={"version": 1})
    assert closed.status_code == 200 and closed.json()["is_active"] is False
    assert _ids(client.get("/api/v1/turns", headers=manager, params={"active": False})) == [str(homes["my_turn"])]
    reopened = client.post(f"{url}/activate", headers={**manager, "If-Match": '"2"'}, json={})
    assert reopened.status_code == 200 and reopened.json()["is_active"] is True


def test_lock_box_code_never_leaves_through_the_record(
    client: httpx.Client, factory: Factory, homes: dict[str, Any]
) -> None:
    admin = token(client, factory.user("ADMIN"))
    responses = [
        client.get("/api/v1/turns", headers=admin),
        client.get(f"/api/v1/turns/{homes['my_turn']}", headers=admin),
        client.patch(
            f"/api/v1/turns/{homes['my_turn']}", headers=admin, json={"version": 1, "lock_box_location": "Back"}
        ),
        client.post("/api/v1/turns", headers=admin, json={"turn_id": "T-LB", "property_id": str(factory.property())}),
    ]
    for response in responses:
        assert response.status_code in (200, 201), response.text
        assert "KQ4321" not in response.text and "lock_box_code" not in response.text


def test_concurrent_writers_of_one_version(live_server: LiveServer, factory: Factory, homes: dict[str, Any]) -> None:
    """100 clients write the same version at once: one wins, 99 get 409, one audit row."""
    with httpx.Client(base_url=live_server.base_url, timeout=60) as client:
        headers = token(client, homes["manager"])
    url = f"{live_server.base_url}/api/v1/turns/{homes['my_turn']}"
    start = threading.Barrier(100)
    statuses: list[int] = []

    def write(n: int) -> None:
        with httpx.Client(timeout=120) as http:
            start.wait()
            statuses.append(http.patch(url, headers=headers, json={"version": 1, "wo_number": f"WO-{n}"}).status_code)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [409] * 99
    winner = factory.query("SELECT wo_number, version FROM turns WHERE id = %s", (homes["my_turn"],))
    assert winner[0][1] == 2
    audit = factory.query(
        "SELECT new_values->>'wo_number' FROM audit_logs WHERE record_id = %s AND action = 'UPDATE'",
        (homes["my_turn"],),
    )
    assert audit == [(winner[0][0],)]


@pytest.fixture
def statements(live_server: LiveServer) -> Iterator[list[str]]:
    """Every SQL statement the API server sends, in order."""
    sent: list[str] = []
    engine = live_server.app.state.database.primary.sync_engine

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_lists_cost_the_same_statements_for_1_or_50_rows(
    live_server: LiveServer, factory: Factory, homes: dict[str, Any], statements: list[str]
) -> None:
    for _ in range(60):
        factory.turn(homes["mine"])
    with httpx.Client(base_url=live_server.base_url, timeout=30) as client:
        headers = token(client, homes["manager"])
        counts = {}
        for path in ("/api/v1/turns", "/api/v1/properties"):
            for limit in (1, 50):
                statements.clear()
                assert client.get(path, headers=headers, params={"limit": limit}).status_code == 200
                counts[path, limit] = len(statements)
    assert counts["/api/v1/turns", 1] == counts["/api/v1/turns", 50] <= 4
    assert counts["/api/v1/properties", 1] == counts["/api/v1/properties", 50] <= 4


def test_a_home_with_an_open_turn_is_refused_a_second_one(
    client: httpx.Client, factory: Factory, homes: dict[str, Any]
) -> None:
    manager = token(client, homes["manager"])
    before = factory.query("SELECT count(*) FROM turns")
    refused = client.post("/api/v1/turns", headers=manager, json={"property_id": str(homes["mine"])})
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["open_turn"]["id"] == str(homes["my_turn"])
    assert problem["detail"].startswith("this property already has an open turn, T-T")
    assert factory.query("SELECT count(*) FROM turns") == before

    # Once that turn is closed the home takes a new one; its number is made when none is given,
    # and its note starts the stage history.
    factory.query("UPDATE turns SET is_active = false WHERE id = %s RETURNING id", (homes["my_turn"],))
    body = {"property_id": str(homes["mine"]), "move_out_date": "2026-06-01", "note": "Keys at the office"}
    created = client.post("/api/v1/turns", headers=manager, json=body)
    assert created.status_code == 201, created.text
    turn = created.json()
    assert turn["turn_id"].startswith("T-") and len(turn["turn_id"]) == 15
    assert turn["move_out_date"] == "2026-06-01"
    history = factory.query("SELECT note FROM turn_stage_history WHERE turn_id = %s", (turn["id"],))
    assert history == [("Keys at the office",)]
