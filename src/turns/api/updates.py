"""A versioned update (or delete) of one row, answered the way every resource answers: the row written,
or the current row of a conflict, as the writer's role may read it
(:func:`turns.access.columns.visible`), whatever columns the caller needed for its rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any
from uuid import UUID

from fastapi.encoders import jsonable_encoder
from sqlalchemy import ClauseElement, Table, Update, bindparam, delete, update
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.columns import visible
from turns.kit.compiled import Prepared, first, prepare
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
    given = {name: value for name, value in values.items() if not isinstance(value, ClauseElement)}
    expressions = {name: value for name, value in values.items() if name not in given}
    if expressions:  # SQL expressions (``now()``) are part of the statement, not parameters: a rare one-off
        prepared = prepare(versioned_update(table, tuple(given), tuple(names)).values(expressions))
    else:
        prepared = _prepared_update(table, tuple(given), tuple(names))
    params = {f"new_{name}": value for name, value in given.items()}
    row = await first(conn, prepared, params | {"record_id": record_id, "read_version": version})
    if row is not None:
        return visible(table.name, role, row)
    raise await _refusal(conn, table, record_id, version, names, role=role, what=what, from_header=from_header)


@lru_cache(maxsize=1024)
def _prepared_update(table: Table, changed: tuple[str, ...], columns: tuple[str, ...]) -> Prepared:
    """:func:`versioned_update` compiled once for each table, fields and columns, and sent on
    psycopg's connection (:mod:`turns.kit.compiled`): making the statement cost more than running it."""
    return prepare(versioned_update(table, changed, columns))


def versioned_update(table: Table, changed: tuple[str, ...], columns: tuple[str, ...]) -> Update:
    """``UPDATE table SET`` each of ``changed`` to ``:new_<name>`` ``WHERE id = :record_id AND version =
    :read_version RETURNING columns``."""
    values: dict[str, Any] = {name: bindparam(f"new_{name}", type_=table.c[name].type) for name in changed}
    return (
        update(table)
        .where(table.c.id == bindparam("record_id"), table.c.version == bindparam("read_version"))
        .values(values or {"version": table.c.version})
        .returning(*(table.c[name] for name in columns))
    )


async def delete_row(
    conn: AsyncConnection,
    table: Table,
    record_id: UUID,
    version: int,
    columns: Iterable[str],
    *,
    role: str,
    what: str,
    from_header: bool = False,
) -> None:
    """``DELETE ... WHERE id = :id AND version = :version``, refused as :func:`update_row` refuses."""
    query = delete(table).where(table.c.id == record_id, table.c.version == version).returning(table.c.id)
    if (await conn.execute(query)).first() is None:
        raise await _refusal(
            conn, table, record_id, version, list(columns), role=role, what=what, from_header=from_header
        )


async def _refusal(
    conn: AsyncConnection,
    table: Table,
    record_id: UUID,
    version: int,
    names: list[str],
    *,
    role: str,
    what: str,
    from_header: bool,
) -> Exception:
    """Why a write of ``version`` matched no row: not visible (404), not the caller's to change
    (403), or changed since (409, or 412 when ``If-Match`` named the version)."""
    current = await get_or_404(conn, table, record_id, names, what)
    if current["version"] == version:
        return Forbidden(f"you may read this {what} but not change it")
    problem = PreconditionFailed if from_header else Conflict
    return problem(
        f"the {what} changed since version {version}; it is now at version {current['version']}",
        current=jsonable_encoder(visible(table.name, role, current)),
    )
