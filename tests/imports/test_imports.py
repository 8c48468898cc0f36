"""CSV imports through the HTTP API: the preview's per-row report, all-or-nothing imports,
the limits on the file, and who may import what."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fixtures.api import PROBLEM, refused, token
from tests.fixtures.factory import Factory, User
from turns.db.urls import DatabaseUrls


def upload(
    client: httpx.Client,
    headers: dict[str, str],
    kind: str,
    body: bytes | str,
    *,
    preview: bool = False,
    name: str = "moveouts.csv",
) -> httpx.Response:
    data = body.encode() if isinstance(body, str) else body
    path = f"/api/v1/imports/{kind}" + ("/preview" if preview else "")
    return client.post(path, headers=headers, files={"file": (name, data, "text/csv")})


def count(factory: Factory, table: str) -> int:
    return int(factory.query(f"SELECT count(*) FROM {table}")[0][0])


@pytest.fixture
def homes(factory: Factory) -> dict[str, Any]:
    manager, other = factory.user("PROPERTY_MANAGER"), factory.user("PROPERTY_MANAGER")
    return {
        "manager": manager,
        "oak": factory.property(manager, property_id="P-100", street_address="12 Oak St"),
        "elm": factory.property(manager, property_id="P-101", street_address="7 Elm  Ave"),
        "busy": factory.property(manager, property_id="P-102"),
        "theirs": factory.property(other, property_id="P-900"),
    }


def test_manager_imports_move_outs(client: httpx.Client, factory: Factory, homes: dict[str, Any]) -> None:
    manager: User = homes["manager"]
    headers = token(client, manager)
    csv = (
        "\ufeffProperty Code,Address,Move-Out Date,Ready By\r\n"
        "P-100,,03/14/2025,2025-03-28\r\n,7 elm ave,2025-03-15,\r\n"
    )
    report = upload(client, headers, "move-outs", csv, preview=True)
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["ok"] is True and body["problems"] == [] and body["rows_with_problems"] == 0
    assert body["columns"] == ["Property code", "Address", "Move-out date", "Ready-by date"]
    assert [(r["row"], r["refers_to"], r["problems"]) for r in body["rows"]] == [
        (2, "P-100 \u00b7 12 Oak St", []),
        (3, "P-101 \u00b7 7 Elm  Ave", []),
    ]
    assert count(factory, "turns") == 0

    done = upload(client, headers, "move-outs", csv)
    assert done.status_code == 201, done.text
    assert done.json()["imported"] == 2 and done.json()["file_name"] == "moveouts.csv"
    rows = factory.query(
        "SELECT t.turn_id, p.property_id, t.move_out_date, t.expected_completion_date, s.display_order, t.created_by"
        " FROM turns t JOIN properties p ON p.id = t.property_id JOIN turn_stages s ON s.id = t.stage_id"
        " ORDER BY t.turn_id"
    )
    first = min(r[0] for r in factory.query("SELECT display_order FROM turn_stages WHERE is_active"))
    assert rows == [
        ("P-100-250314", "P-100", date(2025, 3, 14), date(2025, 3, 28), first, manager.id),
        ("P-101-250315", "P-101", date(2025, 3, 15), None, first, manager.id),
    ]
    audit = factory.query(
        "SELECT table_name, action::text, context, user_id, metadata FROM audit_logs"
        " WHERE context = 'import' AND table_name = 'turns' ORDER BY metadata IS NULL"
    )
    assert audit[0] == (
        "turns",
        "CREATE",
        "import",
        manager.id,
        {"file": "moveouts.csv", "kind": "move-outs", "rows": 2},
    )
    assert [(a[0], a[1], a[3]) for a in audit[1:]] == [("turns", "CREATE", manager.id)] * 2


def test_bad_rows_are_each_reported_and_nothing_is_written(
    client: httpx.Client, factory: Factory, homes: dict[str, Any]
) -> None:
    factory.turn(homes["busy"], turn_id="T-OPEN")
    headers = token(client, homes["manager"])
    csv = (
        "property,move out date,ready by date,notes\n"
        "P-100,2025-03-14,2025-03-01,first\n"  # 2: ready before move-out
        "P-100,2025-03-20,,again\n"  # 3: repeats row 2
        "P-101,31/31/2025,,\n"  # 4: not a date
        "P-900,2025-03-14,,\n"  # 5: another manager's home: unknown to this one
        "P-404,2025-03-14,,\n"  # 6: no such home
        "P-102,2025-03-14,,\n"  # 7: already in an open turn
        "\n"
        ",2025-03-14,,\n"  # 9: no property
    )
    before = count(factory, "turns"), count(factory, "audit_logs")
    body = upload(client, headers, "move-outs", csv, preview=True).json()
    assert body["ok"] is False and body["ignored_columns"] == ["notes"]
    assert {r["row"]: r["problems"] for r in body["rows"]} == {
        2: ["Ready-by date is before the move-out date"],
        3: ["Property P-100 is also on row 2"],
        4: ["Move-out date: \u201c31/31/2025\u201d is not a date (write it as 2025-03-14 or 03/14/2025)"],
        5: ["Unknown property \u201cP-900\u201d: no property you can see has this code"],
        6: ["Unknown property \u201cP-404\u201d: no property you can see has this code"],
        7: ["Property P-102 already has an open turn (T-OPEN); finish or close it before starting another"],
        9: ["Property code and address are both empty; give one of them"],
    }
    assert body["rows_with_problems"] == 7

    refusal = refused(upload(client, headers, "move-outs", csv), 422).json()
    assert refusal["detail"] == "nothing was imported: 7 rows of 7 have problems"
    assert refusal["report"]["rows"] == body["rows"]
    assert (count(factory, "turns"), count(factory, "audit_logs")) == before


def test_wrong_columns_are_named(client: httpx.Client, factory: Factory, homes: dict[str, Any]) -> None:
    headers = token(client, homes["manager"])
    csv = "Property,Unit,Notice date,Move out\nP-100,P-100,2025-01-01,2025-02-01\n"
    body = upload(client, headers, "move-outs", csv, preview=True).json()
    assert body["problems"] == ["Property code is given by more than one column (Property, Unit); keep one"]
    assert body["ignored_columns"] == ["Notice date"]
    csv = "Property,Ready by\nP-100,2025-02-01\n"
    body = upload(client, headers, "move-outs", csv, preview=True).json()
    assert body["problems"] == ["the file has no \u201cMove-out date\u201d column"] and body["rows"] == []
    refusal = refused(upload(client, headers, "move-outs", csv), 422).json()
    assert refusal["detail"] == "nothing was imported: the file has no \u201cMove-out date\u201d column"
    assert count(factory, "turns") == 0


def test_file_limits(client: httpx.Client, factory: Factory, homes: dict[str, Any]) -> None:
    headers = token(client, homes["manager"])
    latin1 = "property,move out date\nP-100,2025-03-14\nCaf\u00e9,2025-03-14\n".encode("latin-1")
    problem = refused(upload(client, headers, "move-outs", latin1, preview=True), 422).json()
    assert problem["detail"].startswith("the file is not UTF-8 text (byte 0xE9 on line 3 is not UTF-8)")
    big = b"property,move out date\n" + b"P-100,2025-03-14\n" * (50 * 1024 * 1024 // 17)
    problem = refused(upload(client, headers, "move-outs", big), 413).json()
    assert problem["detail"] == "a CSV file may be at most 5 MB; split it into smaller files"
    just_over = b"property,move out date\n" + b"x" * (5 * 1024 * 1024)
    refused(upload(client, headers, "move-outs", just_over), 413)
    many = "property,move out date\n" + "P-100,2025-03-14\n" * 10_001
    problem = refused(upload(client, headers, "move-outs", many), 422).json()
    assert problem["detail"] == "the file has more than 10,000 rows; split it into files of at most that"
    empty = refused(upload(client, headers, "move-outs", "", preview=True), 422)
    assert empty.json()["detail"] == "the file is empty: its first row must name the columns"
    assert count(factory, "turns") == 0


def test_who_may_import_what(client: httpx.Client, factory: Factory, homes: dict[str, Any]) -> None:
    manager = token(client, homes["manager"])
    for kind in ("properties", "vendors"):
        problem = refused(upload(client, manager, kind, "x\n1\n", preview=True), 403).json()
        assert problem["detail"] == f"only admins import {kind}"
    for role in ("VENDOR", "INSPECTOR", "DFO_APPROVER"):
        headers = token(client, factory.user(role))
        refused(upload(client, headers, "move-outs", "property,move out date\nP-100,2025-03-14\n"), 403)
    assert count(factory, "turns") == 0
    response = client.post("/api/v1/imports/leases/preview", headers=manager, files={"file": ("a.csv", b"x\n")})
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM


def test_admin_imports_properties_and_vendors(client: httpx.Client, factory: Factory) -> None:
    factory.property(property_id="P-EXISTS")
    factory.vendor(company_name="Acme Paint")
    admin = token(client, factory.user("ADMIN"))
    properties = (
        "Property ID,Street Address,City,State,Zip,Beds,Baths,Sq Ft,Year Built\n"
        'P-1,1 First St,Tampa,FL,33601,3,2.5,"1,450",1998\n'
        "P-2,2 Second St,Tampa,FL,,,,,\n"
    )
    done = upload(client, admin, "properties", properties, name="homes.csv")
    assert done.status_code == 201, done.text
    assert factory.query(
        "SELECT property_id, name, city, zip_code, bedrooms::text, bathrooms::text, area_sqft, year_built"
        " FROM properties WHERE property_id IN ('P-1', 'P-2') ORDER BY 1"
    ) == [
        ("P-1", "1 First St", "Tampa", "33601", "3.0", "2.5", 1450, 1998),
        ("P-2", "2 Second St", "Tampa", None, None, None, None, None),
    ]
    bad = "Property ID,Street Address,Year Built\nP-1,1 First St,1600\nP-EXISTS,3 Third St,nineteen\nP-3,,\n"
    body = upload(client, admin, "properties", bad, preview=True).json()
    assert {r["row"]: r["problems"] for r in body["rows"]} == {
        2: ["Year built: input should be greater than or equal to 1700", "Property code P-1 already exists"],
        3: ["Year built: \u201cnineteen\u201d is not a whole number", "Property code P-EXISTS already exists"],
        4: ["Street address is empty"],
    }

    vendors = "Vendor Name,Email,Phone,Approved,Insurance Expiration\nBrite Clean,a@b.co,555-0100,yes,12/31/2026\n"
    assert upload(client, admin, "vendors", vendors).status_code == 201
    assert factory.query(
        "SELECT company_name, email, is_approved, insurance_expiry FROM vendors WHERE company_name = 'Brite Clean'"
    ) == [("Brite Clean", "a@b.co", True, date(2026, 12, 31))]
    dupes = "Company\nacme paint\nNew Co\nnew co\n"
    body = upload(client, admin, "vendors", dupes, preview=True).json()
    assert [r["problems"] for r in body["rows"]] == [
        ["Company acme paint already exists"],
        [],
        ["Company new co is also on row 3"],
    ]
    imports = factory.query("SELECT metadata->>'kind', metadata->>'rows' FROM audit_logs WHERE metadata ? 'kind'")
    assert sorted(imports) == [("properties", "2"), ("vendors", "1")]


def test_vendors_import_with_trades_and_markets(client: httpx.Client, factory: Factory) -> None:
    admin = token(client, factory.user("ADMIN"))
    good = "Company,Trades,Markets\nSunbelt Floors,Flooring; paint,Dallas; Fort Worth\nPlain Co,,\n"
    assert upload(client, admin, "vendors", good).status_code == 201
    assert factory.query(
        "SELECT company_name, trades, markets FROM vendors WHERE company_name IN ('Sunbelt Floors', 'Plain Co')"
        " ORDER BY 1"
    ) == [("Plain Co", [], []), ("Sunbelt Floors", ["FLOORING", "PAINT"], ["Dallas", "Fort Worth"])]

    before = count(factory, "vendors")
    bad = "Company,Trade,Market\nCarpentry Co,Paint;Carpentry,Tampa\nGood Co,HVAC,Tampa\n"
    body = upload(client, admin, "vendors", bad, preview=True).json()
    assert {r["row"]: r["problems"] for r in body["rows"]} == {
        2: [
            "Trades: \u201cCarpentry\u201d is not a trade (one of Paint, Flooring, Appliances, Plumbing, Electrical,"
            " HVAC, Cleaning, Landscaping, Roofing, General)"
        ],
        3: [],
    }
    refused(upload(client, admin, "vendors", bad), 422)
    assert count(factory, "vendors") == before


def test_command_line_import(db: DatabaseUrls, factory: Factory, homes: dict[str, Any], tmp_path: Path) -> None:
    """``turns import`` as a manager: the same report, nothing written on a problem, then the import."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "TURNS_", "NEON_", "ELECTRIC_"))}
    env.update(DATABASE_URL=db.owner, DATABASE_POOLED_URL=db.app, TURNS_DATA_DIR=str(tmp_path / "unused"))
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_text("Property,Move out\nP-100,2025-03-14\nP-900,2025-03-14\n")
    good.write_text("Property,Move out,Ready by\nP-100,2025-03-14,2025-03-30\n")
    manager = homes["manager"].email

    def turns_import(path: Path) -> subprocess.CompletedProcess[str]:
        args = [sys.executable, "-m", "turns", "import", "move-outs", str(path), "--as", manager]
        return subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, check=False)

    refused_run = turns_import(bad)
    assert refused_run.returncode == 1
    assert "row 3: Unknown property \u201cP-900\u201d: no property you can see has this code" in refused_run.stderr
    assert "error: nothing was imported: 1 row of 2 has problems" in refused_run.stderr
    assert count(factory, "turns") == 0
    done = turns_import(good)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("imported 1 row of move-outs from good.csv (import ")
    assert factory.query(
        "SELECT t.turn_id, t.created_by, a.user_id FROM turns t, audit_logs a WHERE a.metadata ? 'kind'"
    ) == [("P-100-250314", homes["manager"].id, homes["manager"].id)]
