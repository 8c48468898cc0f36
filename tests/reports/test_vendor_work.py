"""The scope-of-work measures of the vendor scorecards (bids, quote to actual, visits) and the
scorecards' CSV / Excel file, from bids, lines and visits written here with fixed answers and dates.

Figures are worked out by hand from the rows below (comments give the sums). The rows are
written with their triggers off, in the states their API would leave them in: past due dates and
past visits cannot be made through it today.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from tests.exports.helpers import read_csv, read_xlsx
from tests.reports.data import TODAY, World
from tests.reports.helpers import Report, ok, refused

D = Decimal
LATE_OPEN_ENDS = date(2024, 2, 3)  # v2's visit on t4 ended then, its line still open


class Rows:
    """Rows of bids, lines and visits, written at once by the superuser with triggers off (as a
    bulk load does), so each keeps the status, dates and amount given here."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.statements: list[tuple[str, tuple[Any, ...]]] = []

    def add(self, statement: str, *params: Any) -> UUID:
        row = uuid4()
        self.statements.append((statement, (row, *params)))
        return row

    def request(self, turn: str, status: str, due: date) -> UUID:
        """A request (an AWARDED one is opened here and awarded by its winning bid)."""
        return self.add(
            "INSERT INTO bid_requests (id, turn_id, property_id, requested_by, due_date, status, turn_code, address)"
            " SELECT %s, t.id, t.property_id, %s, %s, %s, t.turn_id, 'here' FROM turns t WHERE t.id = %s",
            self.world.manager.id,
            due,
            "OPEN" if status == "AWARDED" else status,
            self.world.ids[turn],
        )

    def bid(self, request: UUID, vendor: str, status: str, total: str | None = None, answered: bool = True) -> None:
        bid = self.add(
            "INSERT INTO bids (id, request_id, turn_id, vendor_id, status, total, submitted_at)"
            " SELECT %s, r.id, r.turn_id, %s, %s, %s, CASE WHEN %s THEN now() END FROM bid_requests r WHERE r.id = %s",
            self.world.ids[vendor],
            status,
            total,
            answered,
            request,
        )
        if status == "AWARDED":
            self.statements.append(
                ("UPDATE bid_requests SET status = 'AWARDED', awarded_bid_id = %s WHERE id = %s", (bid, request))
            )

    def line(self, turn: str, vendor: str, amount: str, done: date | None = None, removed: bool = False) -> UUID:
        return self.add(
            "INSERT INTO scope_lines (id, turn_id, property_id, trade, description, quantity, unit, unit_cost,"
            " amount, vendor_id, status, done_at, removed_at) SELECT %s, t.id, t.property_id, 'PAINT', 'work', 1,"
            " 'each', %s, %s, %s, %s, %s::date + time '15:00', CASE WHEN %s THEN now() END FROM turns t"
            " WHERE t.id = %s",
            D(amount),
            D(amount),
            self.world.ids[vendor],
            "OPEN" if done is None else "DONE",
            done,
            removed,
            self.world.ids[turn],
        )

    def cover(self, request: UUID, *lines: UUID) -> None:
        """The request asks for a price of these lines."""
        for line in lines:
            self.add(
                "INSERT INTO bid_request_lines (id, request_id, scope_line_id, turn_id, trade, description, quantity,"
                " unit) SELECT %s, %s, l.id, l.turn_id, l.trade, l.description, l.quantity, l.unit"
                " FROM scope_lines l WHERE l.id = %s",
                request,
                line,
            )

    def visit(self, turn: str, vendor: str, status: str, starts: date, ends: date) -> None:
        self.add(
            "INSERT INTO vendor_visits (id, turn_id, property_id, vendor_id, status, starts_on, ends_on)"
            " SELECT %s, t.id, t.property_id, %s, %s, %s, %s FROM turns t WHERE t.id = %s",
            self.world.ids[vendor],
            status,
            starts,
            ends,
            self.world.ids[turn],
        )

    def write(self) -> None:
        assert self.world.factory.urls.superuser is not None
        with psycopg.connect(self.world.factory.urls.superuser) as conn:
            conn.execute("SET LOCAL session_replication_role = replica")
            for statement, params in self.statements:
                conn.execute(statement, params)


@pytest.fixture
def work(world: World) -> World:
    """t1, t2, a1 are on the manager's p1; t4 on the other manager's p3. v3 only bids."""
    world.ids["v3"] = world.factory.vendor(company_name="Gamma Floors")
    rows = Rows(world)
    past, soon = date(2024, 2, 10), TODAY + timedelta(5)
    r1 = rows.request("t1", "AWARDED", past)  # v1 wins over v2; v3 never answered
    rows.bid(r1, "v1", "AWARDED", "1000.00")
    rows.bid(r1, "v2", "LOST", "1200.00")
    rows.bid(r1, "v3", "LOST", answered=False)
    r2 = rows.request("t2", "OPEN", past)  # overdue: v1 declined, v2 let it pass
    rows.bid(r2, "v1", "DECLINED")
    rows.bid(r2, "v2", "INVITED", answered=False)
    r3 = rows.request("a1", "OPEN", soon)  # still open: v1 quoted, v2 may answer
    rows.bid(r3, "v1", "SUBMITTED", "500.00")
    rows.bid(r3, "v2", "INVITED", answered=False)
    r4 = rows.request("t4", "AWARDED", past)  # v2 wins over v1
    rows.bid(r4, "v2", "AWARDED", "2000.00")
    rows.bid(r4, "v1", "LOST", "1800.00")
    rows.bid(rows.request("t2", "CANCELLED", past), "v1", "INVITED", answered=False)  # left out

    # v1 on t1: 1100 + 150 = 1250 against its 1000 quote; the removed line does not count.
    # A line the manager gave v1 directly, never quoted, is not counted.
    quoted = [
        rows.line("t1", "v1", "1100.00", date(2024, 1, 8)),
        rows.line("t1", "v1", "150.00", date(2024, 1, 10)),
        rows.line("t1", "v1", "999.00", removed=True),
    ]
    rows.line("t1", "v1", "400.00", date(2024, 1, 8))
    rows.line("t1", "v2", "300.00", date(2024, 1, 9))
    rows.cover(r1, *quoted)
    rows.cover(r4, rows.line("t4", "v2", "1900.00"))  # v2 on t4: 1900 against 2000, still open
    rows.line("t2", "v1", "80.00")

    rows.visit("t1", "v1", "DONE", date(2024, 1, 5), date(2024, 1, 10))  # on time: last line 01-10
    rows.visit("t1", "v1", "ACCEPTED", date(2024, 1, 3), date(2024, 1, 7))  # 3 days late
    rows.visit("t1", "v2", "DONE", date(2024, 1, 4), date(2024, 1, 5))  # 4 days late (01-09)
    rows.visit("t4", "v2", "ACCEPTED", date(2024, 2, 1), LATE_OPEN_ENDS)  # late until today
    rows.visit("a1", "v1", "ACCEPTED", soon, soon)  # no line of v1 on a1: not measured
    rows.visit("t2", "v1", "ACCEPTED", TODAY + timedelta(3), soon)  # line open, window ahead
    rows.visit("t2", "v1", "PROPOSED", date(2024, 2, 2), date(2024, 2, 3))  # not agreed
    rows.visit("t4", "v2", "CANCELLED", date(2024, 2, 2), date(2024, 2, 3))
    rows.write()
    return world


NEW = (
    "bids_requested",
    "bids_quoted",
    "bids_declined",
    "bids_unanswered",
    "bids_awaiting",
    "bids_awarded",
    "win_rate",
    "awarded_quotes",
    "awarded_actual",
    "actual_over_quote",
    "actual_minus_quote",
    "visits_scheduled",
    "visits_done",
    "visits_measured",
    "visits_on_time",
    "visit_on_time_rate",
    "average_days_late",
)


def _figures(body: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    return {card["company_name"]: tuple(card[k] for k in NEW) for card in body["vendors"]}


def _today(world: World) -> date:
    day: date = world.factory.query("SELECT current_date")[0][0]
    return day


def test_bids_quotes_and_visits_per_vendor(work: World, report: Report) -> None:
    v2_late = (4 + (_today(work) - LATE_OPEN_ENDS).days) / 2
    everything = _figures(ok(report(work.admin, "vendors")))
    assert everything == {
        # requested, quoted, declined, unanswered, awaiting, won, win rate; quotes, actual, ratio,
        # difference; visits scheduled, done, measured, on time, rate, average days late
        "Alpha Make-Ready": (4, 3, 1, 0, 0, 1, 0.3333, "1000.00", "1250.00", 1.25, "250.00", 4, 1, 2, 1, 0.5, 3.0),
        "Beta Paint & Floor": (4, 2, 0, 1, 1, 1, 0.5, "2000.00", "1900.00", 0.95, "-100.00", 2, 1, 2, 0, 0.0, v2_late),
        "Gamma Floors": (1, 0, 0, 1, 0, 0, None, None, None, None, None, 0, 0, 0, 0, None, None),
    }
    gamma = ok(report(work.admin, "vendors"))["vendors"][2]
    assert (gamma["jobs"], gamma["completed"], gamma["on_time_rate"]) == (0, 0, None)

    # The manager reads p1's turns only: not t4's bids, lines or visits.
    assert _figures(ok(report(work.manager, "vendors"))) == {
        "Alpha Make-Ready": (3, 2, 1, 0, 0, 1, 0.5, "1000.00", "1250.00", 1.25, "250.00", 4, 1, 2, 1, 0.5, 3.0),
        "Beta Paint & Floor": (3, 1, 0, 1, 1, 0, 0.0, None, None, None, None, 1, 1, 1, 0, 0.0, 4.0),
        "Gamma Floors": (1, 0, 0, 1, 0, 0, None, None, None, None, None, 0, 0, 0, 0, None, None),
    }
    # The period is on the turns' move-out: from 15 January leaves t1 (and Gamma's only bid) out.
    later = _figures(ok(report(work.admin, "vendors", **{"from": "2024-01-15"})))
    assert set(later) == {"Alpha Make-Ready", "Beta Paint & Floor"}
    assert later["Alpha Make-Ready"][:7] == (3, 2, 1, 0, 0, 0, 0.0)
    assert later["Alpha Make-Ready"][11:] == (2, 0, 0, 0, None, None)
    one = ok(report(work.admin, "vendors", vendor_id=str(work.ids["v3"])))["vendors"]
    assert [c["company_name"] for c in one] == ["Gamma Floors"]


HEADERS = [
    "Vendor",
    "Jobs",
    "Active jobs",
    "Completed jobs",
    "Completed with an expected date",
    "Completed on time",
    "On-time rate (%)",
    "Average cost",
    "Rating",
    "Bids requested",
    "Bids quoted",
    "Bids declined",
    "Bids late or unanswered",
    "Bids awaiting an answer",
    "Bids won",
    "Win rate (%)",
    "Won quotes",
    "Actual of won work",
    "Actual to quote (%)",
    "Actual minus quote",
    "Visits scheduled",
    "Visits done",
    "Visits measured",
    "Visits on time",
    "Visit on-time rate (%)",
    "Average days late",
]


def test_the_scorecards_as_csv_and_excel(work: World, report: Report) -> None:
    csv = report(work.manager, "vendors.csv")
    assert csv.status_code == 200, csv.text
    assert csv.headers["content-type"].startswith("text/csv")
    assert 'filename="vendor-scorecards-' in csv.headers["content-disposition"]
    rows = read_csv(csv.content)
    assert rows[0] == HEADERS
    alpha = dict(zip(HEADERS, rows[1], strict=True))
    # Alpha's jobs on p1: t1 (completed early), t2 (late), a1 (active); the cost as the report has it.
    assert alpha == {
        "Vendor": "Alpha Make-Ready",
        "Jobs": "3",
        "Active jobs": "1",
        "Completed jobs": "2",
        "Completed with an expected date": "2",
        "Completed on time": "1",
        "On-time rate (%)": "50.00",
        "Average cost": ok(report(work.manager, "vendors"))["vendors"][0]["average_cost"],
        "Rating": "4.50",
        "Bids requested": "3",
        "Bids quoted": "2",
        "Bids declined": "1",
        "Bids late or unanswered": "0",
        "Bids awaiting an answer": "0",
        "Bids won": "1",
        "Win rate (%)": "50.00",
        "Won quotes": "1000.00",
        "Actual of won work": "1250.00",
        "Actual to quote (%)": "125.00",
        "Actual minus quote": "250.00",
        "Visits scheduled": "4",
        "Visits done": "1",
        "Visits measured": "2",
        "Visits on time": "1",
        "Visit on-time rate (%)": "50.00",
        "Average days late": "3.0",
    }
    assert [r[0] for r in rows[1:]] == ["Alpha Make-Ready", "Beta Paint & Floor", "Gamma Floors"]
    gamma = dict(zip(HEADERS, rows[3], strict=True))
    assert (gamma["Jobs"], gamma["Win rate (%)"], gamma["Won quotes"]) == ("0", "", "")

    xlsx = report(work.admin, "vendors.xlsx", vendor_id=str(work.ids["v2"]))
    assert xlsx.status_code == 200, xlsx.text
    sheet = read_xlsx(xlsx.content)
    assert sheet[0] == HEADERS and len(sheet) == 2
    beta = dict(zip(HEADERS, sheet[1], strict=True))
    assert (beta["Vendor"], beta["Bids requested"], beta["Win rate (%)"]) == ("Beta Paint & Floor", 4, 50)
    assert (beta["Won quotes"], beta["Actual of won work"], beta["Actual minus quote"]) == (2000, 1900, -100)
    assert (beta["Actual to quote (%)"], beta["Visits measured"], beta["Visit on-time rate (%)"]) == (95, 2, 0)


def test_who_may_not_read_the_scorecards(work: World, report: Report) -> None:
    amounts = ["turns.approved_turn_amount", "turns.change_order_amount", "turns.turn_amount"]
    for name in ("vendors", "vendors.csv", "vendors.xlsx"):
        assert refused(report(work.vendor_user, name), 403)["fields"] == amounts, name
    assert ok(report(work.plain, "vendors")) == {"vendors": []}
    assert read_csv(report(work.plain, "vendors.csv").content) == [HEADERS]
    refused(report(work.plain, "vendors.pdf"), 422)
    refused(report(work.plain, "vendors.csv", since="2024-01-01"), 422)
