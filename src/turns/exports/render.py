"""Rows from the database to file bytes, in bounded memory.

Everything is read inside the caller's (read-only, RLS-filtered) transaction. A CSV is
written by PostgreSQL (:mod:`turns.exports.copying`): the cells are SQL expressions
(:mod:`turns.exports.cells`) that pass the same column gate as below. For xlsx and PDF,
rows come through a server-side cursor (``conn.stream``) a batch at a time and are written
to a temporary file (a zip archive and a PDF can only be finished at the end), then read
back in chunks. Writing them is CPU work, so it runs in a worker thread and the event
loop keeps serving other requests.

Every row of an xlsx or PDF passes :func:`turns.access.visible` on its way into the file,
as an API body does: the query already selects only readable columns, and the gate also
cuts the audited values inside audit rows to what the reader's role may read of the
audited table. In the readable form a name (read through a join) is written only where
its id passed the gate.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import BinaryIO

from anyio import to_thread
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.columns import visible
from turns.exports.copying import copy_csv
from turns.exports.datasets import Filters, Resource
from turns.exports.fields import Field, header_of
from turns.exports.formats import WRITERS, PdfNotes, PdfWriter, Writer
from turns.exports.options import ExportOptions
from turns.exports.readable import Readable

BATCH_ROWS = 1000
CHUNK_BYTES = 64 * 1024
Progress = Callable[[int], Awaitable[None]]


async def count_up_to(conn: AsyncConnection, query: Select[tuple[object, ...]], limit: int) -> int:
    """How many rows ``query`` returns, counting no further than ``limit + 1``."""
    capped = query.order_by(None).limit(limit + 1).subquery()
    return int((await conn.execute(select(func.count()).select_from(capped))).scalar_one())


async def _batches(
    conn: AsyncConnection, query: Select[tuple[object, ...]], table: str, columns: Sequence[str], role: str
) -> AsyncIterator[Sequence[Sequence[object]]]:
    """The rows a batch at a time, each as ``role`` may read it, in ``columns`` order."""
    result = await conn.stream(query.execution_options(yield_per=BATCH_ROWS))
    async for batch in result.partitions(BATCH_ROWS):
        yield [_cells(visible(table, role, row._mapping), columns) for row in batch]


async def _readable_batches(
    conn: AsyncConnection, query: Select[tuple[object, ...]], table: str, fields: Sequence[Field], role: str
) -> AsyncIterator[Sequence[Sequence[object]]]:
    """The rows of a readable export's query, a batch at a time, in ``fields`` order: each
    row passes the gate, and a name is kept only if the id it names did."""
    result = await conn.stream(query.execution_options(yield_per=BATCH_ROWS))
    async for batch in result.partitions(BATCH_ROWS):
        cells = []
        for row in batch:
            selected = row._mapping
            shown = visible(table, role, selected)
            cells.append(
                [(selected[f.key()] if f.source in shown else None) if f.names else shown.get(f.source) for f in fields]
            )
        yield cells


def _cells(shown: dict[str, object], columns: Sequence[str]) -> list[object]:
    return [shown.get(c) for c in columns]


def filters_text(filters: dict[str, object]) -> str:
    """The filters of an export in words, for the top of a PDF."""
    if not filters:
        return "No filters: every row you may see."
    words = {True: "Yes", False: "No"}
    return "Filters: " + "; ".join(
        f"{header_of(k)}: {words.get(v, v) if isinstance(v, bool) else v}" for k, v in filters.items()
    )


def writer(
    fmt: str, out: BinaryIO, resource: Resource, role: str, options: ExportOptions, filters: dict[str, object]
) -> Writer:
    """The file writer of ``fmt`` for ``resource`` as ``role`` reads it, raw or readable."""
    if options.raw:
        return WRITERS[fmt](out, resource.columns(role, fmt), resource.name)
    readable = Readable(resource.readable(role, fmt), options.date_format)
    if fmt == "pdf":
        notes = PdfNotes(filters_text(filters), datetime.now(UTC))
        return PdfWriter(out, [], resource.title, readable, notes)
    return WRITERS[fmt](out, [], resource.title, readable)


def gated_batches(
    conn: AsyncConnection, resource: Resource, parsed: Filters, fmt: str, role: str, options: ExportOptions
) -> AsyncIterator[Sequence[Sequence[object]]]:
    """The rows of the export, a batch at a time, each as ``role`` may read it, in the
    columns (raw) or fields (readable) of ``fmt``."""
    query = resource.export_query(parsed, role, fmt, options.raw)
    table = resource.table.name
    if options.raw:
        return _batches(conn, query, table, resource.columns(role, fmt), role)
    return _readable_batches(conn, query, table, resource.readable(role, fmt), role)


async def render(
    conn: AsyncConnection,
    resource: Resource,
    parsed: Filters,
    fmt: str,
    role: str,
    progress: Progress | None = None,
    *,
    options: ExportOptions,
    filters: dict[str, object],
) -> AsyncIterator[bytes]:
    """The export file's bytes, in chunks: the rows ``parsed`` filters (RLS decided which,
    in ``conn``) in the columns of ``resource`` that ``role`` reads in ``fmt``, raw or
    readable as ``options`` say; ``filters`` are named at the top of a readable PDF.

    A CSV is PostgreSQL's ``COPY`` of :meth:`Resource.copy_query`; xlsx and PDF are
    written here from the rows of a server-side cursor."""
    if fmt == "csv":
        async for chunk in copy_csv(conn, resource.copy_query(parsed, role, options), progress):
            yield chunk
        return
    written = 0
    with tempfile.TemporaryFile() as spool:
        out = writer(fmt, spool, resource, role, options, filters)
        async for batch in gated_batches(conn, resource, parsed, fmt, role, options):
            await to_thread.run_sync(out.write, batch)
            written += len(batch)
            if progress is not None:
                await progress(written)
        await to_thread.run_sync(out.close)
        spool.seek(0)
        while chunk := await to_thread.run_sync(_read, spool):
            yield chunk


def _read(spool: BinaryIO) -> bytes:
    return spool.read(CHUNK_BYTES)
