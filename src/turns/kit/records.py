"""Reading and writing one row the way every resource does: visibility from RLS,
optimistic locking on ``version``, conflicts answered with the current row.

A write answers with the row, and a conflict with the current row, as the writer's role may
read them (:func:`turns.access.visible`), whatever columns the caller needed for its rules.
A write that changes nothing (no fields, or only the values already there) is a no-op: the
row keeps its version (the ``update_updated_at_column`` trigger) and no audit row is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from fastapi import Response
from fastapi.encoders import jsonable_encoder
from sqlalchemy import RowMapping, Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access import visible
from turns.kit.errors import Conflict, Forbidden, NotFound, PreconditionFailed, Unprocessable

Row = RowMapping


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, row: Mapping[Any, Any]) -> None:
    response.headers["ETag"] = etag(int(row["version"]))


def expected_version(if_match: str | None, body_version: int | None) -> tuple[int, bool]:
    """The version a write read, from ``If-Match`` (preferred) or the body; and whether it came
    from the header (a mismatch is then 412 rather than 409)."""
    if if_match:
        tag = if_match.strip().removeprefix("W/").strip('"')
        if not tag.isdigit():
            raise Unprocessable('If-Match must be an ETag from a read, e.g. "3"')
        return int(tag), True
    if body_version is None:
        raise Unprocessable("name the version you read: send If-Match or `version` in the body")
    return body_version, False


class Versioned(Protocol):
    """A write's body: the version it read, and the fields it changes."""

    version: int | None

    def model_dump(self, *, exclude_unset: bool = ..., exclude: set[str] | None = ...) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Edit:
    """What a write asks for: the version it read (and whether ``If-Match`` named it) and the
    new values."""

    version: int
    from_header: bool
    changes: dict[str, Any]

    @classmethod
    def of(cls, body: Versioned, if_match: str | None, **values: Any) -> Edit:
        """The edit ``body`` asks for, with ``values`` set as well."""
        version, from_header = expected_version(if_match, body.version)
        return cls(version, from_header, body.model_dump(exclude_unset=True, exclude={"version"}) | values)


async def get_visible(conn: AsyncConnection, table: Table, record_id: UUID, columns: Iterable[str]) -> Row | None:
    query = select(*(table.c[name] for name in columns)).where(table.c.id == record_id)
    return (await conn.execute(query)).mappings().first()


async def get_or_404(conn: AsyncConnection, table: Table, record_id: UUID, columns: Iterable[str], what: str) -> Row:
    row = await get_visible(conn, table, record_id, list(columns))
    if row is None:
        raise NotFound(f"no {what} with this id is visible to you")
    return row


async def insert_row(conn: AsyncConnection, table: Table, values: Mapping[str, Any], columns: Iterable[str]) -> Row:
    query = insert(table).values(**values).returning(*(table.c[name] for name in columns))
    return (await conn.execute(query)).mappings().one()


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
