"""The vendor_visits shape: a vendor user syncs only its company's visits, of the turns assigned
to it, and loses them when the turn goes to another company; a manager syncs every visit of
their turns."""

from __future__ import annotations

import httpx

from tests.fixtures.api import session_token
from tests.fixtures.factory import Factory
from tests.fixtures.server import LiveServer
from tests.sync.shape_http import eventually, fetch


def _visit(factory: Factory, turn: object, vendor: object) -> str:
    return str(
        factory.insert("vendor_visits", turn_id=turn, vendor_id=vendor, starts_on="2026-12-08", ends_on="2026-12-09")
    )


def test_a_vendor_shape_holds_only_its_visits(synced: LiveServer, factory: Factory) -> None:
    manager = factory.user("PROPERTY_MANAGER")
    vendor = factory.user("VENDOR")
    other = factory.vendor()
    assigned = factory.turn(factory.property(manager), vendor_id=vendor.vendor_id, flooring_vendor_id=other)
    not_assigned = factory.turn(factory.property(manager), vendor_id=other)
    mine = _visit(factory, assigned, vendor.vendor_id)
    theirs = _visit(factory, assigned, other)
    elsewhere = _visit(factory, not_assigned, vendor.vendor_id)
    tokens = {who: session_token(synced.base_url, user) for who, user in (("vendor", vendor), ("manager", manager))}

    with httpx.Client(base_url=synced.base_url, timeout=30) as client:
        rows = fetch(client, tokens["vendor"], "vendor_visits")
        assert {row["id"] for row in rows.values()} == {mine}
        assert next(iter(rows.values()))["status"] == "PROPOSED"
        every = {row["id"] for row in fetch(client, tokens["manager"], "vendor_visits").values()}
        assert every == {mine, theirs, elsewhere}

        factory.query("UPDATE turns SET vendor_id = %s WHERE id = %s RETURNING id", (other, assigned))
        eventually(lambda: _assert_ids(fetch(client, tokens["vendor"], "vendor_visits"), set()))


def _assert_ids(rows: dict[str, dict[str, object]], expected: set[str]) -> None:
    assert {row["id"] for row in rows.values()} == expected
