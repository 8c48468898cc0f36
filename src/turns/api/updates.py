"""A versioned update of one row, answered the way every resource answers: the row written,
or the current row of a conflict, as the writer's role may read it
(:func:`turns.access.columns.visible`), whatever columns the caller needed for its rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

from fastapi.encoders import jsonable_encoder
from sqlalchemy import Table, update
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.columns import visible
from turns.kit.errors import Conflict, Forbidden, PreconditionFailed
from turns.kit.records import get_or_404


async def update_row(
    conn: AsyncConnection,
    table: Table,
    record_id: UUID,
    version: int,
    values: Mapping[str, Any],
    columns: Iterable[str],
    *,
    role: str,
    what: str,
    from_header: bool = False,
) -> dict[str, Any]:
    """``UPDATE ... WHERE id = :id AND version = :version``; 0 rows is a 404, 403 or 409/412.

    The row written, or the current row of a conflict, is ``columns`` as ``role`` reads them.
    With no values the UPDATE still runs (setting nothing new), so a write that changes
    nothing is refused, or conflicts, exactly as one that does."""
    names = list(columns)
    query = (
        update(table)
        .where(table.c.id == record_id, table.c.version == version)
        .values(**(values or {"version": table.c.version}))
        .returning(*(table.c[name] for name in names))
    )
    row = (await conn.execute(query)).mappings().first()
    if row is not None:
        return visible(table.name, role, row)
    current = await get_or_404(conn, table, record_id, names, what)
    if current["version"] == version:
        raise Forbidden(f"you may read this {what} but not change it")
    problem = PreconditionFailed if from_header else Conflict
    raise problem(
        f"the {what} changed since version {version}; it is now at version {current['version']}",
        current=jsonable_encoder(visible(table.name, role, current)),
    )
