"""Imports: a CSV file checked row by row against the database (the preview), then written
all at once (the import).

Both run in the request's transaction, as the signed-in user: RLS decides which properties
a move-out may name (a manager's file naming a home they do not manage gets "unknown
property" for that row). The import checks the file again inside its own transaction and
writes nothing unless every row is clean; then it inserts the rows (each audited by its
table's trigger, with context ``import``) and one audit row naming the file, kind and count.
"""

from __future__ import annotations

import json
from itertools import groupby
from typing import Any
from uuid import uuid4

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.actions import OPENS_TURNS
from turns.access.roles import ADMINS
from turns.db.tables import metadata
from turns.imports import rules
from turns.imports.columns import KINDS
from turns.imports.reading import read_sheet
from turns.imports.rows import Progress, Row, check_rows, match_header
from turns.imports.schemas import ImportKind, ImportReport, ImportResult, RowReport
from turns.kit.errors import Forbidden, Unprocessable

_AUDIT = text("SELECT audit_import(:table, :import_id, CAST(:details AS jsonb))")
_CONTEXT = text("SELECT set_config('app.context', 'import', true)")


def check_allowed(role: str, kind: ImportKind) -> None:
    """Admins import anything; managers import move-outs (of the homes they manage)."""
    if kind == "move-outs" and role not in OPENS_TURNS:
        raise Forbidden("only admins and property managers import move-outs")
    if kind != "move-outs" and role not in ADMINS:
        raise Forbidden(f"only admins import {kind}")


async def preview(
    conn: AsyncConnection, kind: ImportKind, file_name: str, data: bytes, progress: Progress | None = None
) -> ImportReport:
    """Every row of the file with its problems; nothing is written."""
    report, _ = await _check(conn, kind, file_name, data, progress)
    return report


async def run(
    conn: AsyncConnection, kind: ImportKind, file_name: str, data: bytes, progress: Progress | None = None
) -> ImportResult:
    """The file's rows created, or a 422 carrying the report when any row has a problem."""
    report, values = await _check(conn, kind, file_name, data, progress)
    if not report.ok:
        raise Unprocessable(f"nothing was imported: {_summary(report)}", report=report.model_dump(mode="json"))
    table = metadata.tables[KINDS[kind].table]
    await conn.execute(_CONTEXT)
    # One statement per set of filled columns: a column left out keeps its default.
    for _, group in groupby(sorted(values, key=sorted), key=sorted):
        await conn.execute(insert(table), list(group))
    import_id = uuid4()
    details = {"file": file_name, "kind": kind, "rows": len(values)}
    await conn.execute(_AUDIT, {"table": table.name, "import_id": import_id, "details": json.dumps(details)})
    return ImportResult(kind=kind, file_name=file_name, imported=len(values), import_id=import_id)


async def _check(
    conn: AsyncConnection, kind_name: ImportKind, file_name: str, data: bytes, progress: Progress | None
) -> tuple[ImportReport, list[dict[str, Any]]]:
    kind = KINDS[kind_name]
    sheet = read_sheet(data)
    header = match_header(kind, sheet.header)
    rows: list[Row] = []
    values: list[dict[str, Any]] = []
    if not header.problems:
        rows = check_rows(kind, sheet, header, progress)
        values = await rules.RULES[kind_name](conn, rows)
    report = ImportReport(
        kind=kind_name,
        file_name=file_name,
        columns=[c.label for c in kind.columns if c.field in header.positions],
        ignored_columns=header.ignored,
        problems=header.problems,
        rows=[RowReport(row=r.number, values=r.values, refers_to=r.refers_to, problems=r.problems) for r in rows],
        rows_with_problems=sum(1 for r in rows if r.problems),
        ok=not header.problems and bool(rows) and all(not r.problems for r in rows),
    )
    if not header.problems and not rows:
        report.problems.append("the file has a header but no rows")
    return report, values


def _summary(report: ImportReport) -> str:
    if report.problems:
        return "; ".join(report.problems)
    count = report.rows_with_problems
    return f"{count} row{'s' if count != 1 else ''} of {len(report.rows)} ha{'ve' if count != 1 else 's'} problems"
