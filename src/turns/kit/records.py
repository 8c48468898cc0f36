"""Reading and writing one row the way every resource does: visibility from RLS,
optimistic locking on ``version``, conflicts answered with the current row.

Versioned updates, which answer through the reader's column rules, are
:func:`turns.api.updates.update_row`. A write that changes nothing (no fields, or only the
values already there) is a no-op: the row keeps its version (the ``update_updated_at_column``
trigger) and no audit row is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol
from uuid import UUID

from fastapi import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.kit.compiled import Prepared, first, prepare
from turns.kit.errors import NotFound, Unprocessable
from turns.kit.limits import whole_number

Row = Mapping[Any, Any]
"""A row as a mapping of its columns: SQLAlchemy's, or a dict read on psycopg's connection."""


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, row: Mapping[Any, Any]) -> None:
    response.headers["ETag"] = etag(int(row["version"]))


def expected_version(if_match: str | None, body_version: int | None) -> tuple[int, bool]:
    """The version a write read, from ``If-Match`` (preferred) or the body; and whether it came
    from the header (a mismatch is then 412 rather than 409)."""
    if if_match:
        version = whole_number(if_match.strip().removeprefix("W/").strip('"'))
        if version is None:
            raise Unprocessable('If-Match must be an ETag from a read, e.g. "3"')
        return version, True
    if body_version is None:
        raise Unprocessable("name the version you read: send If-Match or `version` in the body")
    return body_version, False


class VersionOnly(BaseModel):
    """A body that names only the version read (actions such as deactivate)."""

    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, description="The version you read (or send If-Match)")


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
    return await first(conn, _by_id(table, tuple(columns)), {"record_id": record_id})


@lru_cache(maxsize=1024)
def _by_id(table: Table, columns: tuple[str, ...]) -> Prepared:
    """``columns`` of the row of ``table`` whose id is ``:record_id``: made once for each table and
    columns (a role's), compiled once and sent on psycopg's connection (:mod:`turns.kit.compiled`)."""
    return prepare(select(*(table.c[name] for name in columns)).where(table.c.id == bindparam("record_id")))


async def get_or_404(conn: AsyncConnection, table: Table, record_id: UUID, columns: Iterable[str], what: str) -> Row:
    row = await get_visible(conn, table, record_id, list(columns))
    if row is None:
        raise NotFound(f"no {what} with this id is visible to you")
    return row


async def insert_row(conn: AsyncConnection, table: Table, values: Mapping[str, Any], columns: Iterable[str]) -> Row:
    query = insert(table).values(**values).returning(*(table.c[name] for name in columns))
    return (await conn.execute(query)).mappings().one()
