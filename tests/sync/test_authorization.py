"""Every role receives through a shape exactly the rows and columns the API lets it read,
before and after its access changes (property-based: generated portfolios and assignments)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.factory import Factory, User, login
from tests.fixtures.server import LiveServer
from tests.sync.shape_http import eventually, fetch, visible_in
from turns.access.columns import readable_columns
from turns.db.urls import DatabaseUrls
from turns.sync.shapes import BIDS

ROLES = (
    "ADMIN",
    "SR_PROPERTY_MANAGER",
    "PROPERTY_MANAGER",
    "DFO_APPROVER",
    "HO_APPROVER",
    "INSPECTOR",
    "VENDOR",
    "USER",
)
TABLES = (
    "properties",
    "turns",
    "turn_stage_history",
    "scope_lines",
    "vendor_visits",
    "photos",
    "inspections",
    "inspection_results",
    "vendors",
    "users",
    "notifications",
    *BIDS,
)

homes = st.lists(
    st.tuples(
        st.sampled_from(["pm", "pm2", None]),  # property manager
        st.sampled_from(["spm", None]),  # senior manager
        st.lists(st.sampled_from(["a", "b", None]), max_size=2),  # each turn's vendor
    ),
    min_size=1,
    max_size=3,
)
moves = st.lists(
    st.tuples(st.integers(0, 2), st.sampled_from(["pm", "pm2", None]), st.sampled_from(["a", "b", None])),
    max_size=3,
)


def _inspect(factory: Factory, turn: Any, inspector: User) -> None:
    """An inspection of the turn with one result: a vendor user reads neither."""
    [(item, template)] = factory.query("SELECT id, template_id FROM inspection_template_items LIMIT 1")
    inspection = factory.insert("inspections", turn_id=turn, template_id=template, inspector_id=inspector.id)
    factory.insert("inspection_results", inspection_id=inspection, template_item_id=item, condition="REPAIR")


def _check(client: httpx.Client, urls: DatabaseUrls, tokens: dict[str, str], users: dict[str, User]) -> None:
    for name, user in users.items():
        readable = visible_in(urls, user.id, TABLES)
        for table in TABLES:
            rows = fetch(client, tokens[name], table)
            assert {str(r["id"]) for r in rows.values()} == readable[table], (name, table)
            allowed = readable_columns(table, user.role)
            assert all(set(row) == allowed for row in rows.values()), (name, table)


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(layout=homes, changes=moves)
def test_shapes_equal_what_the_api_reads(
    synced: LiveServer, db: DatabaseUrls, factory: Factory, layout: list[Any], changes: list[Any]
) -> None:
    people = getattr(synced, "people", None)
    if people is None:
        vendor_a, vendor_b = factory.vendor(), factory.vendor()
        people = {
            "vendors": {"a": vendor_a, "b": vendor_b},
            "users": {role.lower(): factory.user(role) for role in ROLES if role != "VENDOR"}
            | {"pm2": factory.user("PROPERTY_MANAGER"), "vendor": factory.user("VENDOR", vendor_id=vendor_a)},
        }
        with httpx.Client(base_url=synced.base_url) as http:
            people["tokens"] = {name: login(http, user) for name, user in people["users"].items()}
        synced.people = people  # type: ignore[attr-defined]
    users: dict[str, User] = people["users"]
    managers = {"pm": users["property_manager"], "pm2": users["pm2"], "spm": users["sr_property_manager"]}
    vendors = people["vendors"]
    made: list[tuple[Any, list[Any]]] = []
    for manager, senior, turn_vendors in layout:
        home = factory.property(managers.get(manager or ""), managers.get(senior or ""))
        turns = [factory.turn(home, vendor_id=vendors.get(v or "")) for v in turn_vendors]
        for turn in turns:
            factory.photo(turn)
            _inspect(factory, turn, users["inspector"])
        for turn in turns:  # a line and a visit for each company: a vendor user reads only its own
            for company in vendors.values():
                factory.insert(
                    "scope_lines",
                    turn_id=turn,
                    trade="PAINT",
                    description="Walls",
                    quantity=1,
                    unit_cost=100,
                    vendor_id=company,
                )
                factory.insert(
                    "vendor_visits", turn_id=turn, vendor_id=company, starts_on="2026-12-08", ends_on="2026-12-09"
                )
            # Company a is asked to quote the line, and prices it; company b is asked, and only a reads a's.
            line = factory.insert(
                "scope_lines", turn_id=turn, trade="HVAC", description="Service", quantity=1, unit_cost=1
            )
            due = date.today() + timedelta(days=1)
            request = factory.insert("bid_requests", turn_id=turn, requested_by=users["admin"].id, due_date=due)
            factory.insert("bid_request_lines", request_id=request, scope_line_id=line)
            bid = factory.insert("bids", request_id=request, vendor_id=vendors["a"])
            factory.insert("bids", request_id=request, vendor_id=vendors["b"])
            factory.query(
                "INSERT INTO bid_prices (bid_id, scope_line_id, unit_cost) VALUES (%s, %s, 1) RETURNING id", (bid, line)
            )
        made.append((home, turns))
    with httpx.Client(base_url=synced.base_url, timeout=30) as client:
        eventually(lambda: _check(client, db, people["tokens"], users))
        for index, manager, vendor in changes:
            home, turns = made[index % len(made)]
            pm = managers.get(manager or "")
            factory.query(
                "UPDATE properties SET property_manager_id = %s WHERE id = %s RETURNING id",
                (pm.id if pm else None, home),
            )
            for turn in turns:
                factory.query(
                    "UPDATE turns SET vendor_id = %s WHERE id = %s RETURNING id", (vendors.get(vendor or ""), turn)
                )
        eventually(lambda: _check(client, db, people["tokens"], users))
