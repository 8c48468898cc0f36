"""The tables shapes are read from, as the engine names them: their schema, key and columns.

Turns' own synced tables (:data:`turns.sync.shapes.SYNCED`) are described by the application's
table descriptions and named as they are (``turns``). In the generic mode
(``TURNS_SYNC_TEST_SCHEMA``, docs/sync.md "Electric's own test suite") any table of one schema
is served too: it is described from PostgreSQL's catalog when it is first asked for, named
``<schema>.<table>``, and put in the publication so its changes are decoded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property

import psycopg
from psycopg import sql
from sqlalchemy import Boolean, Column, MetaData, Table
from sqlalchemy.types import NullType

from turns.db import tables
from turns.db.urls import DatabaseUrls

SCHEMA = "public"
PRIMARY_KEY = "id"
PUBLICATION = "electric_publication"


@dataclass(frozen=True)
class Described:
    name: str
    """How the engine names the table: ``turns``, or ``<schema>.<table>`` outside ``public``."""
    schema: str
    relation: str
    key: str
    """The primary key's column (one column, of any type)."""
    key_type: str
    table: Table
    columns: tuple[str, ...]
    """In the table's order."""
    kinds: Mapping[str, str] = field(default_factory=dict)
    """A generic table's columns that :mod:`turns.sync.predicates` can judge in Python, by kind
    (``text``, ``int``, ``numeric``, ``uuid``, ``bool``; Turns' own tables are typed by their
    descriptions)."""

    @cached_property
    def column_names(self) -> frozenset[str]:
        return frozenset(self.columns)

    @cached_property
    def booleans(self) -> frozenset[str]:
        return frozenset(c.name for c in self.table.columns if isinstance(c.type, Boolean))

    @property
    def generic(self) -> bool:
        return self.schema != SCHEMA


_generic: dict[str, Described] = {}
_forgetting: list[Callable[[], None]] = []
"""Caches of what was worked out from a table's columns, cleared when a generic table is described
with other columns than before (see :func:`on_change`)."""


def on_change(forget: Callable[[], None]) -> None:
    _forgetting.append(forget)


def _changed() -> None:
    """A generic table is gone or has other columns: forget what was worked out from it as it was."""
    for forget in _forgetting:
        forget()


def relation_name(schema: str, relation: str) -> str:
    """The engine's name of ``schema.relation``: the bare name in ``public``."""
    return relation if schema == SCHEMA else f"{schema}.{relation}"


def described(name: str) -> Described:
    """The table the engine names ``name``; KeyError when it is neither synced nor described."""
    found = _generic.get(name)
    return found if found is not None else _own(name)


def known(name: str) -> Described | None:
    try:
        return described(name)
    except KeyError:
        return None


@cache
def _own(name: str) -> Described:
    table = tables.metadata.tables[name]
    return Described(name, SCHEMA, name, PRIMARY_KEY, "uuid", table, tuple(c.name for c in table.columns))


_KINDS = {
    "bool": "bool",
    "int2": "int",
    "int4": "int",
    "int8": "int",
    "numeric": "numeric",
    "uuid": "uuid",
    "text": "text",
    "varchar": "text",
}
"""Types whose text output means in Python what the value means in PostgreSQL (an enum's label, too)."""
_COLUMNS = """
    SELECT a.attname, t.typname, t.typtype, coalesce(a.attnum = ANY (i.indkey), false),
        format_type(a.atttypid, NULL)
    FROM pg_attribute a
    JOIN pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
    WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY a.attnum
"""


@cache
def quoted(schema: str, relation: str) -> str:
    """``"schema"."relation"``, as PostgreSQL reads a name and Electric writes it in a key."""
    return sql.Identifier(schema, relation).as_string(None)


async def describe(url: str, schema: str, relation: str) -> Described | None:
    """Read ``schema.relation`` from the catalog and keep its description; None (and nothing kept)
    when it does not exist or has no one-column primary key."""
    name = relation_name(schema, relation)
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        exists = await (await conn.execute("SELECT to_regclass(%s)", (quoted(schema, relation),))).fetchone()
        rows = (
            []
            if exists is None or exists[0] is None
            else await (await conn.execute(_COLUMNS, (quoted(schema, relation),))).fetchall()
        )
    keys = [(str(column), str(type_name)) for column, _, _, is_key, type_name in rows if is_key]
    if len(keys) != 1:
        if _generic.pop(name, None) is not None:
            _changed()
        return None
    columns = [Column(str(name), Boolean() if kind == "bool" else NullType()) for name, kind, *_ in rows]
    kinds = {str(name): _KINDS.get(str(kind), "text" if typtype == "e" else "") for name, kind, typtype, *_ in rows}
    table = Table(relation, MetaData(), *columns, schema=schema)
    (key, key_type), named = keys[0], tuple(c.name for c in columns)
    found = Described(
        name,
        schema,
        relation,
        key,
        key_type,
        table,
        named,
        {name: kind for name, kind in kinds.items() if kind},
    )
    before = _generic.get(name)
    _generic[found.name] = found
    if before is not None and before.columns != found.columns:
        _changed()
    return found


def owner_url(urls: DatabaseUrls) -> str:
    """Who describes and publishes the generic mode's tables: the embedded server's superuser, else
    the owner (the tables' owner, or a superuser, may put them in the publication)."""
    return urls.superuser or urls.owner


_publishing = asyncio.Lock()
"""One table at a time: two grants on one schema at once fail ("tuple concurrently updated")."""


async def publish(url: str, found: Described, reader: str) -> None:
    """Put a generic table in the publication with its whole rows in the WAL, and let the
    application role (``reader``) read it: as Electric prepares a table on its first shape.
    ``url`` is the table owner's (or a superuser's)."""
    name = sql.Identifier(found.schema, found.relation)
    async with _publishing, await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        published = await (
            await conn.execute(
                "SELECT 1 FROM pg_publication_tables WHERE pubname = %s AND schemaname = %s AND tablename = %s",
                (PUBLICATION, found.schema, found.relation),
            )
        ).fetchone()
        if published is not None:
            return
        schema, role = sql.Identifier(found.schema), sql.Identifier(reader)
        try:
            async with conn.transaction():
                await conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, role))
                await conn.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(name, role))
                await conn.execute(sql.SQL("ALTER TABLE {} REPLICA IDENTITY FULL").format(name))
                await conn.execute(
                    sql.SQL("ALTER PUBLICATION {} ADD TABLE {}").format(sql.Identifier(PUBLICATION), name)
                )
        except psycopg.errors.DuplicateObject:
            pass  # published by a request that asked at the same time
