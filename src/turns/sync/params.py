"""The query parameters of a shape request, checked and turned into a :class:`ShapeDefinition`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from starlette.datastructures import QueryParams

from turns.access.identity import CurrentUser
from turns.sync import catalog
from turns.sync.catalog import SCHEMA, described, known, relation_name
from turns.sync.offsets import Offset, parse_offset
from turns.sync.shapes import (
    GENERIC_ROLE,
    NO_USER,
    SYNCED,
    ShapeDefinition,
    allowed_columns,
    ordered,
    table_columns,
)
from turns.sync.where import (
    MAX_PARAMETER_DIGITS,
    ColumnRefused,
    WhereError,
    compile_where,
    parameter_number,
    tokenize,
)

T = TypeVar("T")
_PARAM = re.compile(r"^params\[(.*)\]$", re.DOTALL)
_TABLE = re.compile(r'^(?:(?:"([^"]+)"|([A-Za-z_][A-Za-z0-9_]*))\.)?(?:"([^"]+)"|([A-Za-z_][A-Za-z0-9_]*))$')


class InvalidRequest(ValueError):
    """A 400 in Electric's shape: ``{"message": ..., "errors": {param: [...]}}``."""

    def __init__(self, param: str, message: str) -> None:
        self.param = param
        super().__init__(message)


class RefusedRequest(InvalidRequest):
    """The request names a column the user's role may not read (403)."""


@dataclass(frozen=True)
class ShapeRequest:
    definition: ShapeDefinition
    offset: Offset | None  # None: "now"
    handle: str | None
    live: bool
    sse: bool
    cursor: str | None


def _flag(params: QueryParams, name: str) -> bool:
    value = params.get(name)
    if value is None:
        return False
    if value not in ("true", "false"):
        raise InvalidRequest(name, "must be true or false")
    return value == "true"


def table_named(raw: str | None) -> tuple[str, str]:
    """The schema and table ``table=`` names, as PostgreSQL reads the name (unquoted names folded)."""
    if not raw:
        raise InvalidRequest("table", "is required")
    match = _TABLE.match(raw.strip())
    if match is None:
        raise InvalidRequest("table", "must be a table name, optionally schema-qualified")
    schema = match.group(1) if match.group(1) is not None else (match.group(2) or SCHEMA).lower()
    name = match.group(3) if match.group(3) is not None else match.group(4).lower()
    return schema, name


def generic_table(raw: str | None, test_schema: str | None) -> tuple[str, str] | None:
    """The schema and table a request names in the generic mode's schema (``TURNS_SYNC_TEST_SCHEMA``),
    else None."""
    if test_schema is None or not raw:
        return None
    try:
        schema, name = table_named(raw)
    except InvalidRequest:
        return None
    return (schema, name) if schema == test_schema else None


def _table(raw: str | None, test_schema: str | None) -> str:
    schema, name = table_named(raw)
    if test_schema is not None and schema == test_schema:
        found = known(relation_name(schema, name))
        if found is None:
            raise InvalidRequest("table", f"Table {raw} does not exist or has no one-column primary key")
        return found.name
    if schema != SCHEMA or name not in SYNCED:
        raise InvalidRequest("table", f"table {raw!r} is not synced; synced tables: {', '.join(sorted(SYNCED))}")
    return name


def _columns(raw: str | None, table: str, readable: frozenset[str]) -> tuple[str, ...]:
    if raw is None:
        return ordered(table, readable)
    known = table_columns(table)
    names: list[str] = []
    for token in (t for t in checked("columns", lambda: tokenize(raw)) if t.text != ","):
        if token.kind not in ("word", "quoted"):
            raise InvalidRequest("columns", "must be a comma-separated list of column names")
        name = token.text.lower() if token.kind == "word" else token.text[1:-1].replace('""', '"')
        if name not in known:
            raise InvalidRequest("columns", f"unknown column {name!r}")
        if name not in readable:
            raise RefusedRequest("columns", f"column {name!r} is not readable by your role")
        names.append(name)
    key = described(table).key
    if key not in names:
        raise InvalidRequest("columns", f"must include the primary key ({key})")
    return ordered(table, frozenset(names))


def _text(value: object | None) -> str | None:
    return str(value) if value else None


def where_params(params: QueryParams) -> dict[int, str]:
    found: dict[int, str] = {}
    for key, value in params.multi_items():
        match = _PARAM.match(key)
        if match:
            number = parameter_number(match.group(1))
            if number is None:
                raise InvalidRequest(key, f"must be params[n], n a number of 1 to {MAX_PARAMETER_DIGITS} digits")
            found[number] = value
    return numbered("params", found)


def numbered(param: str, values: dict[int, str]) -> dict[int, str]:
    """``values`` of ``$1``, ``$2``, ...; 400 unless they are numbered from 1 without gaps."""
    if sorted(values) != list(range(1, len(values) + 1)):
        raise InvalidRequest(param, "parameters must be numbered from 1 without gaps")
    return values


def checked(param: str, compile_clause: Callable[[], T]) -> T:
    """A clause of the where subset, compiled; 403 when it names a column the role may not read,
    400 when it is not in the subset."""
    try:
        return compile_clause()
    except ColumnRefused as exc:
        raise RefusedRequest(param, str(exc)) from exc
    except WhereError as exc:
        raise InvalidRequest(param, str(exc)) from exc


@lru_cache(maxsize=4096)
def _definition(
    raw_table: str | None,
    raw_columns: str | None,
    where: str | None,
    values: tuple[tuple[int, str], ...],
    replica: str,
    log_mode: str,
    user: tuple[str, str, str | None],
    test_schema: str | None,
) -> ShapeDefinition:
    """The shape a request's parameters name for a user (id, role, vendor company): compiled once
    per distinct request and user, since every long-poll of a client asks the same again."""
    table = _table(raw_table, test_schema)
    if described(table).generic != (user[1] == GENERIC_ROLE):
        # (the generic mode's tables are read without a user, every row and column; no other is)
        raise InvalidRequest("table", f"table {raw_table!r} is not synced")
    readable = allowed_columns(table, user[1])
    columns = _columns(raw_columns, table, readable)
    where_sql: str | None = None
    where_values: tuple[tuple[str, str], ...] = ()
    if where is not None and where.strip():
        compiled = checked(
            "where", lambda: compile_where(where, columns=table_columns(table), readable=readable, params=dict(values))
        )
        where_sql, where_values = compiled.sql, tuple(sorted(compiled.values.items()))
    if replica not in ("default", "full"):
        raise InvalidRequest("replica", "must be default or full")
    if log_mode not in ("full", "changes_only"):
        raise InvalidRequest("log", "must be full or changes_only")
    user_id, role, vendor_id = user
    return ShapeDefinition(table, columns, where_sql, where_values, replica, log_mode, user_id, role, vendor_id)


catalog.on_change(_definition.cache_clear)


_QUERIES_KEPT = 1024
"""Query strings kept parsed: a client chooses them (up to 16 KiB each, a request head's limit), so
few; the clients following one shape in step send one between them."""


@lru_cache(maxsize=_QUERIES_KEPT)
def query_params(query: bytes) -> QueryParams:
    """The parameters of a raw query string, parsed once per string: the clients following a shape
    send the same one after each change, and parsing it was a tenth of a long-poll's time."""
    return QueryParams(query)


@lru_cache(maxsize=_QUERIES_KEPT)
def parse_query(query: bytes, user: CurrentUser | None, test_schema: str | None = None) -> ShapeRequest:
    """:func:`parse` of a raw query string, kept per string and user (as :func:`query_params`)."""
    return parse(query_params(query), user, test_schema)


catalog.on_change(parse_query.cache_clear)


def parse(params: QueryParams, user: CurrentUser | None, test_schema: str | None = None) -> ShapeRequest:
    """The shape request of ``params``, for ``user`` (None: a table of the generic mode's schema,
    ``test_schema``, which the caller has described)."""
    values = tuple(sorted(where_params(params).items()))
    asker = (NO_USER, GENERIC_ROLE, None) if user is None else (str(user.id), user.role, _text(user.vendor_id))
    definition = _definition(
        params.get("table"),
        params.get("columns"),
        params.get("where"),
        values,
        params.get("replica", "default"),
        params.get("log", "full"),
        asker,
        test_schema,
    )
    raw_offset = params.get("offset")
    if raw_offset is None:
        raise InvalidRequest("offset", "is required")
    try:
        offset = parse_offset(raw_offset)
    except ValueError as exc:
        raise InvalidRequest("offset", str(exc)) from exc
    live = _flag(params, "live")
    sse = _flag(params, "live_sse") or _flag(params, "experimental_live_sse")
    handle = params.get("handle")
    starting = offset is None or offset.tx < 0
    if not starting and not handle:
        raise InvalidRequest("handle", "is required unless offset is -1 or now")
    if live and starting:
        raise InvalidRequest("live", "cannot be true with offset -1 or now")
    return ShapeRequest(definition, offset, handle, live, sse and live, params.get("cursor"))
