"""Keyset (cursor) pagination and sorting for list endpoints.

A list is ordered by one sortable column and the id; the cursor carries the last
row's values of both, so a page costs one index range scan whatever its depth and
rows inserted meanwhile are neither skipped nor repeated.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, Table, cast, literal, tuple_

from turns.kit import limits
from turns.kit.errors import BadRequest

T = TypeVar("T")
MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


def parse_sort(sort: str, allowed: Sequence[str]) -> tuple[str, bool]:
    """``"-created_at"`` -> ``("created_at", True)``; only ``allowed`` columns."""
    descending = sort.startswith("-")
    name = sort.lstrip("-+")
    if name not in allowed:
        raise BadRequest(f"cannot sort by {name!r}; choose one of {', '.join(allowed)}")
    return name, descending


def encode_cursor(values: Sequence[Any], sort: str) -> str:
    raw = json.dumps([sort, *[None if v is None else str(v) for v in values]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> list[str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        decoded = limits.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise BadRequest("the cursor is not valid") from exc
    if not isinstance(decoded, list) or len(decoded) != 3 or decoded[0] != sort:
        raise BadRequest("the cursor belongs to another sort order; start again without it")
    return [str(v) for v in decoded[1:]]


def paginate(
    query: Select[Any], table: Table, *, sort: str, allowed: Sequence[str], cursor: str | None, limit: int
) -> Select[Any]:
    """Order ``query`` by the sort column and id, start after ``cursor``, fetch ``limit + 1`` rows."""
    name, descending = parse_sort(sort, allowed)
    column = table.c[name]
    key = tuple_(column, table.c.id)
    if cursor is not None:
        value, last_id = decode_cursor(cursor, sort)
        bound = tuple_(cast(literal(value), column.type), cast(literal(last_id), table.c.id.type))
        condition: ColumnElement[bool] = key < bound if descending else key > bound
        query = query.where(condition)
    order = (column.desc(), table.c.id.desc()) if descending else (column.asc(), table.c.id.asc())
    return query.order_by(*order).limit(limit + 1)


def page_of(rows: Sequence[Mapping[str, Any]], *, sort: str, limit: int) -> tuple[list[Mapping[str, Any]], str | None]:
    """The page's rows and the cursor of the next page (None on the last page)."""
    name = sort.lstrip("-+")
    items = list(rows[:limit])
    if len(rows) <= limit:
        return items, None
    last = items[-1]
    return items, encode_cursor([last[name], last["id"]], sort)
