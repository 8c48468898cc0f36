"""The bids API: a manager asks two vendors for prices, each vendor reads only its own bid and
prices or declines it before the due date, the manager compares and awards, which sets vendor
and unit cost on the lines (and so the turn amount); who may not is refused, bad input is a 422
naming the field, and nothing of a refused write stays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import httpx
import psycopg
import pytest

from tests.fixtures.api import refused, token
from tests.fixtures.factory import Factory, User
from turns.db.context import SET_CONTEXT_SQL, Actor
from turns.db.urls import DatabaseUrls
from turns.notifications.mailer import build_message

DUE = (date.today() + timedelta(days=3)).isoformat()


@dataclass
class Cast:
    users: dict[str, User]
    headers: dict[str, dict[str, str]]
    turn: UUID
    lines: list[str]

    def h(self, who: str) -> dict[str, str]:
        return self.headers[who]

    def vendor(self, who: str) -> str:
        return str(self.users[who].vendor_id)


@pytest.fixture
def cast(client: httpx.Client, factory: Factory) -> Cast:
    users = {
        "admin": factory.user("ADMIN"),
        "manager": factory.user("PROPERTY_MANAGER"),
        "other_manager": factory.user("PROPERTY_MANAGER"),
        "vendor_a": factory.user("VENDOR"),
        "vendor_b": factory.user("VENDOR"),
        "vendor_c": factory.user("VENDOR"),
        "dfo": factory.user("DFO_APPROVER"),
        "inspector": factory.user("INSPECTOR"),
    }
    factory.property(users["other_manager"])
    turn = factory.turn(factory.property(users["manager"]), turn_amount=None)
    lines = [
        str(factory.insert("scope_lines", turn_id=turn, trade=t, description=d, quantity=q, unit_cost=c))
        for t, d, q, c in (
            ("PAINT", "Walls", 10, 20),
            ("FLOORING", "Carpet", 50, 4),
            ("CLEANING", "Deep clean", 1, 150),
        )
    ]
    return Cast(users, {name: token(client, user) for name, user in users.items()}, turn, lines)


def _ask(client: httpx.Client, cast: Cast, who: str = "manager", **body: Any) -> httpx.Response:
    values = {"line_ids": cast.lines[:2], "vendor_ids": [cast.vendor("vendor_a"), cast.vendor("vendor_b")]}
    return client.post(
        f"/api/v1/turns/{cast.turn}/bid-requests", headers=cast.h(who), json=values | {"due_date": DUE} | body
    )


def _asked(client: httpx.Client, cast: Cast) -> dict[str, Any]:
    response = _ask(client, cast)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _mine(client: httpx.Client, cast: Cast, who: str) -> dict[str, Any]:
    response = client.get("/api/v1/bids?mine=true", headers=cast.h(who))
    assert response.status_code == 200, response.text
    [request] = response.json()["items"]
    [bid] = request["bids"]
    return {"request": request, "bid": bid}


def _submit(client: httpx.Client, cast: Cast, who: str, costs: list[str], **body: Any) -> httpx.Response:
    bid = _mine(client, cast, who)["bid"]
    prices = [{"scope_line_id": line, "unit_cost": cost} for line, cost in zip(cast.lines, costs, strict=False)]
    return client.post(
        f"/api/v1/bids/{bid['id']}/submit",
        headers=cast.h(who),
        json={"version": bid["version"], "prices": prices} | body,
    )


def _scope(client: httpx.Client, cast: Cast) -> dict[str, tuple[str | None, str, str]]:
    items = client.get(f"/api/v1/turns/{cast.turn}/scope-lines", headers=cast.h("manager")).json()["items"]
    return {line["description"]: (line["vendor_id"], line["unit_cost"], line["amount"]) for line in items}


def _turn_amount(client: httpx.Client, cast: Cast) -> str:
    return str(client.get(f"/api/v1/turns/{cast.turn}", headers=cast.h("manager")).json()["turn_amount"])


def test_ask_price_decline_compare_and_award(client: httpx.Client, cast: Cast, factory: Factory) -> None:
    asked = _asked(client, cast)
    assert asked["status"] == "OPEN" and asked["due_date"] == DUE and asked["overdue"] is False
    assert {(line["trade"], line["quantity"]) for line in asked["lines"]} == {("PAINT", "10.00"), ("FLOORING", "50.00")}
    assert {bid["status"] for bid in asked["bids"]} == {"INVITED"}

    # Each vendor reads only its own bid; the third company is not invited.
    a = _mine(client, cast, "vendor_a")
    assert a["bid"]["vendor_id"] == cast.vendor("vendor_a") and a["request"]["address"].endswith("Atlanta, GA")
    assert client.get("/api/v1/bids", headers=cast.h("vendor_c")).json()["items"] == []

    submitted = _submit(client, cast, "vendor_a", ["18.50", "3.95"], note="Two coats")
    assert submitted.status_code == 200, submitted.text
    [own] = submitted.json()["bids"]
    assert (own["status"], own["total"]) == ("SUBMITTED", "382.50")  # 10 x 18.50 + 50 x 3.95
    assert {p["amount"] for p in own["prices"]} == {"185.00", "197.50"}

    b = _mine(client, cast, "vendor_b")["bid"]
    declined = client.post(
        f"/api/v1/bids/{b['id']}/decline", headers=cast.h("vendor_b"), json={"version": b["version"], "note": "Booked"}
    )
    assert declined.status_code == 200, declined.text

    compared = client.get(f"/api/v1/turns/{cast.turn}/bid-requests", headers=cast.h("manager")).json()["items"]
    [request] = compared
    by_vendor = {bid["vendor_name"]: (bid["status"], bid["total"], bid["late"]) for bid in request["bids"]}
    assert sorted(by_vendor.values()) == [("DECLINED", None, False), ("SUBMITTED", "382.50", False)]
    for who in ("admin", "dfo"):
        assert client.get(f"/api/v1/turns/{cast.turn}/bid-requests", headers=cast.h(who)).json()["items"] == compared

    # The manager and the request's vendors each got notified, with an e-mail queued.
    kinds = factory.query(
        "SELECT n.kind, u.email FROM notifications n JOIN users u ON u.id = n.user_id"
        " WHERE n.kind LIKE 'bid_%%' ORDER BY n.kind, u.email"
    )
    manager, va, vb = (cast.users[w].email for w in ("manager", "vendor_a", "vendor_b"))
    assert kinds == [("bid_declined", manager), ("bid_invited", va), ("bid_invited", vb), ("bid_submitted", manager)]
    mails = factory.query(
        "SELECT template, recipients, context ->> 'amount', context ->> 'path' FROM email_outbox"
        " WHERE template LIKE 'bid_%%' ORDER BY template, recipients"
    )
    assert [(m[0], m[1]) for m in mails] == [
        ("bid_declined", [manager]),
        ("bid_invited", [va]),
        ("bid_invited", [vb]),
        ("bid_submitted", [manager]),
    ]
    assert mails[1][3] == "#/bids" and mails[3][2] == "382.50"
    rows = factory.query("SELECT id, template, recipients, context FROM email_outbox WHERE template LIKE 'bid_%%'")
    sent = {
        r[1]: build_message(dict(zip(("id", "template", "recipients", "context"), r, strict=True)), "t@x", "https://t")
        for r in rows
    }
    assert sent["bid_submitted"]["Subject"].endswith("bid $382.50 on " + asked["turn_code"])
    assert "https://t/#/bids" in str(sent["bid_invited"].get_body(("plain",)))

    awarded = client.post(
        f"/api/v1/bid-requests/{request['id']}/award",
        headers=cast.h("manager"),
        json={"version": request["version"], "bid_id": own["id"]},
    )
    assert awarded.status_code == 200, awarded.text
    result = awarded.json()
    assert result["status"] == "AWARDED" and result["awarded_bid_id"] == own["id"]
    assert sorted(bid["status"] for bid in result["bids"]) == ["AWARDED", "DECLINED"]
    assert _scope(client, cast) == {
        "Walls": (cast.vendor("vendor_a"), "18.50", "185.00"),
        "Carpet": (cast.vendor("vendor_a"), "3.95", "197.50"),
        "Deep clean": (None, "150.00", "150.00"),
    }
    assert _turn_amount(client, cast) == "532.50"
    # Decided: no longer among the vendor's open requests, and no more answers.
    assert client.get("/api/v1/bids", headers=cast.h("vendor_a")).json()["items"] == []
    assert "awarded" in refused(_submit_as(client, cast, "vendor_a", own), 409).json()["detail"]


def test_the_other_open_bids_lose(client: httpx.Client, cast: Cast) -> None:
    request = _asked(client, cast)
    for who, costs in (("vendor_a", ["20", "4"]), ("vendor_b", ["19", "4.10"])):
        assert _submit(client, cast, who, costs).status_code == 200
    bids = client.get(f"/api/v1/turns/{cast.turn}/bid-requests", headers=cast.h("manager")).json()["items"][0]["bids"]
    cheaper = next(bid for bid in bids if bid["total"] == "395.00")  # 10 x 19 + 50 x 4.10 = 395 < 400
    body = {"version": request["version"], "bid_id": cheaper["id"]}
    assert (
        client.post(f"/api/v1/bid-requests/{request['id']}/award", headers=cast.h("admin"), json=body).status_code
        == 200
    )
    [request] = client.get("/api/v1/bids?open=false", headers=cast.h("vendor_a")).json()["items"]
    assert (request["status"], [bid["status"] for bid in request["bids"]]) == ("AWARDED", ["LOST"])
    assert _turn_amount(client, cast) == "545.00"  # 190 + 205 + 150


def test_who_may_not(client: httpx.Client, cast: Cast) -> None:
    for who, status in (("other_manager", 404), ("vendor_a", 404), ("dfo", 403), ("inspector", 403)):
        refused(_ask(client, cast, who), status)
    request = _asked(client, cast)
    for who, status in (("other_manager", 404), ("inspector", 403), ("vendor_c", 404)):
        answer = client.get(f"/api/v1/turns/{cast.turn}/bid-requests", headers=cast.h(who))
        assert answer.status_code == status, (who, answer.text)
    refused(client.get("/api/v1/bids", headers=cast.h("manager")), 403)

    a = _mine(client, cast, "vendor_a")["bid"]
    # Another company's bid is not visible; a manager does not answer for a vendor.
    refused(_submit_as(client, cast, "vendor_c", a), 404)
    refused(_submit_as(client, cast, "manager", a), 403)
    assert _submit(client, cast, "vendor_a", ["1", "1"]).status_code == 200
    body = {"version": request["version"], "bid_id": a["id"]}
    for who, status in (("vendor_a", 403), ("dfo", 403), ("other_manager", 404)):
        refused(client.post(f"/api/v1/bid-requests/{request['id']}/award", headers=cast.h(who), json=body), status)


def _submit_as(client: httpx.Client, cast: Cast, who: str, bid: dict[str, Any]) -> httpx.Response:
    prices = [{"scope_line_id": line, "unit_cost": "1"} for line in cast.lines[:2]]
    return client.post(
        f"/api/v1/bids/{bid['id']}/submit", headers=cast.h(who), json={"version": bid["version"], "prices": prices}
    )


def _mine_all(client: httpx.Client, cast: Cast, who: str) -> dict[str, Any]:
    [request] = client.get("/api/v1/bids?open=false", headers=cast.h(who)).json()["items"]
    return {"request": request, "bid": request["bids"][0]}


def test_a_late_bid_is_refused_and_shown_late(
    client: httpx.Client, cast: Cast, factory: Factory, db: DatabaseUrls
) -> None:
    request = _asked(client, cast)
    yesterday = date.today() - timedelta(days=1)
    factory.query("UPDATE bid_requests SET due_date = %s WHERE id = %s RETURNING id", (yesterday, request["id"]))
    late = refused(_submit(client, cast, "vendor_a", ["10", "2"]), 409)
    assert (
        late.json()["detail"]
        == f"bids were due on {yesterday:%B} {yesterday.day}, {yesterday.year}: a late bid is not accepted"
    )
    b = _mine(client, cast, "vendor_b")["bid"]
    refused(
        client.post(f"/api/v1/bids/{b['id']}/decline", headers=cast.h("vendor_b"), json={"version": b["version"]}), 409
    )
    [compared] = client.get(f"/api/v1/turns/{cast.turn}/bid-requests", headers=cast.h("manager")).json()["items"]
    assert compared["overdue"] is True
    assert [(bid["status"], bid["late"], bid["prices"]) for bid in compared["bids"]] == [("INVITED", True, [])] * 2
    # The database refuses a late price written past the API too.
    a = _mine_all(client, cast, "vendor_a")["bid"]
    with psycopg.connect(db.app) as conn:
        conn.execute(SET_CONTEXT_SQL, Actor(user_id=cast.users["vendor_a"].id, context="test").params())
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="a late bid is not accepted"):
            conn.execute(
                "INSERT INTO bid_prices (bid_id, scope_line_id, unit_cost) VALUES (%s, %s, 1)", (a["id"], cast.lines[0])
            )
    assert factory.query("SELECT count(*) FROM bid_prices") == [(0,)]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"due_date": (date.today() - timedelta(days=1)).isoformat()}, "due_date"),
        ({"line_ids": []}, "line_ids"),
        ({"vendor_ids": ["00000000-0000-0000-0000-000000000001"]}, "vendor_ids"),
        ({"due_date": "soon"}, "due_date"),
        ({"note": "x" * 1001}, "note"),
    ],
)
def test_bad_requests_name_the_field(
    client: httpx.Client, cast: Cast, factory: Factory, body: dict[str, Any], field: str
) -> None:
    problem = refused(_ask(client, cast, **body), 422).json()
    named = problem.get("fields") or [e["loc"][-1] for e in problem.get("errors", [])]
    assert field in named, problem
    assert factory.query("SELECT count(*) FROM bid_requests") == [(0,)]


def test_lines_of_another_turn_and_unapproved_vendors_are_refused(
    client: httpx.Client, cast: Cast, factory: Factory
) -> None:
    other_turn = factory.turn(factory.property(cast.users["manager"]))
    elsewhere = factory.insert(
        "scope_lines", turn_id=other_turn, trade="PAINT", description="Trim", quantity=1, unit_cost=1
    )
    assert refused(_ask(client, cast, line_ids=[cast.lines[0], str(elsewhere)]), 422).json()["fields"] == ["line_ids"]
    unapproved = factory.vendor(is_approved=False)
    assert refused(_ask(client, cast, vendor_ids=[str(unapproved)]), 422).json()["fields"] == ["vendor_ids"]
    assert factory.query("SELECT count(*) FROM bid_requests") == [(0,)]


@pytest.mark.parametrize(
    ("costs", "field"),
    [
        (["-1", "2"], "unit_cost"),
        (["1.005", "2"], "unit_cost"),
        (["1000001", "2"], "unit_cost"),
        (["1", "40000"], "prices[1].unit_cost"),  # 50 x 40,000 = 2,000,000 over a line's bound
        (["1"], "prices"),  # a line left without a price
    ],
)
def test_bad_prices_name_the_field(
    client: httpx.Client, cast: Cast, factory: Factory, costs: list[str], field: str
) -> None:
    _asked(client, cast)
    problem = refused(_submit(client, cast, "vendor_a", costs), 422).json()
    named = problem.get("fields") or [e["loc"][-1] for e in problem.get("errors", [])]
    assert field in named, problem
    assert factory.query("SELECT count(*) FROM bid_prices") == [(0,)]
    assert _mine(client, cast, "vendor_a")["bid"]["status"] == "INVITED"


def test_a_price_for_a_line_not_asked_and_a_stale_version(client: httpx.Client, cast: Cast) -> None:
    _asked(client, cast)
    bid = _mine(client, cast, "vendor_a")["bid"]
    prices = [{"scope_line_id": line, "unit_cost": "1"} for line in (cast.lines[0], cast.lines[2])]
    answer = client.post(
        f"/api/v1/bids/{bid['id']}/submit", headers=cast.h("vendor_a"), json={"version": 1, "prices": prices}
    )
    assert refused(answer, 422).json()["fields"] == ["prices[1]"]
    assert _submit(client, cast, "vendor_a", ["1", "1"]).status_code == 200
    stale = client.post(
        f"/api/v1/bids/{bid['id']}/decline", headers=cast.h("vendor_a"), json={"version": bid["version"]}
    )
    assert refused(stale, 409).json()["current"]["status"] == "SUBMITTED"
    assert Decimal(_mine(client, cast, "vendor_a")["bid"]["total"]) == Decimal("60.00")


def _cancel(client: httpx.Client, cast: Cast, who: str, request: dict[str, Any]) -> httpx.Response:
    return client.post(
        f"/api/v1/bid-requests/{request['id']}/cancel", headers=cast.h(who), json={"version": request["version"]}
    )


@pytest.mark.parametrize("who", ["manager", "admin"])
def test_a_cancelled_request_takes_no_more_prices(client: httpx.Client, cast: Cast, factory: Factory, who: str) -> None:
    request = _asked(client, cast)
    assert _submit(client, cast, "vendor_a", ["1", "1"]).status_code == 200
    b = _mine(client, cast, "vendor_b")["bid"]

    cancelled = _cancel(client, cast, who, request)

    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["status"], cancelled.json()["version"]) == ("CANCELLED", request["version"] + 1)
    # The vendors see it cancelled (and no longer among their open requests), their bids as they were.
    assert client.get("/api/v1/bids", headers=cast.h("vendor_a")).json()["items"] == []
    seen = {who: _mine_all(client, cast, who) for who in ("vendor_a", "vendor_b")}
    assert [(s["request"]["status"], s["bid"]["status"]) for s in seen.values()] == [
        ("CANCELLED", "SUBMITTED"),
        ("CANCELLED", "INVITED"),
    ]
    # Nobody prices, declines, awards or cancels it any more: a 409 that says why.
    a = seen["vendor_a"]["bid"]
    late = refused(_submit_as(client, cast, "vendor_a", a), 409).json()
    assert late["detail"] == "this bid request is cancelled: it takes no more answers"
    declined = client.post(f"/api/v1/bids/{b['id']}/decline", headers=cast.h("vendor_b"), json={"version": 1})
    assert refused(declined, 409).json()["detail"] == "this bid request is cancelled: it takes no more answers"
    award = {"version": cancelled.json()["version"], "bid_id": a["id"]}
    answer = client.post(f"/api/v1/bid-requests/{request['id']}/award", headers=cast.h("manager"), json=award)
    assert refused(answer, 409).json()["detail"] == "this bid request is already cancelled"
    again = refused(_cancel(client, cast, "manager", cancelled.json()), 409).json()
    assert again["detail"] == "this bid request is already cancelled"
    assert factory.query("SELECT sum(unit_cost) FROM bid_prices") == [(Decimal("2.00"),)]
    assert _scope(client, cast)["Walls"] == (None, "20.00", "200.00")


def _heard(factory: Factory, kinds: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """Each notification of ``kinds``: its kind, to whom, its title; sorted."""
    return [
        (kind, email, title)
        for kind, email, title in factory.query(
            "SELECT n.kind, u.email, n.title FROM notifications n JOIN users u ON u.id = n.user_id"
            " WHERE n.kind = ANY(%s) ORDER BY n.kind, u.email",
            (list(kinds),),
        )
    ]


def test_vendors_hear_how_their_bids_end(client: httpx.Client, cast: Cast, factory: Factory) -> None:
    """Chosen, not chosen (priced or not) or withdrawn, in the app and by e-mail; a vendor that
    declined hears nothing more."""
    ending = ("bid_awarded", "bid_lost", "bid_cancelled")
    va, vb, vc = (cast.users[w].email for w in ("vendor_a", "vendor_b", "vendor_c"))
    vendors = [cast.vendor(w) for w in ("vendor_a", "vendor_b", "vendor_c")]
    first = _asked_of(client, cast, vendors)
    assert _submit(client, cast, "vendor_a", ["18.50", "3.95"]).status_code == 200
    c = _mine(client, cast, "vendor_c")["bid"]
    declined = client.post(f"/api/v1/bids/{c['id']}/decline", headers=cast.h("vendor_c"), json={"version": 1})
    assert declined.status_code == 200, declined.text
    assert _heard(factory, ending) == []
    [request] = client.get(f"/api/v1/turns/{cast.turn}/bid-requests", headers=cast.h("manager")).json()["items"]
    winner = next(bid for bid in request["bids"] if bid["status"] == "SUBMITTED")
    body = {"version": request["version"], "bid_id": winner["id"]}
    awarded = client.post(f"/api/v1/bid-requests/{first['id']}/award", headers=cast.h("manager"), json=body)
    assert awarded.status_code == 200, awarded.text
    address = first["address"]
    assert _heard(factory, ending) == [
        ("bid_awarded", va, f"Bid won: {address}"),
        ("bid_lost", vb, f"Another bid was chosen: {address}"),
    ]

    second = _asked_of(client, cast, vendors[:2])
    b = next(r for r in client.get("/api/v1/bids", headers=cast.h("vendor_b")).json()["items"])["bids"][0]
    declined = client.post(f"/api/v1/bids/{b['id']}/decline", headers=cast.h("vendor_b"), json={"version": 1})
    assert declined.status_code == 200, declined.text
    assert _cancel(client, cast, "manager", second).status_code == 200
    assert _heard(factory, ("bid_cancelled",)) == [("bid_cancelled", va, f"Bid request withdrawn: {address}")]

    rows = factory.query(
        "SELECT id, template, recipients, context FROM email_outbox WHERE template = ANY(%s) ORDER BY template",
        (list(ending),),
    )
    assert [(r[1], r[2]) for r in rows] == [("bid_awarded", [va]), ("bid_cancelled", [va]), ("bid_lost", [vb])]
    sent = {
        r[1]: build_message(dict(zip(("id", "template", "recipients", "context"), r, strict=True)), "t@x", "https://t")
        for r in rows
    }
    won = str(sent["bid_awarded"].get_body(("plain",)))
    assert sent["bid_awarded"]["Subject"] == f"[Turns] Bid won: {address}"
    assert "your bid of $382.50 for 2 line(s)" in won and "https://t/#/bids" in won
    assert sent["bid_cancelled"]["Subject"] == f"[Turns] Bid request withdrawn: {address}"
    assert vc not in str(rows)


def _asked_of(client: httpx.Client, cast: Cast, vendors: list[str]) -> dict[str, Any]:
    response = _ask(client, cast, vendor_ids=vendors)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_who_may_not_cancel(client: httpx.Client, cast: Cast, factory: Factory) -> None:
    request = _asked(client, cast)
    for who, status in (
        ("vendor_a", 403),  # invited: reads the request, may not withdraw it
        ("vendor_c", 404),
        ("other_manager", 404),
        ("dfo", 403),  # reads every request, decides none
        ("inspector", 404),
    ):
        refused(_cancel(client, cast, who, request), status)
    stale = refused(_cancel(client, cast, "manager", request | {"version": request["version"] - 1}), 409).json()
    assert stale["current"]["status"] == "OPEN"
    assert factory.query("SELECT status, version FROM bid_requests") == [("OPEN", request["version"])]
    audits = "SELECT count(*) FROM audit_logs WHERE table_name = 'bid_requests' AND action = 'UPDATE'"
    assert factory.query(audits) == [(0,)]


def test_a_vendors_history_is_bounded_by_due_date(client: httpx.Client, cast: Cast, factory: Factory) -> None:
    """``open=false&due_after=``: every request the vendor was asked, decided or not, due on or
    after the day: what its page shows as its recent history; ``turn_id=``: one turn's requests
    (where a note of an older one leads)."""
    first, second = _asked(client, cast), _asked(client, cast)
    long_ago = date.today() - timedelta(days=200)
    factory.query("UPDATE bid_requests SET due_date = %s WHERE id = %s RETURNING id", (long_ago, first["id"]))
    cancel = client.post(
        f"/api/v1/bid-requests/{first['id']}/cancel", headers=cast.h("manager"), json={"version": first["version"] + 1}
    )
    assert cancel.status_code == 200, cancel.text

    def listed(**params: str) -> list[str]:
        response = client.get("/api/v1/bids", headers=cast.h("vendor_a"), params={"mine": "true", **params})
        assert response.status_code == 200, response.text
        return [r["id"] for r in response.json()["items"]]

    assert listed(open="false") == [second["id"], first["id"]]
    assert listed(open="false", due_after=(long_ago + timedelta(days=1)).isoformat()) == [second["id"]]
    assert listed(open="false", due_after=long_ago.isoformat()) == [second["id"], first["id"]]
    assert listed() == [second["id"]]
    assert listed(open="false", turn_id=str(cast.turn)) == [second["id"], first["id"]]
    elsewhere = factory.turn(factory.property(cast.users["manager"]))
    assert listed(open="false", turn_id=str(elsewhere)) == []
    refused(
        client.get("/api/v1/bids", headers=cast.h("vendor_a"), params={"open": "false", "due_after": "last week"}), 422
    )
    refused(client.get("/api/v1/bids", headers=cast.h("manager"), params={"due_after": DUE}), 403)
