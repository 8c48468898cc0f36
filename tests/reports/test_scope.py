"""Cost by trade and charge-backs, from scope lines written here, against figures computed from them."""

from decimal import Decimal
from typing import Any

from tests.reports.data import World
from tests.reports.helpers import Report, ok, refused

D = Decimal
# turn: [(trade, quantity, unit cost, charged back)] — t1 and t2 on the manager's p1 (January and
# February), t4 on the other manager's p3 (February); a1 is still open and never counted.
Line = tuple[str, Decimal, Decimal, Decimal | None]
LINES: dict[str, list[Line]] = {
    "t1": [("PAINT", D(2), D("400.00"), None), ("FLOORING", D(1), D("900.50"), D("150.00"))],
    "t2": [("PAINT", D(3), D("250.00"), None), ("CLEANING", D(1), D("180.00"), D("180.00"))],
    "t4": [("PAINT", D(1), D("1200.00"), None), ("APPLIANCES", D(1), D("650.00"), D("325.00"))],
    "a1": [("PAINT", D(1), D("999.00"), D("99.00"))],
}


def _write(world: World) -> None:
    for turn, lines in LINES.items():
        for trade, quantity, cost, charged in lines:
            world.factory.insert(
                "scope_lines",
                turn_id=world.ids[turn],
                trade=trade,
                description=f"{trade.lower()} work",
                quantity=quantity,
                unit_cost=cost,
                chargeback=charged is not None,
                chargeback_amount=charged,
            )


def _by_trade(turns: list[str]) -> dict[str, Any]:
    found: dict[str, dict[str, Any]] = {}
    for turn in turns:
        for trade, quantity, cost, _ in LINES[turn]:
            row = found.setdefault(trade, {"lines": 0, "turns": set(), "total": D(0)})
            row["lines"] += 1
            row["turns"].add(turn)
            row["total"] += quantity * cost
    total = sum((r["total"] for r in found.values()), D(0))
    return {
        "turns": len(turns),
        "total": total,
        "trades": {
            trade: (r["lines"], len(r["turns"]), r["total"], round(r["total"] / len(r["turns"]), 2))
            for trade, r in found.items()
        },
    }


def _read(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "turns": body["turns"],
        "total": D(body["total"]),
        "trades": {
            t["trade"]: (t["lines"], t["turns"], D(t["total"]), D(t["average_per_turn"])) for t in body["trades"]
        },
    }


def test_cost_by_trade_of_completed_turns(world: World, report: Report) -> None:
    _write(world)

    everything = ok(report(world.admin, "cost-by-trade"))
    assert _read(everything) == _by_trade(["t1", "t2", "t4"])
    assert [t["trade"] for t in everything["trades"]] == ["PAINT", "FLOORING", "APPLIANCES", "CLEANING"]
    paint = _by_trade(["t1", "t2", "t4"])["trades"]["PAINT"][2] / _by_trade(["t1", "t2", "t4"])["total"]
    assert (everything["trades"][0]["label"], everything["trades"][0]["share"]) == ("Paint", float(round(paint, 4)))
    assert everything["average_per_turn"] == str(round(_by_trade(["t1", "t2", "t4"])["total"] / 3, 2))
    assert _read(ok(report(world.manager, "cost-by-trade"))) == _by_trade(["t1", "t2"])
    assert _read(ok(report(world.admin, "cost-by-trade", to="2024-01-31"))) == _by_trade(["t1"])


def test_chargebacks_by_month(world: World, report: Report) -> None:
    _write(world)

    body = ok(report(world.admin, "chargebacks"))

    assert body["overall"] == {"turns": 3, "lines": 3, "total": "655.00", "scope_total": "1730.50"}
    assert body["by_month"] == [
        {"month": "2024-01-01", "turns": 1, "lines": 1, "total": "150.00", "scope_total": "900.50"},
        {"month": "2024-02-01", "turns": 2, "lines": 2, "total": "505.00", "scope_total": "830.00"},
    ]
    mine = ok(report(world.manager, "chargebacks"))
    assert mine["overall"] == {"turns": 2, "lines": 2, "total": "330.00", "scope_total": "1080.50"}


def test_vendors_get_no_scope_money(world: World, report: Report) -> None:
    for name in ("cost-by-trade", "chargebacks"):
        problem = refused(report(world.vendor_user, name), 403)
        assert "scope_lines.chargeback" in problem["detail"]
    assert ok(report(world.plain, "cost-by-trade"))["turns"] == 0
