"""The scope_lines shape: a vendor user syncs only its company's lines, of the turns assigned to
it, and follows a line given to another company; a manager syncs every line of their turns."""

from __future__ import annotations

import httpx

from tests.fixtures.api import session_token
from tests.fixtures.factory import Factory
from tests.fixtures.server import LiveServer
from tests.sync.shape_http import eventually, fetch


def _line(factory: Factory, turn: object, vendor: object, description: str) -> str:
    line = factory.insert(
        "scope_lines", turn_id=turn, trade="PAINT", description=description, quantity=2, unit_cost=50, vendor_id=vendor
    )
    return str(line)


def test_a_vendor_shape_holds_only_its_lines(synced: LiveServer, factory: Factory) -> None:
    manager = factory.user("PROPERTY_MANAGER")
    vendor = factory.user("VENDOR")
    other = factory.vendor()
    home = factory.property(manager)
    assigned = factory.turn(home, vendor_id=vendor.vendor_id)
    not_assigned = factory.turn(factory.property(manager), vendor_id=other)
    mine = _line(factory, assigned, vendor.vendor_id, "Walls")
    theirs = _line(factory, assigned, other, "Carpet")
    elsewhere = _line(factory, not_assigned, vendor.vendor_id, "Trim")  # its line, on a turn not assigned to it
    tokens = {who: session_token(synced.base_url, user) for who, user in (("vendor", vendor), ("manager", manager))}

    with httpx.Client(base_url=synced.base_url, timeout=30) as client:
        rows = fetch(client, tokens["vendor"], "scope_lines")
        assert set(rows) and {row["id"] for row in rows.values()} == {mine}
        assert {row["description"] for row in rows.values()} == {"Walls"}
        assert "chargeback_amount" not in next(iter(rows.values()))
        every = {row["id"] for row in fetch(client, tokens["manager"], "scope_lines").values()}
        assert every == {mine, theirs, elsewhere}

        # The other company's line is given to the vendor: it comes into its shape.
        factory.query("UPDATE scope_lines SET vendor_id = %s WHERE id = %s RETURNING id", (vendor.vendor_id, theirs))
        eventually(
            lambda: _assert_ids(fetch(client, tokens["vendor"], "scope_lines"), {mine, theirs}),
        )
        # The turn goes to another company: its lines leave the vendor's shape.
        factory.query("UPDATE turns SET vendor_id = %s WHERE id = %s RETURNING id", (other, assigned))
        eventually(lambda: _assert_ids(fetch(client, tokens["vendor"], "scope_lines"), set()))


def _assert_ids(rows: dict[str, dict[str, object]], expected: set[str]) -> None:
    assert {row["id"] for row in rows.values()} == expected
