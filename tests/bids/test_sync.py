"""The bid shapes: a vendor user syncs only its company's bids and prices, and the requests (and
their lines) it is invited to; a manager syncs every bid of their turns; the gatekeeper's filters
for Electric say the same."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import httpx

from tests.fixtures.api import session_token
from tests.fixtures.factory import Factory, User, login
from tests.fixtures.server import LiveServer
from tests.sync import test_gatekeeper as gatekeeper
from tests.sync.shape_http import eventually, fetch

electric = gatekeeper.electric
gate = gatekeeper.gate


def _request(factory: Factory, manager: User, turn: UUID, line: UUID, *companies: UUID) -> tuple[UUID, list[UUID]]:
    due = date.today() + timedelta(days=2)
    request = factory.insert("bid_requests", turn_id=turn, requested_by=manager.id, due_date=due)
    factory.insert("bid_request_lines", request_id=request, scope_line_id=line)
    bids = [factory.insert("bids", request_id=request, vendor_id=company) for company in companies]
    return request, bids


def _line(factory: Factory, turn: UUID) -> UUID:
    return factory.insert("scope_lines", turn_id=turn, trade="PAINT", description="Walls", quantity=2, unit_cost=50)


def _price(factory: Factory, bid: UUID, line: UUID) -> UUID:
    """A price as its vendor would write it (the guard fills in the rest)."""
    insert = "INSERT INTO bid_prices (bid_id, scope_line_id, unit_cost) VALUES (%s, %s, 40) RETURNING id"
    return UUID(str(factory.query(insert, (bid, line))[0][0]))


def test_a_vendor_shape_holds_only_its_bids(synced: LiveServer, factory: Factory) -> None:
    manager = factory.user("PROPERTY_MANAGER")
    vendor = factory.user("VENDOR")
    other = factory.vendor()
    assert vendor.vendor_id is not None
    turn = factory.turn(factory.property(manager))  # not assigned to the vendor: invited all the same
    line = _line(factory, turn)
    request, (mine, theirs) = _request(factory, manager, turn, line, vendor.vendor_id, other)
    not_invited, [elsewhere] = _request(factory, manager, turn, line, other)
    prices = {_price(factory, bid, line): bid for bid in (mine, theirs, elsewhere)}
    tokens = {who: session_token(synced.base_url, user) for who, user in (("vendor", vendor), ("manager", manager))}

    def ids(who: str, table: str) -> set[str]:
        return {str(row["id"]) for row in fetch(client, tokens[who], table).values()}

    with httpx.Client(base_url=synced.base_url, timeout=30) as client:
        assert ids("vendor", "bids") == {str(mine)}
        assert ids("vendor", "bid_prices") == {str(p) for p, bid in prices.items() if bid == mine}
        assert ids("vendor", "bid_requests") == {str(request)}
        assert len(ids("vendor", "bid_request_lines")) == 1
        assert ids("manager", "bids") == {str(mine), str(theirs), str(elsewhere)}
        assert ids("manager", "bid_requests") == {str(request), str(not_invited)}
        assert len(ids("manager", "bid_prices")) == 3

        # A new invitation brings its request into the vendor's shapes.
        later, [invited] = _request(factory, manager, turn, line, vendor.vendor_id)
        eventually(lambda: _assert(ids("vendor", "bid_requests"), {str(request), str(later)}))
        eventually(lambda: _assert(ids("vendor", "bids"), {str(mine), str(invited)}))


def _assert(found: set[str], expected: set[str]) -> None:
    assert found == expected


def test_the_gatekeeper_filters_bids_as_rls_does(
    gate: httpx.Client, electric: gatekeeper.FakeElectric, factory: Factory
) -> None:
    manager = factory.user("PROPERTY_MANAGER")
    vendor = factory.user("VENDOR")
    assert vendor.vendor_id is not None
    turn = factory.turn(factory.property(manager))
    request, _ = _request(factory, manager, turn, _line(factory, turn), vendor.vendor_id)
    vendor_token, manager_token = login(gate, vendor), login(gate, manager)
    expected = {
        "bids": ('("vendor_id" = $1)', str(vendor.vendor_id)),
        "bid_prices": ('("vendor_id" = $1)', str(vendor.vendor_id)),
        "bid_requests": ('("id" IN ($1))', str(request)),
        "bid_request_lines": ('("request_id" IN ($1))', str(request)),
    }
    for table, (where, value) in expected.items():
        gatekeeper._shape(gate, vendor_token, table)
        assert (electric.last()["where"], electric.last()["params[1]"]) == (where, value), table
        gatekeeper._shape(gate, manager_token, table)
        assert (electric.last()["where"], electric.last()["params[1]"]) == ('("turn_id" IN ($1))', str(turn)), table
    gatekeeper._shape(gate, login(gate, factory.user("INSPECTOR")), "bids")
    assert electric.last()["where"] == '("id" IS NULL)'
    gatekeeper._shape(gate, login(gate, factory.user("DFO_APPROVER")), "bids")
    assert "where" not in electric.last()
