"""The search query: candidates from the trigram indexes, re-read as the caller under RLS.

Under RLS the application role's own query could not use the GIN trigram indexes of
migration ``0007_search``: pg_trgm's operators are not leakproof, so PostgreSQL evaluates
them only after the policies' conditions, row by row, and a search by a role that sees
every row read the whole table. So matching and ranking happen in ``search_candidates``
(migration ``0010_search_audit``), a definer function that uses those indexes and applies
the table's own SELECT policy (read from the catalog since ``0011_user_reference_roles``):
it returns only ids the caller can see, so rows hidden from a manager never crowd theirs out
of the limit.

A record matches when one of its searched columns has a word similar to the text (pg_trgm's
``%>``, above the threshold of 0.4 the function sets while it runs, migration
``0032_search_threshold``) or contains it. Exact and prefix
matches of an id rank first, then the word similarity of the best-matching column, then the
id. The function ranks only each column's best ``limit`` matches (a bounded sort over what its
index finds; migration ``0027_search_best_matches``), the ids starting with the text, and the
rows containing it when too few are similar: the same answer as ranking every match, without
computing every similarity of thousands of equally similar rows several times.

The candidates are then read from the table as the caller: RLS still decides which rows
come back, and only the columns the role may read are returned. Every kind asked for is
searched and ranked in one statement, made once per role and kinds (:func:`search_query`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    Float,
    Integer,
    Select,
    String,
    Table,
    Uuid,
    bindparam,
    column,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import BindParameter

from turns.access.columns import readable_columns
from turns.access.identity import CurrentUser
from turns.db.tables import properties, turns, vendors

MATCH_NAMES = {0: "exact", 1: "prefix", 2: "similar"}
"""The ``tier`` of a candidate: an id equal to the text, an id starting with it, the rest."""


@dataclass(frozen=True)
class Target:
    kind: str
    """The ``type`` of its hits."""
    table: Table
    """Its name is the kind ``search_candidates`` takes, which knows the columns searched."""
    label: str
    fields: tuple[str, ...]
    """Returned with each hit, as far as the caller's role may read them."""


TARGETS: dict[str, Target] = {
    "properties": Target(
        "property", properties, label="name", fields=("property_id", "street_address", "city", "state")
    ),
    "turns": Target(
        "turn", turns, label="turn_id", fields=("turn_id", "wo_number", "property_id", "status", "is_active")
    ),
    "vendors": Target(
        "vendor", vendors, label="company_name", fields=("company_name", "contact_name", "city", "state")
    ),
}


Param = str | int | BindParameter[Any]


def target_query(target: Target, q: Param, role: str, limit: Param) -> Select[Any]:
    """The best ``limit`` matches of ``q`` in ``target`` that the caller may see, as ``role`` may read them."""
    table = target.table
    found = (
        func.search_candidates(table.name, q, limit)
        .table_valued(column("id", Uuid), column("score", Float), column("tier", Integer))
        .alias("found")
    )
    readable = readable_columns(table.name, role)
    shown = [table.c[name] for name in target.fields if name in readable]
    return (
        select(table.c.id, table.c[target.label].label("label"), *shown, found.c.score, found.c.tier)
        .join_from(table, found, table.c.id == found.c.id)
        .order_by(found.c.tier, found.c.score.desc(), table.c.id)
    )


FIELDS = [(target, name) for target in TARGETS.values() for name in target.fields]
"""Every kind's returned fields: each has a column of its own in :func:`search_query`."""


def _field_label(target: Target, name: str) -> str:
    return f"{target.kind}_{name}"


@cache
def search_query(kinds: tuple[str, ...], role: str) -> Select[Any]:
    """The best ``:limit`` hits of ``:q`` across ``kinds``, in one statement (one round trip, not
    one per kind): each kind's :func:`target_query`, its fields in columns of their own (null in
    the other kinds' rows, and where ``role`` may not read them), ranked by tier, then score,
    then the order of ``kinds``, then id, as the kinds' hits were ranked one after the other.

    Made once for each role and kinds (building it took longer than running it), with the
    text and the limit as parameters."""
    q, limit = bindparam("q", type_=String), bindparam("limit", type_=Integer)
    branches = []
    for place, kind in enumerate(kinds):
        target = TARGETS[kind]
        matches = target_query(target, q, role, limit)
        shown = matches.selected_columns
        fields = [
            (shown[name] if own is target and name in shown else null().cast(own.table.c[name].type)).label(
                _field_label(own, name)
            )
            for own, name in FIELDS
        ]
        place_label = literal(place, Integer).label("place")
        columns = (place_label, shown.id, shown.label, shown.score, shown.tier, *fields)
        branches.append(matches.order_by(None).with_only_columns(*columns, maintain_column_froms=True))
    hits = union_all(*branches).subquery("hits")
    return select(hits).order_by(hits.c.tier, hits.c.score.desc(), hits.c.place, hits.c.id).limit(limit)


async def search(
    conn: AsyncConnection, user: CurrentUser, q: str, kinds: Sequence[str], limit: int
) -> list[dict[str, Any]]:
    """The best ``limit`` hits across ``kinds``, ranked: exact id, id prefix, then similarity."""
    found = await conn.execute(search_query(tuple(kinds), user.role), {"q": q, "limit": limit})
    hits = []
    for row in found.mappings():
        target = TARGETS[kinds[row["place"]]]
        readable = readable_columns(target.table.name, user.role)
        fields = {name: row[_field_label(target, name)] for name in target.fields if name in readable}
        hits.append(
            {"id": row["id"], "label": row["label"], **fields, "score": row["score"], "tier": row["tier"]}
            | {"type": target.kind, "match": MATCH_NAMES[row["tier"]]}
        )
    return hits
