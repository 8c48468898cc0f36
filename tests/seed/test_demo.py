"""The demo data set as a newcomer meets it: a 60-home portfolio on the day it is loaded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.fixtures.database import clone_database, drop_database
from tests.fixtures.server import serving
from turns.db.embedded import EmbeddedPostgres
from turns.db.urls import DatabaseUrls, embedded_urls
from turns.seed.demo import DEMO_CONTEXT, DEMO_DOMAIN, Credential, seed_demo

# Dates that may lie ahead: when a turn should be ready, a final walk that is scheduled, how
# long a vendor's insurance is valid, and when the open bid requests are due.
FUTURE_ALLOWED = {
    ("turns", "expected_completion_date"),
    ("turns", "final_walk_date"),
    ("vendors", "insurance_expiry"),
    ("bid_requests", "due_date"),
}
DEMO_TABLES = (
    "users",
    "vendors",
    "utility_providers",
    "properties",
    "turns",
    "turn_stage_history",
    "notifications",
    "scope_lines",
    "photos",
    "bid_requests",
    "bid_request_lines",
    "bids",
    "bid_prices",
)
REPORTS = ("turn-time", "days-vacant", "on-time", "cost", "stage-dwell", "pipeline", "vendors", "property-summary")


class Demo:
    def __init__(self, urls: DatabaseUrls, credentials: list[Credential], photos: Path | None = None) -> None:
        self.urls = urls
        self.credentials = {c.role: c for c in credentials}
        self.photos = photos

    def query(self, statement: str, params: Any = None) -> list[tuple[Any, ...]]:
        assert self.urls.superuser is not None
        with psycopg.connect(self.urls.superuser) as conn:
            return conn.execute(statement, params).fetchall()


@pytest.fixture(scope="module")
def demo_db(pg_server: EmbeddedPostgres, template_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """One database with the demo loaded (its photos in a folder of its own), shared by the
    module's read-only tests."""
    name = clone_database(pg_server, template_db)
    photos = tmp_path_factory.mktemp("photos")
    try:
        urls = embedded_urls(pg_server, name)
        yield Demo(urls, seed_demo(urls.owner, photo_store=photos.as_uri()), photos)
    finally:
        drop_database(pg_server, name)


@pytest.fixture(scope="module")
def http(demo_db: Demo) -> Iterator[httpx.Client]:
    with serving(demo_db.urls) as client:
        yield client


def signed_in(http: httpx.Client, credential: Credential) -> dict[str, str]:
    response = http.post("/api/v1/auth/login", json={"email": credential.email, "password": credential.password})
    assert response.status_code == 200, response.text
    http.cookies.clear()
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_about_a_fifth_of_the_open_turns_are_overdue(demo_db: Demo) -> None:
    [(active, overdue)] = demo_db.query(
        "SELECT count(*), count(*) FILTER (WHERE expected_completion_date < current_date) FROM turns WHERE is_active"
    )
    assert 12 <= active <= 24, "a 60-home portfolio has a dozen or two homes between residents"
    assert 0.1 <= overdue / active <= 0.3
    [(stages,)] = demo_db.query("SELECT count(DISTINCT stage_id) FROM turns WHERE is_active")
    assert stages == 4, "every open stage has turns"


def test_nothing_happened_in_the_future(demo_db: Demo) -> None:
    columns = demo_db.query(
        "SELECT table_name, column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = 'public' AND table_name = ANY(%s) AND data_type IN ('date', 'timestamp with time zone')",
        (list(DEMO_TABLES),),
    )
    assert len(columns) > 30
    ahead = {}
    for table, column, kind in columns:
        limit = "current_date" if kind == "date" else "now()"
        [(count,)] = demo_db.query(f"SELECT count(*) FROM {table} WHERE {column} > {limit}")
        if count:
            ahead[(table, column)] = count
    assert set(ahead) <= FUTURE_ALLOWED, ahead
    assert ahead.get(("turns", "expected_completion_date"), 0) > 0, "open turns are due ahead"


def test_a_year_of_completed_turns_with_move_ins(demo_db: Demo) -> None:
    [(done, months, first, vacancy_known)] = demo_db.query(
        "SELECT count(*), count(DISTINCT date_trunc('month', turn_completion_date)),"
        " min(move_out_date) >= current_date - 365,"
        " (SELECT count(*) FROM properties p WHERE p.move_in_date > (SELECT min(t.move_out_date) FROM turns t"
        "   WHERE t.property_id = p.id AND NOT t.is_active))"
        " FROM turns WHERE NOT is_active"
    )
    assert done >= 36 and months >= 11 and first
    assert vacancy_known >= 30


def test_every_report_shows_data(demo_db: Demo, http: httpx.Client) -> None:
    for role in ("ADMIN", "PROPERTY_MANAGER"):
        headers = signed_in(http, demo_db.credentials[role])
        got = {}
        for report in REPORTS:
            response = http.get(f"/api/v1/reports/{report}", headers=headers)
            assert response.status_code == 200, (report, response.text)
            got[report] = response.json()
        assert got["turn-time"]["overall"]["count"] > 0 and len(got["turn-time"]["by_month"]) >= 6
        assert got["days-vacant"]["overall"]["count"] > 0 and got["days-vacant"]["overall"]["median"] > 0
        assert got["on-time"]["overall"]["completed"] > got["on-time"]["overall"]["on_time"] > 0
        cost = got["cost"]["overall"]
        assert cost["turns"] > 0 and cost["final"]["count"] > 0 and cost["change_orders"]["count"] > 0
        assert all(s["stays"] > 0 for s in got["stage-dwell"]["stages"] if s["stage"] != "Complete")
        assert got["pipeline"]["overall"]["total"] > 0 and len(got["pipeline"]["by_stage"]) >= 3
        assert any(v["completed"] > 0 for v in got["vendors"]["vendors"])
        assert any(row["total_turns"] > 0 for row in got["property-summary"]["items"])


def test_approvals_name_their_approvers_and_the_ho_queue_only_large_scopes(demo_db: Demo, http: httpx.Client) -> None:
    [(threshold,)] = demo_db.query("SELECT ho_approval_threshold FROM workflow_settings")
    ho_queue = http.get("/api/v1/approvals/queue", headers=signed_in(http, demo_db.credentials["HO_APPROVER"]))
    dfo_queue = http.get("/api/v1/approvals/queue", headers=signed_in(http, demo_db.credentials["DFO_APPROVER"]))
    assert ho_queue.status_code == dfo_queue.status_code == 200
    assert len(ho_queue.json()) >= 2 and len(dfo_queue.json()) >= 2
    assert all(Decimal(item["amount"]) > threshold for item in ho_queue.json())
    assert {item["status"] for item in ho_queue.json()} == {"HO_APPROVAL_NEEDED"}
    dfo, ho = (demo_db.credentials[r].email for r in ("DFO_APPROVER", "HO_APPROVER"))
    rows = demo_db.query(
        "SELECT t.scope_approval_status::text, t.turn_amount + coalesce(t.change_order_amount, 0),"
        " d.email, t.dfo_approval_datetime, h.email, t.ho_approval_datetime, t.scope_submitted_at,"
        " t.approval_requested_at, t.scope_approved_date"
        " FROM turns t LEFT JOIN users d ON d.id = t.dfo_approval_user_id"
        " LEFT JOIN users h ON h.id = t.ho_approval_user_id"
    )
    decided = {"DFO_APPROVED": 0, "HO_APPROVED": 0, "HO_APPROVAL_NEEDED": 0}
    for status, amount, by_dfo, dfo_at, by_ho, ho_at, submitted, requested, approved_on in rows:
        if status in decided:
            decided[status] += 1
            assert by_dfo == dfo and submitted < dfo_at
        if status == "DFO_APPROVED":
            assert amount <= threshold and by_ho is None and approved_on == dfo_at.date()
        if status == "HO_APPROVED":
            assert amount > threshold and by_ho == ho and dfo_at < ho_at and approved_on == ho_at.date()
        if status == "HO_APPROVAL_NEEDED":
            assert amount > threshold and requested == dfo_at and by_ho is None
    assert min(decided.values()) > 0, decided


def test_the_audit_trail_has_one_loaded_demo_data_entry_per_record(demo_db: Demo) -> None:
    """(Signing in, which other tests of the module do, records a user's last login.)"""
    for table in DEMO_TABLES:
        where = "WHERE email LIKE '%%@" + DEMO_DOMAIN + "'" if table == "users" else ""
        [(records,)] = demo_db.query(f"SELECT count(*) FROM {table} {where}")
        trail = demo_db.query(
            f"SELECT a.action::text, a.context, a.user_email, count(*) FROM {table} r"
            " JOIN audit_logs a ON a.table_name = %s AND a.record_id = r.id AND a.context <> 'login'"
            f" {where.replace('email', 'r.email')} GROUP BY 1, 2, 3",
            (table,),
        )
        assert records > 0
        assert trail == [("CREATE", DEMO_CONTEXT, "system@turns.invalid", records)], table
    assert demo_db.query(
        "SELECT count(*) FROM audit_logs WHERE context = %s AND action <> 'CREATE'", (DEMO_CONTEXT,)
    ) == [(0,)]
    assert demo_db.query("SELECT count(*) FROM email_outbox") == [(0,)], "loading the demo sends no e-mail"


def test_the_audit_api_shows_the_load_as_such(demo_db: Demo, http: httpx.Client) -> None:
    headers = signed_in(http, demo_db.credentials["PROPERTY_MANAGER"])
    turn = http.get("/api/v1/turns", headers=headers, params={"limit": 1}).json()["items"][0]
    trail = http.get("/api/v1/audit", headers=headers, params={"turn_id": turn["id"], "table_name": "turns"}).json()
    assert [(a["action"], a["context"]) for a in trail["items"]] == [("CREATE", DEMO_CONTEXT)]


def test_the_same_seed_and_day_give_the_same_portfolio(
    demo_db: Demo, pg_server: EmbeddedPostgres, template_db: str
) -> None:
    now = datetime.now().astimezone() - timedelta(days=40)
    projection = (
        "SELECT t.turn_id, p.property_id, p.move_in_date, p.move_out_date, t.move_out_date, t.turn_amount,"
        " t.change_order_amount, t.scope_approval_status::text, t.expected_completion_date, t.turn_completion_date,"
        " t.dfo_approval_datetime, (SELECT array_agg(concat_ws(' ', v.company_name, b.status, b.total, r.due_date,"
        "  b.submitted_at) ORDER BY v.company_name) FROM bids b JOIN bid_requests r ON r.id = b.request_id"
        "  JOIN vendors v ON v.id = b.vendor_id WHERE b.turn_id = t.id),"
        " (SELECT array_agg(h.changed_at ORDER BY h.changed_at) FROM turn_stage_history h"
        "  WHERE h.turn_id = t.id) FROM turns t JOIN properties p ON p.id = t.property_id ORDER BY t.turn_id"
    )
    loads = []
    for _ in range(2):
        name = clone_database(pg_server, template_db)
        try:
            urls = embedded_urls(pg_server, name)
            seed_demo(urls.owner, now=now)
            loads.append(Demo(urls, []).query(projection))
        finally:
            drop_database(pg_server, name)
    assert loads[0] == loads[1] and len(loads[0]) > 50
    assert sum(1 for row in loads[0] if row[-2]) > 10, "the bids are part of it"
    latest = max(max(row[-1]) for row in loads[0])
    assert now - timedelta(days=5) < latest < now, "dated relative to the day it was loaded"


def test_every_turn_with_an_amount_has_lines_that_add_up_to_it(demo_db: Demo) -> None:
    rows = demo_db.query(
        "SELECT t.turn_id, t.turn_amount, t.scope_approval_status::text, count(l.id), sum(l.amount),"
        " bool_and(l.amount = round(l.quantity * l.unit_cost, 2)), bool_and(l.property_id = t.property_id),"
        " count(l.approved_amount) FILTER (WHERE l.approved_amount = l.amount)"
        " FROM turns t LEFT JOIN scope_lines l ON l.turn_id = t.id GROUP BY t.id"
    )
    priced = [r for r in rows if r[1] is not None]
    assert len(priced) > 100
    for turn_id, amount, status, lines, total, priced_right, same_property, approved in priced:
        assert lines >= 2 and total == amount, turn_id
        assert priced_right and same_property, turn_id
        assert approved == (lines if status in ("DFO_APPROVED", "HO_APPROVED") else 0), turn_id
    assert all(r[3] == 0 for r in rows if r[1] is None), "a turn with no amount has no lines"
    trades = dict(demo_db.query("SELECT trade, count(*) FROM scope_lines GROUP BY trade"))
    assert {"PAINT", "FLOORING", "CLEANING", "APPLIANCES"} <= set(trades)
    [(charged, halves)] = demo_db.query(
        "SELECT count(*), count(*) FILTER (WHERE chargeback_amount * 2 BETWEEN amount - 0.01 AND amount + 0.01)"
        " FROM scope_lines WHERE chargeback"
    )
    assert 5 <= charged == halves


def test_lines_go_to_vendors_that_do_the_trade(demo_db: Demo) -> None:
    wrong = demo_db.query(
        "SELECT l.trade, v.company_name FROM scope_lines l JOIN vendors v ON v.id = l.vendor_id"
        " WHERE NOT l.trade = ANY(v.trades) AND l.vendor_id IS DISTINCT FROM"
        " (SELECT t.vendor_id FROM turns t WHERE t.id = l.turn_id)"
    )
    assert wrong == [], "a line goes to another vendor only when that one does its trade"
    [(own,)] = demo_db.query(
        "SELECT count(*) FROM scope_lines l JOIN vendors v ON v.id = l.vendor_id WHERE l.trade = ANY(v.trades)"
    )
    assert own > 100


def test_some_scopes_have_before_and_after_photos_in_the_store(demo_db: Demo) -> None:
    photos = demo_db.query(
        "SELECT p.storage_key, p.phase, p.byte_size, l.turn_id = p.turn_id, l.status FROM photos p"
        " JOIN scope_lines l ON l.id = p.subject_id WHERE p.subject = 'scope_line'"
    )
    [(everything,)] = demo_db.query("SELECT count(*) FROM photos")
    assert everything == len(photos) >= 10
    assert {phase for _, phase, *_ in photos} == {"before", "after"}
    assert demo_db.photos is not None
    for key, phase, size, same_turn, status in photos:
        assert same_turn and (phase == "before" or status == "DONE")
        original = demo_db.photos / key / "original"
        assert original.stat().st_size == size
        assert original.read_bytes()[:3] == b"\xff\xd8\xff"
        assert (demo_db.photos / key / "thumb").read_bytes()[8:12] == b"WEBP"


def test_settled_bids_were_won_at_the_lines_prices_before_the_work_began(demo_db: Demo) -> None:
    [(settled, asked, quoted, wrong_price, late_due, three)] = demo_db.query(
        "SELECT count(DISTINCT r.id), count(b.id), count(b.id) FILTER (WHERE b.total IS NOT NULL),"
        " (SELECT count(*) FROM bid_prices p JOIN bids w ON w.id = p.bid_id AND w.status = 'AWARDED'"
        "   JOIN scope_lines l ON l.id = p.scope_line_id"
        "   WHERE l.unit_cost <> p.unit_cost OR l.vendor_id <> w.vendor_id),"
        " count(DISTINCT r.id) FILTER (WHERE r.due_date > t.turn_assignment_date),"
        " (SELECT count(*) FROM bid_requests x WHERE x.status = 'AWARDED' AND (SELECT count(*) FROM bids y"
        "   WHERE y.request_id = x.id) = 3)"
        " FROM bid_requests r JOIN bids b ON b.request_id = r.id JOIN turns t ON t.id = r.turn_id"
        " WHERE r.status = 'AWARDED'"
    )
    assert settled >= 10 and settled * 2 <= asked <= settled * 3 and quoted > settled
    assert wrong_price == 0, "an awarded bid's prices are its lines' unit costs, its vendor theirs"
    assert late_due == 0, "bids were due before the work began"
    assert three > 0
    [(losers_higher,)] = demo_db.query(
        "SELECT bool_and(l.total > w.total) FROM bids l JOIN bid_requests r ON r.id = l.request_id"
        " JOIN bids w ON w.id = r.awarded_bid_id WHERE l.status = 'LOST' AND l.total IS NOT NULL"
    )
    assert losers_higher
    wrong_trade = demo_db.query(
        "SELECT v.company_name, l.trade, p.market FROM bids b JOIN vendors v ON v.id = b.vendor_id"
        " JOIN bid_request_lines l ON l.request_id = b.request_id JOIN properties p ON p.id = ("
        "  SELECT t.property_id FROM turns t WHERE t.id = b.turn_id)"
        " WHERE NOT l.trade = ANY(v.trades) OR NOT p.market = ANY(v.markets)"
    )
    assert wrong_trade == [], "the vendors asked do the trade and serve the market"


def test_the_scorecards_count_bids_asked_quoted_and_won(demo_db: Demo, http: httpx.Client) -> None:
    headers = signed_in(http, demo_db.credentials["ADMIN"])
    response = http.get("/api/v1/reports/vendors", headers=headers)
    assert response.status_code == 200, response.text
    cards = [v for v in response.json()["vendors"] if v["bids_requested"]]
    assert len(cards) >= 4
    assert sum(1 for v in cards if v["bids_quoted"] and v["bids_awarded"]) >= 3
    assert any(0 < v["win_rate"] < 1 for v in cards if v["win_rate"] is not None)
    assert sum(v["bids_declined"] + v["bids_unanswered"] for v in cards) > 0
    assert sum(v["bids_awaiting"] for v in cards) > 0, "the open requests wait for answers"
    won = [v for v in cards if v["bids_awarded"]]
    assert all(Decimal(v["awarded_actual"]) >= Decimal(v["awarded_quotes"]) > 0 for v in won)


def test_the_demo_vendor_has_a_request_to_price_and_one_it_won(demo_db: Demo, http: httpx.Client) -> None:
    headers = signed_in(http, demo_db.credentials["VENDOR"])
    company = http.get("/api/v1/auth/me", headers=headers).json()["vendor_id"]
    response = http.get("/api/v1/bids", headers=headers)
    assert response.status_code == 200, response.text
    to_price = [
        r
        for r in response.json()["items"]
        if not r["overdue"] and [b["status"] for b in r["bids"] if b["vendor_id"] == company] == ["INVITED"]
    ]
    assert to_price, "a vendor signing in has a bid request to price"
    assert all(len(r["lines"]) >= 1 and r["status"] == "OPEN" for r in to_price)
    everything = http.get("/api/v1/bids", headers=headers, params={"open": "false"}).json()["items"]
    assert any(b["status"] == "AWARDED" and b["vendor_id"] == company for r in everything for b in r["bids"])
    unread = http.get("/api/v1/notifications", headers=headers).json()["items"]
    assert any(n["kind"] == "bid_invited" and not n["is_read"] for n in unread)
    history = http.get("/api/v1/notifications", headers=headers, params={"limit": 200}).json()["items"]
    assert any(n["kind"] == "bid_awarded" and n["title"].startswith("Bid won: ") for n in history)
