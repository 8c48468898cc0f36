"""Who gets which report: vendor users no amounts or approvals, USER nothing, bad filters 422."""

from tests.fixtures.factory import Factory
from tests.reports.data import TURNS, World, spread
from tests.reports.helpers import Report, ok, refused

REPORTS = ("turn-time", "days-vacant", "on-time", "cost", "stage-dwell", "pipeline", "vendors", "property-summary")
# Built on amounts (cost, vendors, property-summary), approvals (pipeline) or move-in dates.
HIDDEN_FROM_VENDORS = ("days-vacant", "cost", "pipeline", "vendors", "property-summary")


def test_vendor_users_get_their_turns_and_no_amounts(world: World, report: Report) -> None:
    for name in HIDDEN_FROM_VENDORS:
        body = refused(report(world.vendor_user, name), 403)
        assert body["fields"], name
    assert refused(report(world.vendor_user, "cost"), 403)["fields"] == [
        "turns.approved_turn_amount",
        "turns.change_order_amount",
        "turns.turn_amount",
    ]
    theirs = [t for t in TURNS.values() if "v1" in (t.vendor, t.flooring)]
    turn_time = ok(report(world.vendor_user, "turn-time"))
    days = [(t.completed - t.move_out).days for t in theirs if t.completed and t.move_out]
    assert turn_time["overall"] == spread(days) and turn_time["overall"]["count"] == 3
    on_time = ok(report(world.vendor_user, "on-time"))["overall"]
    assert (on_time["completed"], on_time["on_time"]) == (3, 2)
    dwell = ok(report(world.vendor_user, "stage-dwell"))["stages"]
    assert [s["waiting"] for s in dwell] == [0, 0, 1, 0, 0]  # a1, In Progress
    assert [s["stays"] for s in dwell] == [3, 3, 2, 2, 0]  # the written histories of t1, t4 and a1


def test_plain_users_see_empty_reports(world: World, report: Report) -> None:
    world.factory.query("SELECT refresh_property_summary(false)")
    bodies = {name: ok(report(world.plain, name)) for name in REPORTS}
    assert bodies["turn-time"] == {"overall": spread([]), "by_month": []}
    assert bodies["days-vacant"]["overall"]["move_outs"] == 0
    assert bodies["on-time"]["overall"] == {
        "completed": 0,
        "with_expected_date": 0,
        "on_time": 0,
        "on_time_rate": None,
    }
    assert bodies["cost"]["overall"]["turns"] == 0 and bodies["cost"]["overall"]["final"]["total"] is None
    assert {(s["stays"], s["waiting"]) for s in bodies["stage-dwell"]["stages"]} == {(0, 0)}
    assert bodies["pipeline"]["overall"]["total"] == 0 and bodies["pipeline"]["by_stage"] == []
    assert bodies["vendors"] == {"vendors": []}
    assert bodies["property-summary"] == {
        "items": [],
        "next_cursor": None,
        "refreshed_at": None,
        "refresh_pending": False,
    }


BAD_FILTERS = [
    {"from": "yesterday"},
    {"from": "2024-03-01", "to": "2024-02-01"},
    {"property_id": "P-1"},
    {"market": "A\x00"},
    {"market": "x" * 101},
    {"limit": "0"},  # only property-summary pages; elsewhere it is an unknown filter
    {"since": "2024-01-01"},
]


def test_bad_filters_are_refused(factory: Factory, report: Report) -> None:
    admin = factory.user("ADMIN")
    for params in BAD_FILTERS:
        for name in REPORTS:
            body = refused(report(admin, name, **params), 422)
            assert body["errors"], (name, params)
    refused(report(admin, "property-summary", sort="avg_turn_cost"), 400)
    refused(report(admin, "property-summary", cursor="not-a-cursor"), 400)
