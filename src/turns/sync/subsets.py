"""Subset snapshots: some rows of a shape now, for clients that follow its changes only.

Electric's client asks for one with ``subset__where``, ``subset__params`` (a JSON object of
``$n`` values), ``subset__limit``, ``subset__offset`` and ``subset__order_by`` on
``GET /v1/shape`` (or the same without the prefix in a JSON body, with ``POST``); its
``subset__where_expr`` and ``subset__order_by_expr`` restate the clauses as trees and are
not needed: the clauses themselves are parsed by :mod:`turns.sync.where`, as a shape's
``where`` is, and can only narrow the shape (its user's scope, its ``where``, its columns).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy import Select, literal_column, select

from turns.kit import limits
from turns.sync.catalog import described
from turns.sync.params import InvalidRequest, checked, numbered
from turns.sync.shapes import ShapeDefinition, allowed_columns, bound, table_columns
from turns.sync.where import MAX_PARAMETER_DIGITS, compile_order_by, compile_where, parameter_number

PREFIX = "subset__"
FIELDS = ("where", "params", "limit", "offset", "order_by", "where_expr", "order_by_expr")
MAX_ROWS = 10_000
"""The most rows a subset returns: its largest ``limit``, and a subset without one may not match more."""
MAX_OFFSET = 100_000
MAX_BODY_BYTES = 256 * 1024


@dataclass(frozen=True)
class Subset:
    """A subset as :func:`parse_subset` checked and compiled it: nothing of what the client sent
    is parsed again, by the engine that reads it or by the gatekeeper that passes it on."""

    where_sql: str | None = None
    """The clause as :func:`turns.sync.where.compile_where` writes it, its values bound as ``:s1`` ..."""
    where_values: tuple[tuple[str, str], ...] = ()
    """(bind name, value) of ``where_sql``."""
    order_by_sql: str | None = None
    limit: int | None = None
    offset: int = 0

    def too_many(self, matched: int) -> bool:
        """Whether a subset without a limit matched more than :data:`MAX_ROWS` rows (a 400: the
        client must page it)."""
        return self.limit is None and matched > MAX_ROWS

    def query(self, definition: ShapeDefinition) -> Select[Any]:
        """The keys of the subset's rows, in its order: at most ``limit`` (or one more than
        :data:`MAX_ROWS`, to tell a subset that matches too many). The key is all it selects,
        so the order's column names cannot be taken for other columns of the select list."""
        found = described(definition.table)
        key = found.table.c[found.key]
        query = definition.rows(select(key))
        if self.where_sql is not None:
            query = query.where(bound(self.where_sql, self.where_values))
        order: list[Any] = [literal_column(self.order_by_sql)] if self.order_by_sql else []
        query = query.order_by(*order, key)  # the key last: pages are stable
        return query.limit(MAX_ROWS + 1 if self.limit is None else self.limit).offset(self.offset)


def query_fields(params: Mapping[str, str]) -> dict[str, Any] | None:
    """The ``subset__*`` parameters of a GET, decoded; None when there are none."""
    found = {k.removeprefix(PREFIX): v for k, v in params.items() if k.startswith(PREFIX)}
    if not found:
        return None
    for name in ("params", "where_expr", "order_by_expr"):
        if name in found:
            found[name] = _json(PREFIX + name, found[name])
    return found


def body_fields(body: bytes) -> dict[str, Any]:
    """The subset a POST's JSON body describes."""
    found = _json("body", body) if body.strip() else {}
    if not isinstance(found, dict):
        raise InvalidRequest("body", "must be a JSON object")
    return found


def _json(name: str, raw: str | bytes) -> Any:
    try:
        return limits.loads(raw)
    except limits.JsonTooDeep as exc:
        raise InvalidRequest(name, str(exc)) from None
    except ValueError:
        raise InvalidRequest(name, "must be JSON") from None


def parse_subset(fields: Mapping[str, Any], definition: ShapeDefinition) -> Subset:
    """Check a subset against the shape it narrows (400 for anything outside the where subset,
    403 for a column the role may not read)."""
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise InvalidRequest(PREFIX + unknown[0], "is not a subset parameter")
    for name in ("where", "order_by"):
        if f"{name}_expr" in fields and not isinstance(fields.get(name), str):
            raise InvalidRequest(f"{PREFIX}{name}", f"is required with {PREFIX}{name}_expr")
    columns = table_columns(definition.table)
    readable = allowed_columns(definition.table, definition.role)
    where = _text(fields, "where")
    order_by = _text(fields, "order_by")
    values = _values(fields.get("params"))
    compiled = (
        checked(
            PREFIX + "where",
            lambda: compile_where(where, columns=columns, readable=readable, params=values, prefix="s"),
        )
        if where
        else None
    )
    order_sql = (
        checked(
            PREFIX + "order_by",
            lambda: compile_order_by(order_by, columns=columns, readable=readable),
        )
        if order_by
        else None
    )
    limit, offset = _count(fields, "limit", MAX_ROWS), _count(fields, "offset", MAX_OFFSET)
    if order_sql is None and (limit is not None or offset is not None):
        raise InvalidRequest(PREFIX + "order_by", "is required with a limit or an offset (as Electric's)")
    return Subset(
        where_sql=compiled.sql if compiled else None,
        where_values=tuple(sorted(compiled.values.items())) if compiled else (),
        order_by_sql=order_sql,
        limit=limit,
        offset=offset or 0,
    )


def _text(fields: Mapping[str, Any], name: str) -> str | None:
    value = fields.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRequest(PREFIX + name, "must be a string")
    return value.strip() or None


def _count(fields: Mapping[str, Any], name: str, most: int) -> int | None:
    value = fields.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        value = limits.whole_number(value, 9)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
        raise InvalidRequest(PREFIX + name, f"must be a whole number from 0 to {most}")
    return value


def _values(raw: Any) -> dict[int, str]:
    """``$n`` values: a JSON object ``{"1": ..., "2": ...}`` (or a list) of strings and numbers."""
    if raw is None:
        return {}
    items = enumerate(raw, start=1) if isinstance(raw, list) else raw.items() if isinstance(raw, dict) else None
    if items is None:
        raise InvalidRequest(PREFIX + "params", 'must be a JSON object such as {"1": "value"}')
    found: dict[int, str] = {}
    for key, value in items:
        number = parameter_number(str(key))
        if number is None:
            raise InvalidRequest(PREFIX + "params", f"keys must be numbers of 1 to {MAX_PARAMETER_DIGITS} digits")
        if isinstance(value, bool):
            value = "true" if value else "false"
        if not isinstance(value, str | int | float):
            raise InvalidRequest(PREFIX + "params", "values must be strings or numbers")
        found[number] = str(value)
    return numbered(PREFIX + "params", found)


async def read_body(request: Request) -> bytes:
    """A POST's body, refused past :data:`MAX_BODY_BYTES` before more of it is read."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise InvalidRequest("body", f"must be at most {MAX_BODY_BYTES} bytes")
    return bytes(body)
