"""The reports page in a real browser: the figures are the API's for that user, the charts
are drawn, and an export downloads the rows the report counts (and is audited)."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import psycopg
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.exports.conftest import RunningWorker
from tests.exports.helpers import read_csv
from tests.fixtures.web import Person
from tests.web.helpers import ApiUser
from turns.db.context import SET_CONTEXT_SQL, system_actor
from turns.db.urls import DatabaseUrls
from turns.seed.demo import Credential

# Column headings of the pipeline tables (with an en dash, as the page writes ranges) and their fields.
BUCKETS = {
    "Active": "total",
    "0\u20137 days": "days_0_7",
    "8\u201314 days": "days_8_14",
    "15\u201330 days": "days_15_30",
    "Over 30 days": "days_over_30",
    "No move-out date": "no_move_out",
}
# A chart counts as drawn when its canvas has a pixel that is not transparent.
DRAWN = """canvas => {
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height)
  for (let i = 3; i < data.length; i += 4) if (data[i]) return true
  return false
}"""


@pytest.fixture
def large_exports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Exports of more than five rows run in the background (asked for before the server starts)."""
    monkeypatch.setenv("TURNS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TURNS_EXPORT_STREAM_LIMIT", "5")


def _shown(value: float | None) -> str:
    """A duration as the page shows it: at most one decimal, rounded half up."""
    if value is None:
        return "—"
    return str(Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP).normalize())


def _row(page: Page, table: str, name: str) -> Locator:
    rows = page.get_by_role("table", name=table).locator("tbody tr")
    return rows.filter(has=page.get_by_role("rowheader", name=name, exact=True))


def _open_reports(person: Person) -> Page:
    person.page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    expect(person.page.locator('.report[aria-busy="true"]')).to_have_count(0)
    return person.page


def test_reports_show_the_users_figures_and_draw_their_charts(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    api = api_as(demo["PROPERTY_MANAGER"])
    pipeline = api.get("/api/v1/reports/pipeline")
    turn_time = api.get("/api/v1/reports/turn-time")
    dwell = api.get("/api/v1/reports/stage-dwell")
    person = sign_in(demo["PROPERTY_MANAGER"])
    page = _open_reports(person)

    by_stage = "Active turns by stage and days since move-out"
    for stage in [*pipeline["by_stage"], {**pipeline["overall"], "stage": "All"}]:
        row = _row(page, by_stage, stage["stage"])
        for label, field in BUCKETS.items():
            expect(row.locator(f'[data-label="{label}"]')).to_have_text(str(stage[field]))
    overall = turn_time["overall"]
    assert overall["count"] > 0
    row = _row(page, "Turn time in days, by month of completion", "All")
    expect(row.locator('[data-label="Turns"]')).to_have_text(str(overall["count"]))
    expect(row.locator('[data-label="Median (days)"]')).to_have_text(_shown(overall["median"]))
    expect(row.locator('[data-label="90th percentile (days)"]')).to_have_text(_shown(overall["p90"]))
    for stage in dwell["stages"]:
        row = _row(page, "Time in each stage, in hours", stage["stage"])
        expect(row.locator('[data-label="Waiting now"]')).to_have_text(str(stage["waiting"]))

    trades = api.get("/api/v1/reports/cost-by-trade")["trades"]
    for trade in trades:
        row = _row(page, "Cost of the completed turns by trade", trade["label"])
        expect(row.locator('[data-label="Lines"]')).to_have_text(str(trade["lines"]))
    charged = api.get("/api/v1/reports/chargebacks")["by_month"]
    # The demo's completed turns have move-ins: days vacant is drawn too; the scope reports when
    # the demo's turns have scope lines.
    drawn = 8 + bool(trades) + bool(charged)
    charts = page.locator(".chart canvas")
    expect(charts).to_have_count(drawn)
    assert charts.evaluate_all(f"canvases => canvases.map({DRAWN})") == [True] * drawn
    for chart in charts.all():
        description = page.locator(f"#{chart.get_attribute('aria-describedby')}")
        expect(description).not_to_be_empty()
    person.screenshot("reports")

    # The scorecards show each vendor's bids, won work and visits as the API counts them.
    cards = api.get("/api/v1/reports/vendors")["vendors"]
    visited = next(card for card in cards if card["visits_scheduled"])
    row = _row(page, "Bids, won work and visits per vendor", visited["company_name"])
    expect(row.locator('[data-label="Bids asked"]')).to_have_text(str(visited["bids_requested"]))
    expect(row.locator('[data-label="Visits done"]')).to_have_text(
        f"{visited['visits_done']} of {visited['visits_scheduled']}"
    )
    row.scroll_into_view_if_needed()
    person.screenshot("reports-scorecards")

    page.get_by_label("Market").select_option("Atlanta")
    atlanta = api.get("/api/v1/reports/pipeline", market="Atlanta")["overall"]
    assert atlanta["total"] < pipeline["overall"]["total"]
    expect(_row(page, by_stage, "All").locator('[data-label="Active"]')).to_have_text(str(atlanta["total"]))


def test_a_report_exports_the_turns_it_counts_and_the_export_is_audited(
    sign_in: Callable[..., Person], api_as: Callable[[Credential], ApiUser], demo: dict[str, Credential]
) -> None:
    api = api_as(demo["PROPERTY_MANAGER"])
    active = api.active_turns()
    page = _open_reports(sign_in(demo["PROPERTY_MANAGER"]))
    group = page.get_by_role("group", name="Export the turns of Pipeline:")

    with page.expect_download() as download:
        group.get_by_role("button", name="CSV").click()

    assert download.value.suggested_filename.startswith("turns-")
    rows = read_csv(Path(download.value.path()).read_bytes())
    turn_id = rows[0].index("Turn ID")
    assert sorted(row[turn_id] for row in rows[1:]) == sorted(active)
    expect(group.get_by_role("status")).to_have_text(f"Downloaded {download.value.suggested_filename}.")
    audit = api.get("/api/v1/audit", action="EXPORT", table_name="turns")["items"]
    assert len(audit) == 1
    assert audit[0]["user_email"] == demo["PROPERTY_MANAGER"].email
    assert audit[0]["metadata"]["format"] == "csv"
    assert audit[0]["metadata"]["filters"] == {"active": True}
    assert audit[0]["metadata"]["rows"] == len(active)


def test_a_large_export_runs_in_the_background_then_offers_its_file(
    large_exports: None,
    sign_in: Callable[..., Person],
    api_as: Callable[[Credential], ApiUser],
    demo: dict[str, Credential],
    db: DatabaseUrls,
) -> None:
    turns = api_as(demo["ADMIN"]).items("/api/v1/turns")
    page = _open_reports(sign_in(demo["ADMIN"]))
    group = page.get_by_role("group", name="Turns:")

    with RunningWorker(db):
        group.get_by_role("button", name="CSV").click()
        link = group.get_by_role("link", name=re.compile("^Download the CSV file"))
        # The job runs in the worker's own time: on a busy machine that is more than a few seconds.
        expect(link).to_have_text(f"Download the CSV file ({len(turns)} rows)", timeout=60_000)
        with page.expect_download() as download:
            link.click()

    rows = read_csv(Path(download.value.path()).read_bytes())
    turn_id = rows[0].index("Turn ID")
    assert sorted(row[turn_id] for row in rows[1:]) == sorted(t["turn_id"] for t in turns)


def test_an_operator_with_many_vendors_sees_the_busiest_first_a_hundred_at_a_time(
    sign_in: Callable[..., Person],
    api_as: Callable[[Credential], ApiUser],
    demo: dict[str, Credential],
    db: DatabaseUrls,
) -> None:
    """Scorecards of 120 vendors: the chart draws the fifteen with the most jobs, each table the
    first hundred cards from the busiest down, then the rest (up to a hundred more) when asked."""
    with psycopg.connect(db.owner) as conn:
        conn.execute(SET_CONTEXT_SQL, system_actor("test").params())
        conn.execute(
            """INSERT INTO vendors (company_name, is_active, is_approved, total_jobs, trades, markets)
            SELECT format('Crew %s Services', lpad(i::text, 3, '0')), true, true, 0, '{GENERAL}', '{Atlanta}'
            FROM generate_series(1, 110) AS i"""
        )
        # Every turn goes to one of them, round-robin: the first crews get the most jobs.
        conn.execute(
            """UPDATE turns SET vendor_id = crew.id
            FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS n FROM turns) AS numbered,
                 (SELECT id, row_number() OVER (ORDER BY company_name) AS n
                  FROM vendors WHERE company_name LIKE 'Crew %') AS crew
            WHERE turns.id = numbered.id AND crew.n = (numbered.n - 1) % 110 + 1"""
        )
    cards = api_as(demo["ADMIN"]).get("/api/v1/reports/vendors")["vendors"]
    assert 100 < len(cards) <= 200
    busiest = sorted(cards, key=lambda card: (-card["jobs"], card["company_name"]))
    assert busiest[0]["jobs"] > busiest[-1]["jobs"]

    admin = sign_in(demo["ADMIN"])
    page = _open_reports(admin)
    chart = page.get_by_role("img", name="Jobs of the 15 vendors with the most, active and completed")
    expect(chart).to_be_visible()
    assert chart.evaluate(DRAWN)
    expect(page.get_by_text(f"{len(cards)} vendors have a scorecard; {busiest[0]['company_name']} has")).to_be_visible()
    table = page.get_by_role("table", name="Vendor scorecards")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(100)
    jobs = [int(text) for text in rows.locator('[data-label="Jobs"]').all_inner_texts()]
    assert jobs == [card["jobs"] for card in busiest[:100]]
    more = page.locator("figure", has=table).locator(".table-more")
    expect(more).to_have_text(f"100 of {len(cards)} rows shown. Show {len(cards) - 100} more")
    chart.scroll_into_view_if_needed()
    admin.screenshot("reports-many-vendors")
    more.get_by_role("button", name=f"Show {len(cards) - 100} more").click()
    expect(rows).to_have_count(len(cards))
    expect(more).to_have_count(0)

    # Sorted by a figure, the order is over every card, not only those drawn.
    table.get_by_role("button", name="Jobs").click()
    fewest = min(card["jobs"] for card in cards)
    expect(rows.first.locator('[data-label="Jobs"]')).to_have_text(str(fewest))

    phone = sign_in(demo["ADMIN"], phone=True)
    cards_on_phone = _open_reports(phone).get_by_role("table", name="Vendor scorecards").locator("tbody tr")
    expect(cards_on_phone).to_have_count(100)
    phone.page.locator("figure", has=phone.page.get_by_role("table", name="Vendor scorecards")).locator(
        ".table-more"
    ).scroll_into_view_if_needed()
    phone.screenshot("reports-many-vendors-phone")


def test_reports_are_not_for_vendor_users(sign_in: Callable[..., Person], demo: dict[str, Credential]) -> None:
    vendor = sign_in(demo["VENDOR"])
    expect(vendor.page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports")).to_have_count(0)

    vendor.page.goto("/#/reports")

    expect(vendor.page.get_by_text("Reports are not for your role")).to_be_visible()
    expect(vendor.page.locator(".chart")).to_have_count(0)
