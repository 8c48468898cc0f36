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
``%>``, above the threshold set for the transaction) or contains it. Exact and prefix
matches of an id rank first, then the word similarity of the best-matching column, then the
id. The function ranks only each column's best ``limit`` matches (a bounded sort over what its
index finds; migration ``0027_search_best_matches``), the ids starting with the text, and the
rows containing it when too few are similar: the same answer as ranking every match, without
computing every similarity of thousands of equally similar rows several times.

The candidates are then read from the table as the caller: RLS still decides which rows
come back, and only the columns the role may read are returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, Integer, Select, Table, Uuid, column, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.columns import readable_columns
from turns.access.identity import CurrentUser
from turns.db.tables import properties, turns, vendors

WORD_SIMILARITY = 0.4
"""pg_trgm's default (0.6) misses one-letter typos in short words ("Mapel" for "Maple" is 0.5)."""
_THRESHOLD = text("SELECT set_config('pg_trgm.word_similarity_threshold', :threshold, true)")
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


def target_query(target: Target, q: str, role: str, limit: int) -> Select[Any]:
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


async def search(
    conn: AsyncConnection, user: CurrentUser, q: str, kinds: Sequence[str], limit: int
) -> list[dict[str, Any]]:
    """The best ``limit`` hits across ``kinds``, ranked: exact id, id prefix, then similarity."""
    await conn.execute(_THRESHOLD, {"threshold": str(WORD_SIMILARITY)})
    rows: list[dict[str, Any]] = []
    for kind in kinds:
        target = TARGETS[kind]
        result = await conn.execute(target_query(target, q, user.role, limit))
        rows += [dict(row) | {"type": target.kind} for row in result.mappings()]
    rows.sort(key=lambda r: (r["tier"], -r["score"]))
    return [{**r, "match": MATCH_NAMES[r["tier"]]} for r in rows[:limit]]
