"""The readable form of exports: names for ids, labels for codes, dates, money and, in a
PDF, a title, the filters, the time, page numbers and totals; never a name whose id the
reader may not read."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

import httpx
import openpyxl
import pytest

from tests.exports.helpers import read_csv, read_pdf, xlsx_text
from tests.fixtures.api import token
from tests.fixtures.factory import Factory, User
from turns.access.columns import readable_columns
from turns.exports.datasets import RESOURCES
from turns.exports.formats import PDF_ROWS_PER_PAGE


@dataclass
class Scene:
    admin: User
    vendor_user: User
    approver: User
    turn: UUID
    address: str
    stage: str


def _scene(factory: Factory) -> Scene:
    admin = factory.user("ADMIN")
    manager = factory.user("PROPERTY_MANAGER", first_name="Maria", last_name="Lopez")
    approver = factory.user("DFO_APPROVER", first_name="Dana", last_name="Okafor")
    superintendent = factory.user("INSPECTOR", first_name="Sam", last_name="Reyes")
    vendor = factory.vendor(company_name="Brightline Painting LLC")
    flooring = factory.vendor(company_name="Floors By Ortiz")
    vendor_user = factory.user("VENDOR", vendor_id=vendor)
    power = factory.insert("utility_providers", name="Georgia Power", utility_type="POWER")
    home = factory.property(manager, street_address="418 Magnolia Ave", city="Decatur", state="GA", market="Tampa")
    turn = factory.turn(
        home,
        stage=2,
        move_out_date=date(2026, 12, 6),
        turn_amount=Decimal("1234.50"),
        approved_turn_amount=Decimal("1200.00"),
        vendor_id=vendor,
        flooring_vendor_id=flooring,
        turns_superintendent_id=superintendent.id,
        dfo_approval_user_id=approver.id,
        scope_approval_status="DFO_APPROVED",
        power_status="YES",
        water_status="NO",
        gas_status="PENDING",
        power_provider_id=power,
    )
    (stage,) = factory.query("SELECT name FROM turn_stages WHERE display_order = 2")[0]
    return Scene(admin, vendor_user, approver, turn, "418 Magnolia Ave, Decatur, GA", stage)


def _by_header(body: bytes) -> list[dict[str, str]]:
    header, *rows = read_csv(body)
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_a_readable_csv_has_names_labels_dates_and_money(api: httpx.Client, factory: Factory) -> None:
    scene = _scene(factory)
    headers = token(api, scene.admin)

    response = api.get("/api/v1/exports/turns.csv", params={"market": "Tampa"}, headers=headers)
    us = api.get("/api/v1/exports/turns.csv", params={"market": "Tampa", "date_format": "us"}, headers=headers)

    assert response.status_code == 200, response.text
    (row,) = _by_header(response.content)
    assert row["Property"] == scene.address
    assert row["Stage"] == scene.stage
    assert row["Vendor"] == "Brightline Painting LLC"
    assert row["Flooring vendor"] == "Floors By Ortiz"
    assert row["Superintendent"] == "Sam Reyes"
    assert row["DFO approver"] == "Dana Okafor"
    assert row["Scope approval"] == "DFO approved"
    assert (row["Power"], row["Water"], row["Gas"]) == ("On", "Off", "Pending")
    assert row["Power provider"] == "Georgia Power"
    assert row["Water provider"] == ""
    assert (row["Turn amount"], row["Approved turn amount"], row["Change order amount"]) == ("1234.50", "1200.00", "")
    assert row["Move-out date"] == "2026-12-06"
    assert row["Active"] == "Yes"
    assert row["Created at"].endswith(" UTC")
    assert "id" not in row and "version" not in row
    assert _by_header(us.content)[0]["Move-out date"] == "12/06/2026"


def test_a_vendors_trades_and_markets_read_as_words(api: httpx.Client, factory: Factory) -> None:
    factory.vendor(company_name="Export Co", trades=["PAINT", "FLOORING", "HVAC"], markets=["Dallas", "Tampa"])
    response = api.get("/api/v1/exports/vendors.csv", headers=token(api, factory.user("ADMIN")))
    assert response.status_code == 200, response.text
    (row,) = [r for r in _by_header(response.content) if r["Company name"] == "Export Co"]
    assert (row["Trades"], row["Markets"]) == ("Paint, Flooring, HVAC", "Dallas, Tampa")


def test_a_readable_workbook_has_date_and_money_cells(api: httpx.Client, factory: Factory) -> None:
    scene = _scene(factory)
    headers = token(api, scene.admin)

    response = api.get("/api/v1/exports/turns.xlsx", params={"market": "Tampa", "date_format": "eu"}, headers=headers)

    assert response.status_code == 200, response.text
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet.title == "Turns"
    header = [c.value for c in sheet[1]]
    cells = {h: c for h, c in zip(header, sheet[2], strict=True)}
    assert cells["Property"].value == scene.address
    assert cells["Vendor"].value == "Brightline Painting LLC"
    assert cells["Scope approval"].value == "DFO approved"
    assert cells["Power"].value == "On"
    assert cells["Move-out date"].value == datetime(2026, 12, 6)
    assert cells["Move-out date"].number_format == "dd/mm/yyyy"
    assert cells["Turn amount"].value == 1234.5
    assert cells["Turn amount"].number_format == '"$"#,##0.00'
    assert isinstance(cells["Created at"].value, datetime)
    assert cells["Created at"].number_format == "dd/mm/yyyy hh:mm"


def test_a_vendor_gets_no_name_or_label_of_a_column_it_may_not_read(api: httpx.Client, factory: Factory) -> None:
    scene = _scene(factory)
    headers = token(api, scene.vendor_user)
    answers = {fmt: api.get(f"/api/v1/exports/turns.{fmt}", headers=headers) for fmt in ("csv", "xlsx", "pdf")}

    assert all(r.status_code == 200 for r in answers.values())
    (row,) = _by_header(answers["csv"].content)
    readable = readable_columns("turns", "VENDOR")
    expected = [f.header for f in RESOURCES["turns"].fields if f.source in readable]
    assert list(row) == expected
    for hidden in ("DFO approver", "Scope approval", "Turn amount", "Approved turn amount", "Superintendent"):
        assert hidden not in row
    assert row["Property"] == scene.address
    assert row["Vendor"] == "Brightline Painting LLC"
    # Row-level security decides the names too: another vendor's company is not the vendor's to read.
    assert row["Flooring vendor"] == ""
    texts = [answers["csv"].text, xlsx_text(answers["xlsx"].content), read_pdf(answers["pdf"].content)[1]]
    for text in texts:
        for secret in ("Dana Okafor", "DFO approved", "1234.50", "1,234.50", "Sam Reyes", "Floors By Ortiz"):
            assert secret not in text
    # The rows counted (for the audit and the stream limit) are the rows each file holds.
    counted = factory.query(
        "SELECT metadata->>'format', metadata->>'rows' FROM audit_logs WHERE user_id = %s AND action = 'EXPORT'",
        (scene.vendor_user.id,),
    )
    assert sorted(counted) == [("csv", "1"), ("pdf", "1"), ("xlsx", "1")]


def test_a_readable_pdf_has_title_filters_pages_and_totals(api: httpx.Client, factory: Factory) -> None:
    admin = factory.user("ADMIN")
    vendor_user = factory.user("VENDOR")
    home = factory.property(market="Tampa")
    count = PDF_ROWS_PER_PAGE + 3
    for n in range(count):
        factory.turn(home, turn_amount=Decimal("100.25") + n, vendor_id=vendor_user.vendor_id)
    total = sum(Decimal("100.25") + n for n in range(count))

    response = api.get("/api/v1/exports/turns.pdf", params={"market": "Tampa"}, headers=token(api, admin))
    vendors = api.get("/api/v1/exports/turns.pdf", params={"market": "Tampa"}, headers=token(api, vendor_user))

    assert response.status_code == 200, response.text
    pages, text = read_pdf(response.content)
    assert pages == 2
    assert text.startswith("Turns")
    assert "Filters: Market: Tampa" in text
    assert "Made 20" in text and " UTC" in text
    assert "Page 1 of 2" in text and "Page 2 of 2" in text
    assert f"Total: {count} rows" in text
    assert f"Turn amount: ${total:,.2f}" in text
    assert "$100.25" in text
    # The vendor's PDF counts its rows but sums no amount: it may not read them.
    _, vendor_text = read_pdf(vendors.content)
    assert f"Total: {count} rows" in vendor_text
    assert "Turn amount" not in vendor_text and "$" not in vendor_text


def test_raw_is_the_machine_form(api: httpx.Client, factory: Factory) -> None:
    scene = _scene(factory)
    headers = token(api, scene.admin)

    raw = read_csv(
        api.get("/api/v1/exports/turns.csv", params={"market": "Tampa", "raw": "true"}, headers=headers).content
    )

    row = dict(zip(raw[0], raw[1], strict=True))
    assert raw[0] == RESOURCES["turns"].columns("ADMIN")
    assert row["id"] == str(scene.turn)
    assert row["scope_approval_status"] == "DFO_APPROVED"
    assert row["power_status"] == "YES"
    assert row["turn_amount"] == "1234.50"
    assert row["dfo_approval_user_id"] == str(scene.approver.id)


@pytest.mark.parametrize("params", [{"date_format": "klingon"}, {"raw": "perhaps"}])
def test_bad_options_are_problems(api: httpx.Client, factory: Factory, params: dict[str, str]) -> None:
    response = api.get("/api/v1/exports/vendors.csv", params=params, headers=token(api, factory.user("ADMIN")))

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
