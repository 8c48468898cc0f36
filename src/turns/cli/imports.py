"""``turns import KIND FILE``: the API's CSV import from the command line.

It acts as a named user (``--as EMAIL``), so row-level security and the audit log treat the
import exactly as if that person had uploaded the file; without ``--as`` it acts as the
system user (who sees every property), like the other administration commands. The same
checks as the API run first, every row's problems are printed, and nothing is written
unless every row is clean.
"""

from __future__ import annotations

import asyncio
from enum import StrEnum
from pathlib import Path
from typing import Any
from uuid import UUID

import typer
from rich.progress import Progress
from sqlalchemy import text

from turns.auth.transaction import open_transaction
from turns.cli.common import clear_errors, fail, urls
from turns.db.context import Actor, system_actor
from turns.db.engines import Database
from turns.imports import service
from turns.imports.reading import MAX_FILE_BYTES, MAX_ROWS
from turns.imports.schemas import ImportKind, ImportResult
from turns.kit.errors import Problem, Unprocessable

_USER = text("SELECT id, role::text FROM users WHERE email = lower(:email) AND is_active")


class Kind(StrEnum):
    move_outs = "move-outs"
    properties = "properties"
    vendors = "vendors"


app = typer.Typer()


@app.command("import")
def import_file(
    kind: Kind = typer.Argument(..., help="What the file holds."),
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="A CSV file (UTF-8)."),
    as_email: str | None = typer.Option(
        None, "--as", metavar="EMAIL", help="Act as this user (default: the system user)."
    ),
    check: bool = typer.Option(False, "--check", help="Only report the file's problems; write nothing."),
) -> None:
    """Import move-outs (start turns), properties or vendors from a CSV file: every row, or nothing."""
    if file.stat().st_size > MAX_FILE_BYTES:
        fail(f"{file} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; split it into smaller files")
    data = file.read_bytes()
    try:
        with clear_errors():
            database = Database.connect(urls(), pool_size=1)
            result = asyncio.run(_run(database, kind.value, file, data, as_email, check))
    except Unprocessable as exc:
        _print_report(exc.extra.get("report"))
        fail(exc.detail or "the file cannot be imported")
    except Problem as exc:
        fail(exc.detail or exc.title)
    if result is not None:
        rows = f"{result.imported} row{'s' if result.imported != 1 else ''}"
        typer.echo(f"imported {rows} of {kind.value} from {result.file_name} (import {result.import_id})")


async def _run(
    database: Database, kind: ImportKind, file: Path, data: bytes, as_email: str | None, check: bool
) -> ImportResult | None:
    try:
        actor = await _actor(database, kind, as_email)
        with Progress(transient=True) as bar:
            task = bar.add_task(f"checking {file.name}", total=min(data.count(b"\n"), MAX_ROWS))

            def advance(rows: int) -> None:
                bar.advance(task, rows)

            async with open_transaction(database, actor) as conn:
                if check:
                    report = await service.preview(conn, kind, file.name, data, advance)
                    if not report.ok:
                        raise Unprocessable("the file has problems", report=report.model_dump(mode="json"))
                    typer.echo(f"{len(report.rows)} rows, no problems (nothing written: --check)")
                    return None
                return await service.run(conn, kind, file.name, data, advance)
    finally:
        await database.dispose()


async def _actor(database: Database, kind: ImportKind, email: str | None) -> Actor:
    """Who the import acts as, once allowed to import ``kind``."""
    if email is None:
        return system_actor("cli")
    async with open_transaction(database, system_actor("cli")) as conn:
        found = (await conn.execute(_USER, {"email": email})).first()
    if found is None:
        raise Problem(f"no active user has the e-mail {email.lower()}")
    user_id, role = UUID(str(found[0])), str(found[1])
    service.check_allowed(role, kind)
    return Actor(user_id=user_id, context="cli")


def _print_report(report: dict[str, Any] | None) -> None:
    """Every problem of the file, then every row's, one line each."""
    if report is None:
        return
    for problem in report["problems"]:
        typer.echo(f"file: {problem}", err=True)
    for row in report["rows"]:
        for problem in row["problems"]:
            typer.echo(f"row {row['row']}: {problem}", err=True)
