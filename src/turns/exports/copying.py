"""A CSV export as PostgreSQL writes it: ``COPY (query) TO STDOUT (FORMAT csv, HEADER)``.

The query runs on the caller's connection, in its transaction, so as the acting user with
RLS on, like every other read; the rows reach the client as PostgreSQL sends them, a
64 KiB chunk at a time, without being parsed. Two things COPY does not do the way the
file always has: the file starts with a UTF-8 byte-order mark (so spreadsheet
applications read it as UTF-8), and lines end in CRLF (RFC 4180). COPY sends one row per
message, so each row's LF is replaced without reading the row (a line break inside a
quoted value is left as it is).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncConnection

BOM = "\ufeff".encode()
CHUNK_BYTES = 64 * 1024


async def copy_csv(
    conn: AsyncConnection,
    query: Select[Any],
    progress: Callable[[int], Awaitable[None]] | None = None,
) -> AsyncIterator[bytes]:
    """The CSV of ``query`` (its column labels are the header) in chunks; ``progress`` is
    told the rows written so far after each chunk."""
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    statement = f"COPY ({compiled}) TO STDOUT WITH (FORMAT csv, HEADER)"
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    yield BOM
    written = -1  # the header is a row too
    async with driver.cursor() as cursor, cursor.copy(statement, compiled.params) as copy:
        lines: list[Any] = []
        size = 0
        async for row in copy:
            lines.append(row[:-1])
            size += len(row)
            if size >= CHUNK_BYTES:
                written += len(lines)
                yield _crlf(lines)
                lines, size = [], 0
                if progress is not None:
                    await progress(written)
        written += len(lines)
        yield _crlf(lines)
    if progress is not None:
        await progress(written)


def _crlf(lines: list[Any]) -> bytes:
    return b"\r\n".join(lines) + b"\r\n" if lines else b""
