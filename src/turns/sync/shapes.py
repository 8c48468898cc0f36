"""What a shape is: a synced table, a row filter, a column list, for one user.

The rows of a shape are read by the application role with the user set, exactly as the
API reads them, so RLS decides which rows a user receives and
:func:`turns.access.readable_columns` which columns. The client's ``where`` (see
:mod:`turns.sync.where`) can only narrow that.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import ARRAY, Select, Text, TextClause, bindparam, literal_column, select, text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import NullType

from turns.access.columns import readable_columns
from turns.access.scope import scope_hint
from turns.sync import protocol
from turns.sync.catalog import Described, described, quoted

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
GENERIC_ROLE = "generic"
"""The role of the shapes of the generic mode (:mod:`turns.sync.catalog`): no user, no RLS."""
NO_USER = "00000000-0000-0000-0000-000000000000"

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

    @property
    def generic(self) -> bool:
        """A shape of the generic mode: any table of the test schema, read without a user."""
        return self.role == GENERIC_ROLE

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
        """The shape's rows as text, keyed by their primary key; only ``ids`` when given."""
        found = described(self.table)
        table = found.table
        query = self.rows(select(*self._values(found, key_as_text=True)).select_from(table))
        if ids is not None:
            key = table.c[found.key]
            if found.generic:  # (keys of any type, sent as text)
                keys = bindparam("keys", ids, type_=ARRAY(Text))
                query = query.where(
                    text(f"{_name(found.key)} = ANY(CAST(:keys AS {found.key_type}[]))").bindparams(keys)
                )
            else:
                query = query.where(key.in_([UUID(i) for i in ids]))
        return query

    def _values(self, found: Described, *, key_as_text: bool) -> list[Any]:
        """The shape's columns as the text Electric sends; the key as it is unless ``key_as_text``
        (a uuid is the same JSON string either way, and it sorts as the key)."""
        boolean = found.booleans
        selected: list[Any] = []
        for column in self.columns:
            name = _name(column)
            if column == found.key and not key_as_text and not found.generic:
                selected.append(found.table.c[column])
                continue
            if column in boolean:
                # bool::text is 'true'/'false'; the text output (what Electric sends) is 't'/'f'.
                expression = f"CASE WHEN {name} THEN 't' WHEN NOT {name} THEN 'f' END"
            else:
                expression = f"CAST({name} AS text)"
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
        found = described(self.table)
        compiled = self.rows(select(*self._values(found, key_as_text=False)).select_from(found.table)).compile(
            dialect=dialect
        )
        headers = _literal(protocol.dumps({"operation": "insert", "relation": [found.schema, found.relation]}))
        pk = "v." + _name(found.key)
        prefix = _literal(quoted(found.schema, found.relation) + '/"')
        key = f"""to_json({prefix} || replace({pk}::text, '/', '//') || '"')"""
        message = f"""'{{"key":' || {key} || ',"value":' || row_to_json(v.*) || ',"headers":' || {headers} || '}},'"""
        # A generic table's rows come as Electric's come, as the table is read (its tests expect the
        # order rows were inserted in); the engine reads such a snapshot whole to find a row.
        order = "" if found.generic else f" ORDER BY {pk}"
        sql = (
            f"COPY (SELECT {message} FROM ({compiled}) v{order})"
            " TO STDOUT WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')"
        )
        return sql, dict(compiled.params)

    def rows(self, query: Select[Any]) -> Select[Any]:
        """``query`` narrowed to the shape's rows: the user's scope and the shape's ``where``."""
        if not self.generic:
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


def _name(column: str) -> str:
    """``column`` as an SQL identifier."""
    return '"' + column.replace('"', '""') + '"'


def _literal(value: str) -> str:
    """``value`` as an SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def allowed_columns(table: str, role: str) -> frozenset[str]:
    return table_columns(table) if role == GENERIC_ROLE else _readable(table, role)


@cache
def _readable(table: str, role: str) -> frozenset[str]:
    return readable_columns(table, role)


def table_columns(table: str) -> frozenset[str]:
    return described(table).column_names


def ordered(table: str, columns: frozenset[str]) -> tuple[str, ...]:
    """``columns`` in the table's order, the key first."""
    found = described(table)
    return (found.key, *(c for c in found.columns if c in columns and c != found.key))


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
    table = described(definition.table)
    result = await conn.execute(_SCHEMA_SQL, {"table": quoted(table.schema, table.relation)})
    for row in result:
        name, typname, element, dims, not_null, typmod = row[0], row[1], row[2], int(row[3]), row[4], int(row[5])
        if name not in definition.columns:
            continue
        info: dict[str, Any] = {"type": element or typname}
        if element:
            info["dims"] = max(int(dims), 1)
        if name == table.key:
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
