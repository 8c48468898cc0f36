"""``turns monitor``: what the database is doing, from the command line.

Connects as the embedded server's superuser when there is one, else as the owner
(``DATABASE_URL``): statistics of other roles are only visible to a role with
``pg_read_all_stats``, and the reports say so when that is missing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import typer
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.cli.common import clear_errors, urls
from turns.cli.replica import replicas_cmd
from turns.monitoring import queries
from turns.monitoring.queries import SlowOrder

app = typer.Typer(
    no_args_is_help=True, help="Database monitoring: slow queries, sizes, unused indexes, connections, the replica."
)
app.command("replicas")(replicas_cmd)

R = TypeVar("R", bound=BaseModel)
AS_JSON = typer.Option(False, "--json", help="Print the report as JSON.")
_QUERY_WIDTH = 70


def _collect(work: Callable[[AsyncConnection], Awaitable[R]]) -> R:
    with clear_errors():
        found = urls()
        return asyncio.run(queries.run_on(found.superuser or found.owner, work))


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(c) for c in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        typer.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    value = n / 1024
    for unit in ("kB", "MB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def _show(report: BaseModel, as_json: bool, render: Callable[[], None]) -> None:
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        return
    render()
    message = getattr(report, "message", None)
    if message:
        typer.echo(f"note: {message}")


@app.command("slow-queries")
def slow_queries_cmd(
    limit: int = typer.Option(10, min=1, max=1000, help="How many statements."),
    by: SlowOrder = typer.Option("total", "--by", help="Rank by total or mean execution time."),
    as_json: bool = AS_JSON,
) -> None:
    """The statements with the most execution time (pg_stat_statements)."""
    report = _collect(lambda conn: queries.slow_queries(conn, limit=limit, order=by))

    def render() -> None:
        if report.rows:
            _table(
                ("total ms", "mean ms", "calls", "rows", "role", "query"),
                [
                    (f"{q.total_ms:.1f}", f"{q.mean_ms:.2f}", q.calls, q.rows, q.role or "?", _one_line(q.query))
                    for q in report.rows
                ],
            )
        elif report.message is None:
            typer.echo("no statements recorded yet")

    _show(report, as_json, render)


def _one_line(query: str) -> str:
    flat = " ".join(query.split())
    return flat if len(flat) <= _QUERY_WIDTH else flat[: _QUERY_WIDTH - 1] + "…"


@app.command("sizes")
def sizes_cmd(
    limit: int = typer.Option(20, min=1, max=1000, help="How many tables and indexes."),
    as_json: bool = AS_JSON,
) -> None:
    """The database's size and its largest tables and indexes."""
    report = _collect(lambda conn: queries.sizes(conn, limit=limit))

    def render() -> None:
        typer.echo(f"database: {_size(report.database_bytes)}\n")
        _table(
            ("table", "total", "table", "indexes", "rows (est.)"),
            [
                (t.table, _size(t.total_bytes), _size(t.table_bytes), _size(t.index_bytes), t.estimated_rows)
                for t in report.tables
            ],
        )
        typer.echo("")
        _table(
            ("index", "table", "size", "scans"), [(i.index, i.table, _size(i.bytes), i.scans) for i in report.indexes]
        )

    _show(report, as_json, render)


@app.command("unused-indexes")
def unused_indexes_cmd(as_json: bool = AS_JSON) -> None:
    """Indexes never scanned (primary keys and unique indexes left out): candidates to drop."""
    report = _collect(queries.unused_indexes)

    def render() -> None:
        since = report.stats_since
        typer.echo(
            f"never scanned since {since.isoformat(timespec='seconds')}:"
            if since
            else "never scanned (statistics never reset):"
        )
        if not report.rows:
            typer.echo("  none")
            return
        _table(("index", "table", "size"), [(i.index, i.table, _size(i.bytes)) for i in report.rows])

    _show(report, as_json, render)


@app.command("connections")
def connections_cmd(as_json: bool = AS_JSON) -> None:
    """Client connections to the database by application name and state."""
    report = _collect(queries.connections)

    def render() -> None:
        _table(
            ("application", "state", "count", "oldest transaction"),
            [
                (
                    c.application,
                    c.state,
                    c.count,
                    "-" if c.oldest_transaction_seconds is None else f"{c.oldest_transaction_seconds:.1f} s",
                )
                for c in report.rows
            ],
        )

    _show(report, as_json, render)
