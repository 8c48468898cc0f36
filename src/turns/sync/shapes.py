"""What a shape is: a synced table, a row filter, a column list, for one user.

The rows of a shape are read by the application role with the user set, exactly as the
API reads them, so RLS decides which rows a user receives and
:func:`turns.access.readable_columns` which columns. The client's ``where`` (see
:mod:`turns.sync.where`) can only narrow that.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import Boolean, Select, Table, TextClause, bindparam, literal_column, select, text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import NullType

from turns.access.columns import readable_columns
from turns.access.scope import scope_hint
from turns.db import tables

BIDS = ("bid_requests", "bid_request_lines", "bids", "bid_prices")
"""A turn's bid requests, the lines they cover, each invited vendor's bid and its prices
(migration 0021): a manager reads those of their turns, a vendor user its company's bids."""
SYNCED = frozenset(
    {
        "users",
        "properties",
        "turns",
        "turn_stages",
        "vendors",
        "utility_providers",
        "notifications",
        "turn_stage_history",
        "scope_lines",
        "photos",
        *BIDS,
        "vendor_visits",
        "inspections",
        "inspection_results",
    }
)
"""The tables of the ``electric_publication`` publication (migrations 0003, 0018-0022)."""
HIDDEN_FROM_VENDORS = frozenset({"inspections", "inspection_results"})
"""Tables a vendor user reads nothing of (an inspection records the resident's damage and
charge-backs; a vendor reads its own lines of the scope that comes of it)."""
READ_AS_THEIR_TURN = frozenset({"turn_stage_history", "photos"}) | HIDDEN_FROM_VENDORS
"""Tables whose rows a user reads exactly when they read the row's turn (their RLS policies
ask the turns policy), but for :data:`HIDDEN_FROM_VENDORS` by vendor users."""
READ_AS_THEIR_TURN_BY_ITS_VENDOR = frozenset({"scope_lines", "vendor_visits"})
"""Tables read as their turn is, except that a vendor user reads only the rows naming its
company (``vendor_id``), of the turns assigned to it."""
MOVE_WITH_THEIR_TURN = READ_AS_THEIR_TURN | READ_AS_THEIR_TURN_BY_ITS_VENDOR | frozenset(BIDS)
"""Tables whose rows move in or out of a user's reach when their turn does (a manager reads the
bids of their turns)."""
SCHEMA = "public"
PRIMARY_KEY = "id"

# Values are PostgreSQL's text output with the formats Electric's server fixes per session.
FORMATS = (
    ("DateStyle", "ISO, DMY"),
    ("TimeZone", "UTC"),
    ("extra_float_digits", "1"),
    ("bytea_output", "hex"),
    ("IntervalStyle", "iso_8601"),
)


def format_sql(*, local: bool) -> str:
    """Sets :data:`FORMATS` for the transaction (``local``) or the session."""
    scope = "true" if local else "false"
    return "SELECT " + ", ".join(f"set_config('{name}', '{value}', {scope})" for name, value in FORMATS)


FORMAT_SQL = format_sql(local=True)


@dataclass(frozen=True)
class ShapeDefinition:
    table: str
    columns: tuple[str, ...]
    where_sql: str | None
    where_values: tuple[tuple[str, str], ...]
    replica: str
    log: str
    user_id: str
    role: str
    vendor_id: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ShapeDefinition:
        return cls(
            **{
                **data,
                "columns": tuple(data["columns"]),
                "where_values": tuple((str(k), str(v)) for k, v in data["where_values"]),
            }
        )

    def query(self, ids: list[str] | None = None) -> Select[Any]:
        """The shape's rows as text, keyed by ``id``; only ``ids`` when given."""
        table = tables.metadata.tables[self.table]
        query = self.rows(select(*self._values(table, key_as_text=True)).select_from(table))
        if ids is not None:
            query = query.where(table.c[PRIMARY_KEY].in_([UUID(i) for i in ids]))
        return query

    def _values(self, table: Table, *, key_as_text: bool) -> list[Any]:
        """The shape's columns as the text Electric sends; the key as it is unless ``key_as_text``
        (a uuid is the same JSON string either way, and it sorts as the key)."""
        boolean = {c.name for c in table.columns if isinstance(c.type, Boolean)}
        selected: list[Any] = []
        for column in self.columns:
            quoted = '"' + column + '"'
            if column == PRIMARY_KEY and not key_as_text:
                selected.append(table.c[PRIMARY_KEY])
                continue
            if column in boolean:
                # bool::text is 'true'/'false'; the text output (what Electric sends) is 't'/'f'.
                expression = f"CASE WHEN {quoted} THEN 't' WHEN NOT {quoted} THEN 'f' END"
            else:
                expression = f"CAST({quoted} AS text)"
            selected.append(literal_column(expression).label(column))
        return selected

    def snapshot_copy(self, dialect: Dialect) -> tuple[str, dict[str, Any]]:
        """``COPY`` of the shape's snapshot as the lines of its log file (:mod:`turns.sync.logfile`): per
        row, in primary-key order, its insert message as compact JSON followed by ``,``. PostgreSQL
        writes the JSON (``row_to_json`` of the same text values as :meth:`query`); CSV with a quote and
        a delimiter that JSON never holds raw leaves every byte as it is. The statement and its
        parameters, bound by the client (``COPY`` takes no server-side parameters).

        The message is put together in the same row as the values (no subquery of its own) and the
        order is the key itself: with the policies' helpers parallel safe, PostgreSQL's parallel
        workers write the JSON and sort it, and the leader only merges (docs/sync.md)."""
        table = tables.metadata.tables[self.table]
        compiled = self.rows(select(*self._values(table, key_as_text=False)).select_from(table)).compile(
            dialect=dialect
        )
        headers = json.dumps({"operation": "insert", "relation": [SCHEMA, self.table]}, separators=(",", ":"))
        key = f"""to_json('"{SCHEMA}"."{self.table}"/"' || replace(v.{PRIMARY_KEY}::text, '/', '//') || '"')"""
        message = f"""'{{"key":' || {key} || ',"value":' || row_to_json(v) || ',"headers":{headers}}},'"""
        sql = (
            f"COPY (SELECT {message} FROM ({compiled}) v ORDER BY v.{PRIMARY_KEY})"
            " TO STDOUT WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')"
        )
        return sql, dict(compiled.params)

    def rows(self, query: Select[Any]) -> Select[Any]:
        """``query`` narrowed to the shape's rows: the user's scope and the shape's ``where``."""
        query = query.where(*scope_hint(self.table, self.role, UUID(self.user_id), _uuid(self.vendor_id)))
        if self.where_sql is not None:
            query = query.where(bound(self.where_sql, self.where_values))
        return query


def bound(sql: str, values: Iterable[tuple[str, str]]) -> TextClause:
    """A clause of :mod:`turns.sync.where` with its values bound.

    Untyped binds: PostgreSQL types each value from where it stands (uuid, enum, date ...)."""
    return text(sql).bindparams(*(bindparam(name, value, type_=NullType()) for name, value in values))


def _uuid(value: str | None) -> UUID | None:
    return UUID(value) if value else None


@cache
def allowed_columns(table: str, role: str) -> frozenset[str]:
    return readable_columns(table, role)


@cache
def table_columns(table: str) -> frozenset[str]:
    return frozenset(c.name for c in tables.metadata.tables[table].columns)


@cache
def ordered(table: str, columns: frozenset[str]) -> tuple[str, ...]:
    """``columns`` in the table's order, the key first."""
    order = [c.name for c in tables.metadata.tables[table].columns if c.name in columns]
    return (PRIMARY_KEY, *(c for c in order if c != PRIMARY_KEY))


_SCHEMA_SQL = text(
    """
    SELECT a.attname, t.typname, e.typname AS element, a.attndims, a.attnotnull, a.atttypmod
    -- (name, type, element type of an array, dimensions, not null, type modifier)
    FROM pg_attribute a
    JOIN pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
    WHERE a.attrelid = CAST(:table AS regclass) AND a.attnum > 0 AND NOT a.attisdropped
    """
)


async def column_schema(conn: AsyncConnection, definition: ShapeDefinition) -> dict[str, dict[str, Any]]:
    """The ``electric-schema`` header: per column its type and what qualifies it."""
    found: dict[str, dict[str, Any]] = {}
    result = await conn.execute(_SCHEMA_SQL, {"table": f"{SCHEMA}.{definition.table}"})
    for row in result:
        name, typname, element, dims, not_null, typmod = row[0], row[1], row[2], int(row[3]), row[4], int(row[5])
        if name not in definition.columns:
            continue
        info: dict[str, Any] = {"type": element or typname}
        if element:
            info["dims"] = max(int(dims), 1)
        if name == PRIMARY_KEY:
            info["pk_index"] = 0
        if not_null:
            info["not_null"] = True
        base = element or typname
        if typmod > 0:
            if base == "varchar":
                info["max_length"] = typmod - 4
            elif base == "bpchar":
                info["length"] = typmod - 4
            elif base == "numeric":
                info["precision"] = ((typmod - 4) >> 16) & 0xFFFF
                info["scale"] = (typmod - 4) & 0xFFFF
            elif base in ("timestamp", "timestamptz", "time", "timetz", "interval"):
                info["precision"] = typmod
        found[name] = info
    return {name: found[name] for name in definition.columns if name in found}
