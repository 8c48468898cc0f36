"""A CSV export written by PostgreSQL's COPY is, byte for byte, the CSV the application
writes row by row in Python (:class:`turns.exports.formats.CsvWriter` over the gated rows,
as it still writes the other formats): for every resource, every role, raw and readable,
on the demo data and on rows made to be awkward (commas, quotes, line breaks, formulas,
empty texts, non-ASCII names, JSON with floats, nested values and keys in any order)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from sqlalchemy import Column, Enum, MetaData, Table, Text, create_engine

from tests.fixtures.factory import Factory, User
from turns.auth.transaction import open_transaction
from turns.db.context import Actor
from turns.db.engines import Database
from turns.db.tables import ROLES
from turns.db.urls import DatabaseUrls
from turns.exports.cells import raw_cell, readable_cell
from turns.exports.copying import copy_csv
from turns.exports.datasets import RESOURCES, Resource
from turns.exports.fields import Field
from turns.exports.options import ExportOptions
from turns.exports.render import gated_batches, writer

AWKWARD_JSON = {
    "b": 1234.5,
    "B": [1e16, 1e15, 0.0001, 0.00001, -0.0, 2.5e-7, 123456789.123, 1.0, 3, -12],
    "a": {"z": None, "é": "José Ñúñez 🏠", "y": True, "x": [], "w": {}},
    "ctrl": 'tab\there\nnew "quoted" back\\slash \x7f \x01',
    "street_address": "=HYPERLINK()",
    "turn_amount": 99.99,
}


def _awkward(factory: Factory) -> User:
    """Rows made to trip a CSV writer; returns their manager."""
    manager = factory.user("PROPERTY_MANAGER", first_name="José", last_name='O"Brien, Jr.')
    factory.user("INSPECTOR", first_name="", last_name="", email="nameless@example.com")
    vendor = factory.vendor(
        company_name='=cmd|" /C calc"!A0',
        contact_name="Line one\nline two",
        phone="+1 404 555 0100",
        city="",
        trades=["PAINT", "HVAC"],
        markets=["Atlanta", "Tampa, FL", '"Quoted"'],
        average_rating=Decimal("4.50"),
    )
    factory.vendor(company_name="-Minus Co", trades=[], markets=[])
    home = factory.property(
        manager,
        street_address='12 "Elm", Apt 3',
        city="Décatur",
        name="@home\r\nsecond line",
        county="",
        bathrooms=Decimal("2.5"),
    )
    turn = factory.turn(
        home,
        stage=2,
        move_out_date=date(2026, 1, 31),
        turn_amount=Decimal("12.30"),
        approved_turn_amount=Decimal("0.00"),
        vendor_id=vendor,
        wo_number="\tWO-1",
        scope_approval_status="HO_APPROVAL_NEEDED",
        dfo_approval_datetime=datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC),
        ho_approval_datetime=datetime(2026, 3, 4, 5, 6, 7, 120, tzinfo=UTC),
        scope_submitted_by=manager.id,
    )
    factory.unvetted(
        "UPDATE turns SET turn_amount = 7.10, wo_number = 'WO, \"2\"' WHERE id = %s", (turn,)
    )  # no trigger: the audit rows below are the only ones of this change
    audit = (
        "INSERT INTO audit_logs (table_name, record_id, action, user_id, user_email, user_name, user_role,"
        " ip_address, user_agent, old_values, new_values, changed_fields, turn_id, property_id, context, metadata)"
        " VALUES (%s, %s, %s, %s, 'x@example.com', %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    values = json.dumps(AWKWARD_JSON)
    factory.unvetted(
        audit,
        ("turns", turn, "UPDATE", manager.id, "Zoë, \"Z\"", "PROPERTY_MANAGER", "10.0.0.1", "-curl/8", values,
         values, ["turn_amount", "street_address", "hvac_dfo_id", "primary_lock_box_code", "ctrl"], turn, home,
         "=api", json.dumps({"rows": 3, "share": 0.5})),
    )  # fmt: skip
    factory.unvetted(
        audit,
        ("sessions", turn, "DELETE", manager.id, "", "SUPER_ADMIN", "2001:db8::1", "", "null", None, [], turn, home,
         "", "[1, 2.50, \"x\"]"),
    )  # fmt: skip
    return manager


def _cast(factory: Factory) -> dict[str, User]:
    vendor = factory.query("SELECT vendor_id FROM turns WHERE vendor_id IS NOT NULL LIMIT 1")[0][0]
    return {role: factory.user(role, vendor_id=vendor if role == "VENDOR" else None) for role in ROLES}


async def _python_csv(conn: Any, resource: Resource, role: str, options: ExportOptions) -> bytes:
    """The CSV as the application wrote it before COPY: the gated rows through CsvWriter."""
    out = io.BytesIO()
    csv_writer = writer("csv", out, resource, role, options, {})
    async for batch in gated_batches(conn, resource, resource.parse_filters({}), "csv", role, options):
        csv_writer.write(batch)
    return out.getvalue()


async def _copy_csv(conn: Any, resource: Resource, role: str, options: ExportOptions) -> bytes:
    query = resource.copy_query(resource.parse_filters({}), role, options)
    return b"".join([chunk async for chunk in copy_csv(conn, query)])


def _first_difference(copied: bytes, python: bytes) -> tuple[bytes, bytes] | None:
    """The first line that differs, as COPY and as Python wrote it (for a readable failure)."""
    if copied == python:
        return None
    pairs = zip(copied.split(b"\r\n"), python.split(b"\r\n"), strict=False)
    return next(((a, b) for a, b in pairs if a != b), (copied[-80:], python[-80:]))


async def _compare(urls: DatabaseUrls, cast: dict[str, User]) -> dict[tuple[str, str, bool], int]:
    database = Database.connect(urls, pool_size=2)
    lines: dict[tuple[str, str, bool], int] = {}
    try:
        for role, user in cast.items():
            actor = Actor(user_id=user.id, context="test")
            for resource in RESOURCES.values():
                for options in (ExportOptions(), ExportOptions(raw=True), ExportOptions(date_format="eu")):
                    async with open_transaction(database, actor, read_only=True) as conn:
                        python = await _python_csv(conn, resource, role, options)
                        copied = await _copy_csv(conn, resource, role, options)
                    assert _first_difference(copied, python) is None, (role, resource.name, options)
                    lines[(role, resource.name, options.raw)] = python.count(b"\r\n")
    finally:
        await database.dispose()
    return lines


@pytest.mark.usefixtures("demo")
def test_copy_writes_the_csv_the_application_wrote(db: DatabaseUrls, factory: Factory) -> None:
    _awkward(factory)
    lines = asyncio.run(_compare(db, _cast(factory)))

    # Every resource had rows to compare for an admin, and a vendor user saw some turns.
    assert all(lines[("ADMIN", name, raw)] > 3 for name in RESOURCES for raw in (True, False))
    assert lines[("VENDOR", "turns", False)] > 1


def _crlf_outside_quotes(copied: bytes) -> bytes:
    """COPY's CSV with each line end (an LF outside a quoted value) made CRLF: how the file ends
    its lines, found here by reading the quotes rather than COPY's messages."""
    out = bytearray()
    quoted = False
    for byte in copied:
        if byte == ord('"'):
            quoted = not quoted  # an escaped quote ("") flips twice
        elif byte == ord("\n") and not quoted:
            out += b"\r"
        out.append(byte)
    return bytes(out)


def _direct_copy(urls: DatabaseUrls, user: User, resource: Resource, options: ExportOptions) -> bytes:
    """The export's statement through a plain psycopg COPY as ``user``: PostgreSQL's own output."""
    dialect = create_engine("postgresql+psycopg://").dialect
    compiled = resource.copy_query(resource.parse_filters({}), user.role, options).compile(
        dialect=dialect, compile_kwargs={"render_postcompile": True}
    )
    out = bytearray()
    with psycopg.connect(urls.app) as conn:
        conn.execute("SELECT set_config('app.current_user_id', %s, true)", (str(user.id),))
        statement = f"COPY ({compiled}) TO STDOUT WITH (FORMAT csv, HEADER)"
        with conn.cursor().copy(statement, compiled.params) as copy:
            for data in copy:
                out += data
    return bytes(out)


async def _chunks(urls: DatabaseUrls, user: User, resource: Resource, options: ExportOptions) -> list[bytes]:
    database = Database.connect(urls, pool_size=1)
    try:
        async with open_transaction(database, Actor(user_id=user.id, context="test"), read_only=True) as conn:
            query = resource.copy_query(resource.parse_filters({}), user.role, options)
            return [chunk async for chunk in copy_csv(conn, query)]
    finally:
        await database.dispose()


@pytest.mark.parametrize("raw", [False, True])
def test_a_large_export_is_postgresqls_copy_with_crlf_line_ends(db: DatabaseUrls, factory: Factory, raw: bool) -> None:
    """Thousands of turns with line breaks, quotes and commas inside their values, over many
    chunks: the file is the byte-order mark, then COPY's own output with every line end CRLF
    and every line break inside a quoted value left as it is."""
    admin, manager = factory.user("ADMIN"), factory.user("PROPERTY_MANAGER", first_name="Ann\nLee")
    home = factory.property(manager, street_address='1 "Two",\r\nlines Road')
    template = factory.turn(home, reject_reason='said "no",\nthen\r\nleft')
    count = 3000
    assert db.superuser is not None
    with psycopg.connect(db.superuser) as conn:
        conn.execute("SET session_replication_role = replica")  # bulk rows without audit rows
        conn.execute(
            "INSERT INTO turns SELECT (jsonb_populate_record(t, jsonb_build_object("
            " 'id', gen_random_uuid(), 'turn_id', 'BULK-' || n, 'is_active', false,"
            " 'wo_number', 'WO \"' || n || '\",' || chr(10) || 'line two'))).*"
            " FROM turns t, generate_series(1, %s) n WHERE t.id = %s",
            (count, template),
        )
    resource, options = RESOURCES["turns"], ExportOptions(raw=raw)

    chunks = asyncio.run(_chunks(db, admin, resource, options))
    exported = b"".join(chunks)

    assert len(chunks) > 10  # the BOM, then many 64 KiB chunks
    assert exported == b"\xef\xbb\xbf" + _crlf_outside_quotes(_direct_copy(db, admin, resource, options))
    rows = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"), newline="")))
    assert len(rows) == count + 2  # the header, the template and the bulk turns
    work_orders = [row[rows[0].index("wo_number" if raw else "Work order")] for row in rows[1:]]
    assert work_orders.count('WO "17",\nline two') == 1
    # Line breaks inside quoted values are kept as they were written: no LF made CRLF there.
    assert exported.count(b'",\nline two') == count and b'",\r\nline two' not in exported
    assert exported.count(b"then\r\nleft") == count + 1


def test_an_enum_cell_keeps_the_formula_guard_unless_every_code_and_label_is_safe() -> None:
    """The guard (``export_text``) is left out only where no code or label could start a formula
    or be empty."""
    dialect = create_engine("postgresql+psycopg://").dialect

    def sql(cell: Any) -> str:
        return str(cell.compile(dialect=dialect))

    table = Table(
        "t",
        MetaData(),
        Column("safe", Enum("OPEN", "DONE", name="safe")),
        Column("minus", Enum("OPEN", "-1", name="minus")),
        Column("words", Text),
    )
    assert "export_text" not in sql(raw_cell(table.c.safe))
    assert "export_text" in sql(raw_cell(table.c.minus))
    assert "export_text" in sql(raw_cell(table.c.words))
    assert "export_text" not in sql(readable_cell(Field("safe", "Safe", labels={"OPEN": "Open"}), table.c.safe, "iso"))
    for labels in ({"OPEN": "=Open"}, {"DONE": ""}, {"OPEN": "@home"}):
        assert "export_text" in sql(readable_cell(Field("safe", "Safe", labels=labels), table.c.safe, "iso"))
