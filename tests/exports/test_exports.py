import subprocess
import sys
import tracemalloc
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import httpx
import psycopg
import pytest

from tests.exports.helpers import as_csv, as_xlsx, read_csv, read_pdf, read_xlsx, xlsx_text
from tests.fixtures.api import token
from tests.fixtures.factory import Factory
from turns.exports import service as export_service
from turns.exports.datasets import RESOURCES
from turns.exports.formats import PDF_ROWS_PER_PAGE

LOCK_BOX_CODE = "LBX-73519"
RAW = {"raw": "true"}


def _export_rows(factory: Factory, user_id: UUID) -> list[tuple[Any, ...]]:
    return factory.query(
        "SELECT table_name, action::text, context, metadata FROM audit_logs"
        " WHERE user_id = %s AND action = 'EXPORT' ORDER BY created_at",
        (user_id,),
    )


def _db_rows(factory: Factory, table: str, columns: list[str], where: str, params: Any, order: str) -> list[Any]:
    return factory.query(f"SELECT {', '.join(columns)} FROM {table} WHERE {where} ORDER BY {order}", params)


def test_properties_csv_round_trip_and_audit(api: httpx.Client, factory: Factory) -> None:
    admin = factory.user("ADMIN")
    manager = factory.user("PROPERTY_MANAGER")
    ids = [
        factory.property(manager, market="Tampa", bedrooms=Decimal("3.5"), move_out_date=date(2026, 3, 1))
        for _ in range(3)
    ]
    factory.property(manager, market="Atlanta")
    headers = token(api, admin)

    response = api.get("/api/v1/exports/properties.csv", params={"market": "Tampa", **RAW}, headers=headers)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith('attachment; filename="properties-')
    rows = read_csv(response.content)
    columns = RESOURCES["properties"].columns("ADMIN")
    assert rows[0] == columns
    expected = _db_rows(factory, "properties", columns, "id = ANY(%s)", (ids,), "property_id, id")
    assert rows[1:] == [[as_csv(v) for v in row] for row in expected]
    audit = _export_rows(factory, admin.id)
    assert len(audit) == 1
    table, action, context, metadata = audit[0]
    assert (table, action, context) == ("properties", "EXPORT", "export")
    assert metadata == {
        "format": "csv",
        "filters": {"market": "Tampa"},
        "rows": 3,
        "background": False,
        "resource": "properties",
        "raw": True,
    }
    assert factory.query("SELECT record_id::text FROM audit_logs WHERE action = 'EXPORT'") == [
        (response.headers["x-export-id"],)
    ]


def test_turns_xlsx_round_trip_without_lock_box_codes(api: httpx.Client, factory: Factory) -> None:
    admin = factory.user("ADMIN")
    prop = factory.property()
    turn_ids = [
        factory.turn(prop, primary_lock_box_code=LOCK_BOX_CODE, move_out_date=date(2026, 1, n + 1)) for n in range(4)
    ]
    headers = token(api, admin)

    response = api.get("/api/v1/exports/turns.xlsx", params={"property_id": str(prop), **RAW}, headers=headers)

    assert response.status_code == 200, response.text
    rows = read_xlsx(response.content)
    columns = RESOURCES["turns"].columns("ADMIN")
    assert "primary_lock_box_code" not in columns
    assert rows[0] == columns
    expected = _db_rows(factory, "turns", columns, "id = ANY(%s)", (turn_ids,), "created_at DESC, id DESC")
    for got, want in zip(rows[1:], expected, strict=True):
        assert dict(zip(columns, got, strict=True)) == dict(zip(columns, map(as_xlsx, want), strict=True))
    assert LOCK_BOX_CODE not in xlsx_text(response.content)


def test_no_export_format_contains_a_lock_box_code(api: httpx.Client, factory: Factory, db: Any) -> None:
    admin = factory.user("ADMIN")
    prop = factory.property()
    turn = factory.turn(prop, primary_lock_box_code=LOCK_BOX_CODE)
    headers = token(api, admin)
    bodies = {
        (fmt, raw): api.get(f"/api/v1/exports/turns.{fmt}", params={"raw": raw}, headers=headers)
        for fmt in ("csv", "xlsx", "pdf")
        for raw in ("true", "false")
    }
    audit = api.get("/api/v1/exports/audit.csv", params={"turn_id": str(turn), **RAW}, headers=headers)
    readable_audit = api.get("/api/v1/exports/audit.csv", params={"turn_id": str(turn)}, headers=headers)

    assert all(r.status_code == 200 for r in [*bodies.values(), audit, readable_audit])
    for raw in ("true", "false"):
        assert LOCK_BOX_CODE not in bodies["csv", raw].text
        assert LOCK_BOX_CODE not in xlsx_text(bodies["xlsx", raw].content)
        assert LOCK_BOX_CODE not in read_pdf(bodies["pdf", raw].content)[1]
    assert LOCK_BOX_CODE not in readable_audit.text
    assert LOCK_BOX_CODE not in audit.text
    # As in the audit viewer, the turn's CREATE row names the field among the changed ones
    # and leaves the column, which nobody reads, out of its values.
    header, *rows = read_csv(audit.content)
    (created,) = [r for r in (dict(zip(header, row, strict=True)) for row in rows) if r["table_name"] == "turns"]
    assert "primary_lock_box_code" in created["changed_fields"]
    assert "primary_lock_box_code" not in created["new_values"]
    # The application role, which every export runs as, cannot read the column at all.
    with psycopg.connect(db.app) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT primary_lock_box_code FROM turns")


def test_pdf_has_every_row_on_the_right_number_of_pages(api: httpx.Client, factory: Factory) -> None:
    admin = factory.user("ADMIN")
    count = PDF_ROWS_PER_PAGE * 2 + 5
    ids = [factory.property(market="Reno") for _ in range(count)]
    headers = token(api, admin)

    response = api.get("/api/v1/exports/properties.pdf", params={"market": "Reno", **RAW}, headers=headers)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    pages, text = read_pdf(response.content)
    assert pages == 3
    codes = [r[0] for r in _db_rows(factory, "properties", ["property_id"], "id = ANY(%s)", (ids,), "property_id")]
    assert [code for code in codes if code not in text] == [], text[:500]
    assert text.count("Test Home") == count
    assert "Page 3 of 3" in text


def test_exports_hold_only_what_the_user_may_see(api: httpx.Client, factory: Factory) -> None:
    manager = factory.user("PROPERTY_MANAGER")
    other = factory.user("PROPERTY_MANAGER")
    vendor = factory.user("VENDOR")
    mine = factory.property(manager)
    theirs = factory.property(other)
    assigned = factory.turn(mine, vendor_id=vendor.vendor_id)
    factory.turn(theirs)
    factory.vendor(company_name="Someone Else Inc")

    as_manager = read_csv(api.get("/api/v1/exports/properties.csv", params=RAW, headers=token(api, manager)).content)
    vendor_headers = token(api, vendor)
    as_vendor = read_csv(api.get("/api/v1/exports/turns.csv", params=RAW, headers=vendor_headers).content)
    vendors = read_csv(api.get("/api/v1/exports/vendors.csv", params=RAW, headers=vendor_headers).content)

    assert [row[0] for row in as_manager[1:]] == [str(mine)]
    assert as_vendor[0] == RESOURCES["turns"].columns("VENDOR")
    assert "turn_amount" not in as_vendor[0]
    assert [row[0] for row in as_vendor[1:]] == [str(assigned)]
    assert [row[0] for row in vendors[1:]] == [str(vendor.vendor_id)]
    # Filtering on a column the role may not read is refused, not silently applied.
    refused = api.get("/api/v1/exports/turns.csv", params={"approval_status": "PENDING"}, headers=vendor_headers)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert len(_export_rows(factory, vendor.id)) == 2


def test_bad_requests_are_problems_and_write_nothing(api: httpx.Client, factory: Factory) -> None:
    admin = factory.user("ADMIN")
    headers = token(api, admin)
    before = factory.query("SELECT count(*) FROM audit_logs")

    unauthenticated = api.get("/api/v1/exports/properties.csv")
    bad_format = api.get("/api/v1/exports/properties.docx", headers=headers)
    bad_filter = api.get("/api/v1/exports/properties.csv", params={"bedrooms": "3"}, headers=headers)
    bad_value = api.get("/api/v1/exports/turns.csv", params={"move_out_from": "soon"}, headers=headers)
    nul = api.get("/api/v1/exports/vendors.csv", params={"city": "Fargo\x00"}, headers=headers)
    unknown = api.get("/api/v1/exports/users.csv", headers=headers)

    assert unauthenticated.status_code == 401
    assert [r.status_code for r in (bad_format, bad_filter, bad_value, nul)] == [422, 422, 422, 422]
    assert unknown.status_code == 404
    for response in (unauthenticated, bad_format, bad_filter, bad_value, nul, unknown):
        assert response.headers["content-type"] == "application/problem+json"
    assert factory.query("SELECT count(*) FROM audit_logs") == before


def test_spreadsheet_formulas_are_neutralised(api: httpx.Client, factory: Factory) -> None:
    admin = factory.user("ADMIN")
    factory.vendor(company_name='=HYPERLINK("x","y")', contact_name="-2+3")
    headers = token(api, admin)

    for raw, company, contact in (("true", "company_name", "contact_name"), ("false", "Company name", "Contact name")):
        params = {"raw": raw}
        rows = read_csv(api.get("/api/v1/exports/vendors.csv", params=params, headers=headers).content)
        sheet = read_xlsx(
            api.get("/api/v1/exports/vendors.xlsx", params=params, headers=headers).content, data_only=True
        )

        name = rows[0].index(company)
        assert rows[1][name] == '\'=HYPERLINK("x","y")'
        assert rows[1][rows[0].index(contact)] == "'-2+3"
        assert sheet[1][name] == '=HYPERLINK("x","y")'  # a string cell: formulas have no cached value here


def test_audit_export_filters(api: httpx.Client, factory: Factory) -> None:
    admin = factory.user("ADMIN")
    prop = factory.property()
    headers = token(api, admin)

    response = api.get("/api/v1/exports/audit.csv", params={"property_id": str(prop), **RAW}, headers=headers)
    readable = api.get("/api/v1/exports/audit.csv", params={"property_id": str(prop)}, headers=headers)

    rows = read_csv(response.content)
    header = rows[0]
    assert [(r[header.index("table_name")], r[header.index("action")]) for r in rows[1:]] == [("properties", "CREATE")]
    assert rows[1][header.index("record_id")] == str(prop)
    # Readable: the table and the action in words, the property by its address, the user by name.
    header, *rows = read_csv(readable.content)
    assert [(r[header.index("Record type")], r[header.index("Action")]) for r in rows] == [("Property", "Created")]
    assert (
        rows[0][header.index("Property")]
        == f"{factory.query('SELECT street_address FROM properties WHERE id = %s', (prop,))[0][0]}, Atlanta, GA"
    )
    assert rows[0][header.index("Record ID")] == str(prop)
    changed = rows[0][header.index("Changed fields")].split(", ")
    assert "Street address" in changed and "Property manager" in changed and "street_address" not in changed


@pytest.mark.parametrize("raw", ["true", "false"])
def test_large_export_streams_in_bounded_memory(api: httpx.Client, factory: Factory, raw: str) -> None:
    admin = factory.user("ADMIN")
    count = 50_000
    assert factory.urls.superuser is not None
    with psycopg.connect(factory.urls.superuser) as conn:
        conn.execute("SET session_replication_role = replica")  # bulk rows without audit rows
        conn.execute(
            "INSERT INTO properties (property_id, name, street_address, city, state, market)"
            " SELECT 'BULK-' || lpad(n::text, 6, '0'), 'Bulk home ' || n, n || ' Long Street Name Avenue',"
            " 'Springfield', 'IL', 'Bulk' FROM generate_series(1, %s) n",
            (count,),
        )
    headers = token(api, admin)
    lines = 0
    size = 0
    tracemalloc.start()
    try:
        params = {"market": "Bulk", "raw": raw}
        with api.stream("GET", "/api/v1/exports/properties.csv", params=params, headers=headers) as r:
            assert r.status_code == 200
            for chunk in r.iter_bytes():
                lines += chunk.count(b"\n")
                size += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert lines == count + 1
    assert size > 8 * 2**20
    # The whole file is over 8 MB (raw: 10 MB); the server held a few batches of it at a time.
    assert peak < 8 * 2**20, f"peak {peak / 2**20:.1f} MB for a {size / 2**20:.1f} MB export"


def test_a_pdf_is_refused_past_its_row_cap(
    api: httpx.Client, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_service, "PDF_MAX_ROWS", 2)
    admin = factory.user("ADMIN")
    for _ in range(3):
        factory.vendor(state="ND")
    headers = token(api, admin)

    refused = api.get("/api/v1/exports/vendors.pdf", params={"state": "ND"}, headers=headers)
    allowed = api.get("/api/v1/exports/vendors.csv", params={"state": "ND"}, headers=headers)

    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert allowed.status_code == 200
    assert [m["format"] for *_, m in _export_rows(factory, admin.id)] == ["csv"]


def test_the_api_loads_the_spreadsheet_and_pdf_libraries_only_to_write_one() -> None:
    """openpyxl holds about 7 MB and fpdf2 a sixth of a start in every process that imports them:
    a worker serving lists and CSV never does."""
    script = "import sys; from turns.app import create_app; print(*sorted(sys.modules))"
    loaded = set(
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    )
    assert "turns.exports.formats" in loaded
    assert loaded.isdisjoint({"openpyxl", "fpdf"})
