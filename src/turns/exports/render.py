"""Rows from the database to file bytes, in bounded memory.

Rows come through a server-side cursor (``conn.stream``) a batch at a time, inside the
caller's (read-only, RLS-filtered) transaction. CSV bytes are handed on as each batch is
written; xlsx and PDF are written to a temporary file first (a zip archive and a PDF can
only be finished at the end) and then read back in chunks. Writing xlsx and PDF is CPU
work, so it runs in a worker thread and the event loop keeps serving other requests.

Every row passes :func:`turns.access.visible` on its way into the file, as an API body
does: the query already selects only readable columns, and the gate also cuts the audited
values inside audit rows to what the reader's role may read of the audited table.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import BinaryIO

from anyio import to_thread
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.columns import visible
from turns.exports.datasets import Resource
from turns.exports.formats import WRITERS, CsvWriter

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


def _cells(shown: dict[str, object], columns: Sequence[str]) -> list[object]:
    return [shown.get(c) for c in columns]


def _drain(buffer: io.BytesIO) -> bytes:
    data = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return data


async def render(
    conn: AsyncConnection,
    resource: Resource,
    query: Select[tuple[object, ...]],
    fmt: str,
    role: str,
    progress: Progress | None = None,
) -> AsyncIterator[bytes]:
    """The export file's bytes, in chunks: the rows of ``query`` (RLS decided which, in
    ``conn``) in the columns of ``resource`` that ``role`` reads in ``fmt``."""
    columns, title = resource.columns(role, fmt), resource.name
    gated = _batches(conn, query, resource.table.name, columns, role)
    written = 0
    if fmt == "csv":
        buffer = io.BytesIO()
        csv_writer = CsvWriter(buffer, columns)
        yield _drain(buffer)
        async for batch in gated:
            csv_writer.write(batch)
            written += len(batch)
            if progress is not None:
                await progress(written)
            yield _drain(buffer)
        return
    with tempfile.TemporaryFile() as spool:
        writer = WRITERS[fmt](spool, columns, title)
        async for batch in gated:
            await to_thread.run_sync(writer.write, batch)
            written += len(batch)
            if progress is not None:
                await progress(written)
        await to_thread.run_sync(writer.close)
        spool.seek(0)
        while chunk := await to_thread.run_sync(_read, spool):
            yield chunk


def _read(spool: BinaryIO) -> bytes:
    return spool.read(CHUNK_BYTES)
