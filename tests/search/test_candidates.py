"""``search_candidates`` (migration 0010_search_audit): the trigram indexes, within the caller's scope."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import create_engine

from tests.fixtures.factory import Factory, User
from turns.access.identity import CurrentUser
from turns.access.roles import ROLES
from turns.auth.transaction import open_transaction
from turns.db.context import Actor
from turns.db.engines import Database
from turns.db.urls import DatabaseUrls
from turns.search.service import TARGETS, search, target_query

PSYCOPG = create_engine("postgresql+psycopg://").dialect
SET_CALLER = "SELECT set_config('app.current_user_id', %s, true)"
# Where the test rows of each kind carry the text "Maple".
MAPLE_COLUMN = {"properties": "street_address", "turns": "turn_id", "vendors": "company_name"}
PROPERTY_INDEXES = {"idx_properties_search_id", "idx_properties_search_name", "idx_properties_search_address"}
VENDOR_INDEXES = {"idx_vendors_search_company", "idx_vendors_search_contact"}


def candidates(db: DatabaseUrls, user_id: UUID, kind: str, q: str, limit: int = 50) -> list[UUID]:
    """The ids ``search_candidates`` gives ``user_id``, as the application role."""
    with psycopg.connect(db.app) as conn:
        conn.execute(SET_CALLER, (str(user_id),))
        rows = conn.execute("SELECT id FROM search_candidates(%s, %s, %s)", (kind, q, limit)).fetchall()
    return [row[0] for row in rows]


def visible_maple_rows(db: DatabaseUrls, user_id: UUID, kind: str) -> set[UUID]:
    """The rows with "Maple" in them that RLS lets ``user_id`` read."""
    with psycopg.connect(db.app) as conn:
        conn.execute(SET_CALLER, (str(user_id),))
        rows = conn.execute(f"SELECT id FROM {kind} WHERE {MAPLE_COLUMN[kind]} ILIKE '%%Maple%%'").fetchall()
    return {row[0] for row in rows}


def bulk(db: DatabaseUrls, statement: str) -> None:
    """Rows inserted as the superuser, without the audit and history triggers, then vacuumed (which
    moves them from the pending list of the GIN indexes into the indexes) and analysed."""
    assert db.superuser is not None
    with psycopg.connect(db.superuser, autocommit=True) as conn:
        with conn.transaction():
            conn.execute("SET LOCAL session_replication_role = replica")
            conn.execute(statement)
        conn.execute("VACUUM ANALYZE vendors, properties, turns")


def test_a_managers_candidates_are_their_portfolio_only(db: DatabaseUrls, factory: Factory) -> None:
    """Better matches in another portfolio are never returned, and never crowd out the manager's own."""
    manager, other = factory.user("PROPERTY_MANAGER"), factory.user("PROPERTY_MANAGER")
    mine = factory.property(manager, name="Maple Courtyard", street_address="5 Elm Road")
    my_turn = factory.turn(mine, turn_id="TRN-MAPLE-COURTYARD")
    for n in range(30):
        theirs = factory.property(other, name="Maple Court", street_address=f"{n} Maple Court")
        factory.turn(theirs, turn_id=f"TRN-MAPLE-COURT-{n}")
    assert candidates(db, manager.id, "properties", "Maple Court", limit=1) == [mine]
    assert candidates(db, manager.id, "properties", "Maple Court") == [mine]
    assert candidates(db, manager.id, "turns", "TRN-MAPLE-COURT", limit=1) == [my_turn]
    assert candidates(db, manager.id, "turns", "TRN-MAPLE-COURT") == [my_turn]
    assert len(candidates(db, other.id, "properties", "Maple Court")) == 30


def test_every_role_gets_what_rls_shows(db: DatabaseUrls, factory: Factory) -> None:
    """The function states each role's scope exactly as the SELECT policies do: never more (no
    row RLS would hide), never less (no row RLS would show is missing)."""
    supplier = factory.vendor(company_name="Maple Plumbing")
    factory.vendor(company_name="Maple Painting")
    manager, senior, other = (
        factory.user("PROPERTY_MANAGER"),
        factory.user("SR_PROPERTY_MANAGER"),
        factory.user("PROPERTY_MANAGER"),
    )
    users = {role: factory.user(role, vendor_id=supplier if role == "VENDOR" else None).id for role in ROLES}
    users["PROPERTY_MANAGER"], users["SR_PROPERTY_MANAGER"] = manager.id, senior.id
    for n, (pm, sr) in enumerate([(manager, None), (manager, senior), (other, None), (other, None)]):
        home = factory.property(pm, sr, street_address=f"{n} Maple Street")
        factory.turn(home, turn_id=f"TRN-MAPLE-{n}", vendor_id=supplier if n == 3 else None)
    checked: dict[str, int] = {}
    for role, user_id in users.items():
        for kind in TARGETS:
            expected = visible_maple_rows(db, user_id, kind)
            assert set(candidates(db, user_id, kind, "Maple")) == expected, (role, kind)
            checked[f"{role} {kind}"] = len(expected)
    assert checked["ADMIN properties"] == 4
    assert (checked["PROPERTY_MANAGER properties"], checked["SR_PROPERTY_MANAGER properties"]) == (2, 1)
    assert (checked["VENDOR properties"], checked["VENDOR turns"], checked["VENDOR vendors"]) == (1, 1, 1)
    assert (checked["USER properties"], checked["USER turns"], checked["USER vendors"]) == (0, 0, 2)


def one_pass(
    db: DatabaseUrls, kind: str, searched: tuple[str, ...], ids: tuple[str, ...], q: str, limit: int
) -> list[UUID]:
    """The ranking the search promises, by ranking every match at the caller's threshold: an id
    equal to the text, then an id starting with it, then the best similarity of a column, then id."""
    similar = [f"{c} %%> %(q)s" for c in searched]
    contains = [f"{c} ILIKE %(contains)s" for c in searched] if len(q) >= 3 else []
    exact = " OR ".join(f"lower({c}) = lower(%(q)s)" for c in ids)
    prefix = " OR ".join(f"{c} ILIKE %(prefix)s" for c in ids)
    best = ", ".join(f"word_similarity(%(q)s, {c})" for c in searched)
    statement = (
        f"SELECT id FROM {kind} WHERE {' OR '.join(similar + contains)}"
        f" ORDER BY CASE WHEN {exact} THEN 0 WHEN {prefix} THEN 1 ELSE 2 END, greatest({best}) DESC, id"
        " LIMIT %(limit)s"
    )
    assert db.superuser is not None
    with psycopg.connect(db.superuser) as conn:
        conn.execute(
            "SELECT set_config(option_name, option_value, true) FROM pg_proc, pg_options_to_table(proconfig)"
            " WHERE proname = 'search_candidates' AND option_name = 'pg_trgm.word_similarity_threshold'"
        )  # the threshold the search uses (migration 0032_search_threshold)
        rows = conn.execute(statement, {"q": q, "contains": f"%{q}%", "prefix": f"{q}%", "limit": limit})
        return [row[0] for row in rows]


@pytest.fixture
def similar_ids(db: DatabaseUrls, factory: Factory) -> UUID:
    """400 turns whose ids share a prefix (every one similar to every other), and an admin."""
    admin = factory.user("ADMIN").id
    bulk(
        db,
        "WITH home AS (INSERT INTO properties (property_id, name, street_address)"
        " VALUES ('P-SIMILAR', 'Similar', '1 Elm Road') RETURNING id)"
        " INSERT INTO turns (turn_id, wo_number, property_id, stage_id)"
        " SELECT 'TRN-2024-' || lpad(g::text, 5, '0'), 'WO-' || (550000 + g), home.id,"
        "  (SELECT id FROM turn_stages ORDER BY display_order LIMIT 1)"
        " FROM home, generate_series(1, 400) g",
    )
    return admin


@pytest.mark.parametrize("q", ["TRN-2024-0017", "TRN-2024-00017", "2024-003", "TRN-2O24-00123", "WO-550", "WO-5502"])
@pytest.mark.parametrize("limit", [1, 20])
def test_turn_candidates_give_the_ranking_of_one_pass(db: DatabaseUrls, similar_ids: UUID, q: str, limit: int) -> None:
    """Each column's best matches, with the ids that contain the text, give what ranking every
    match at the caller's threshold gives first."""
    ranked = one_pass(db, "turns", ("turn_id", "wo_number"), ("turn_id", "wo_number"), q, limit)
    assert len(ranked) == limit
    assert candidates(db, similar_ids, "turns", q, limit) == ranked


@pytest.fixture
def maple_homes(db: DatabaseUrls, factory: Factory) -> UUID:
    """600 properties on a few streets (hundreds of addresses equally similar to a misspelt
    street), with ids sharing prefixes, and an admin."""
    admin = factory.user("ADMIN").id
    bulk(
        db,
        "INSERT INTO properties (property_id, name, street_address)"
        " SELECT 'MA-' || g, (ARRAY['Maple Court Homes', 'Mabel Place', 'Elm Row', 'Home'])[g % 4 + 1] || ' ' || g,"
        "  g || ' ' || (ARRAY['Maple Street', 'Maple Ct', 'Mabel Road', 'Maplewood Ave', 'Elm Road'])[g % 5 + 1]"
        " FROM generate_series(1, 600) g",
    )
    return admin


@pytest.mark.parametrize("q", ["Mapel", "Maple Ct", "Mapl", "MA-1", "Ma", "Mabel Plac"])
@pytest.mark.parametrize("limit", [1, 20, 50])
def test_best_matches_give_the_ranking_of_one_pass(db: DatabaseUrls, maple_homes: UUID, q: str, limit: int) -> None:
    """Among hundreds of equally similar addresses and names, each column's best matches give the
    ranking of every match: ties by id."""
    ranked = one_pass(db, "properties", ("property_id", "name", "street_address"), ("property_id",), q, limit)
    assert len(ranked) == limit
    assert candidates(db, maple_homes, "properties", q, limit) == ranked


def test_an_admins_search_reads_the_trigram_indexes(db: DatabaseUrls, factory: Factory) -> None:
    """The plans of the statements inside the function (logged by auto_explain) read the trigram
    indexes of migration 0007_search, never the whole table; the search statement itself only joins the
    candidates to the rows RLS lets the caller read, matching nothing itself."""
    assert db.superuser is not None
    admin = factory.user("ADMIN")
    bulk(
        db,
        "INSERT INTO vendors (company_name, contact_name)"
        " SELECT CASE WHEN g % 500 = 0 THEN 'Maple Supply ' ELSE 'Company ' END || g, 'Contact ' || g"
        " FROM generate_series(1, 5000) g;"
        " INSERT INTO properties (property_id, name, street_address)"
        " SELECT 'P-' || g, 'Home ' || g, g || CASE WHEN g % 500 = 0 THEN ' Maple Street' ELSE ' Elm Road' END"
        " FROM generate_series(1, 5000) g;"
        " INSERT INTO turns (turn_id, wo_number, property_id, stage_id)"
        " SELECT 'T-' || left(md5(p.property_id), 10), 'WO-' || right(md5(p.property_id), 8), p.id, s.id"
        " FROM properties p, (SELECT id FROM turn_stages ORDER BY display_order LIMIT 1) s",
    )
    wanted = "T-" + hashlib.md5(b"P-4217").hexdigest()[:10]
    plans: list[str] = []
    with psycopg.connect(db.superuser) as conn:
        conn.add_notice_handler(lambda notice: plans.append(notice.message_primary or ""))
        conn.execute("LOAD 'auto_explain'")
        for setting in ("log_min_duration = 0", "log_nested_statements = on", "log_level = notice"):
            conn.execute(f"SET auto_explain.{setting}")
        conn.execute("SET ROLE turns_app")
        conn.execute(SET_CALLER, (str(admin.id),))
        every_500th = range(500, 5001, 500)
        for kind, q, hits, indexes in (
            ("properties", "Mapel", {f"Home {g}" for g in every_500th}, PROPERTY_INDEXES),
            ("turns", wanted[:-1], {wanted}, {"idx_turns_search_id", "idx_turns_search_wo"}),
            ("vendors", "Mapel Supply", {f"Maple Supply {g}" for g in every_500th}, VENDOR_INDEXES),
        ):
            plans.clear()
            compiled = target_query(TARGETS[kind], q, admin.role, 20).compile(dialect=PSYCOPG)
            assert {row[1] for row in conn.execute(compiled.string, compiled.params)} == hits
            searches = [plan for plan in plans if f"FROM {kind} WHERE" in plan]
            assert searches, plans
            read = {name for name in indexes for plan in searches if f"Bitmap Index Scan on {name} " in plan}
            assert read == indexes, plans
            for plan in searches:
                assert "Seq Scan" not in plan, plan
            outer = "\n".join(row[0] for row in conn.execute("EXPLAIN " + compiled.string, compiled.params))
            assert "Function Scan on search_candidates" in outer, outer
            assert "%>" not in outer and "word_similarity" not in outer, outer


def test_unknown_kind_is_refused(db: DatabaseUrls, factory: Factory) -> None:
    admin = factory.user("ADMIN")
    with pytest.raises(psycopg.errors.InvalidParameterValue):
        candidates(db, admin.id, "users", "Maple")


def _one_kind_at_a_time(db: DatabaseUrls, user: User, q: str, kinds: list[str], limit: int) -> list[tuple[Any, ...]]:
    """Each kind's own query, one after the other, then their hits ranked together by tier and
    score (a stable sort: ties keep the kinds' order, then each query's id order)."""
    hits: list[tuple[Any, ...]] = []
    with psycopg.connect(db.app) as conn:
        conn.execute(SET_CALLER, (str(user.id),))
        for kind in kinds:
            compiled = target_query(TARGETS[kind], q, user.role, limit).compile(dialect=PSYCOPG)
            for row in conn.execute(compiled.string, compiled.params):
                hits.append((TARGETS[kind].kind, row[0], row[1], row[-2], row[-1]))
    hits.sort(key=lambda hit: (hit[4], -hit[3]))
    return hits[:limit]


async def _searched(
    db: DatabaseUrls, user: User, asked: list[tuple[str, list[str], int]]
) -> list[list[tuple[Any, ...]]]:
    database = Database.connect(db, pool_size=1)
    caller = CurrentUser(id=user.id, email=user.email, role=user.role, vendor_id=None, session_id=uuid4())
    found = []
    try:
        for q, kinds, limit in asked:
            async with open_transaction(database, Actor(user_id=user.id, context="test"), read_only=True) as conn:
                hits = await search(conn, caller, q, kinds, limit)
            found.append([(h["type"], h["id"], h["label"], h["score"], h["tier"]) for h in hits])
    finally:
        await database.dispose()
    return found


def test_one_statement_ranks_every_kind_as_their_own_queries_did(db: DatabaseUrls, factory: Factory) -> None:
    """Hits of several kinds with the same tier and score, cut by the limit: the search's one
    statement keeps the order of one query per kind ranked together."""
    manager, other = factory.user("PROPERTY_MANAGER"), factory.user("PROPERTY_MANAGER")
    for owner in (manager, manager, other):
        home = factory.property(owner, name="Maple Court", street_address="1 Maple Court")
        factory.turn(home, turn_id=f"MAPLE-COURT-{home.hex[:6]}")
    for _ in range(3):
        factory.vendor(company_name="Maple Court", contact_name="Maple Court")
    every = list(TARGETS)
    asked = [
        (q, kinds, limit)
        for q in ("Maple Court", "Mapel Cort", "MAPLE-COURT", "Maple")
        for kinds in (every, every[::-1], ["vendors", "properties"])
        for limit in (1, 4, 20)
    ]
    for user in (factory.user("ADMIN"), manager):
        expected = [_one_kind_at_a_time(db, user, q, kinds, limit) for q, kinds, limit in asked]
        assert asyncio.run(_searched(db, user, asked)) == expected
        assert any(len({hit[0] for hit in hits}) == 3 for hits in expected)  # every kind ranked together


def test_updates_leave_no_backlog_for_searches(db: DatabaseUrls, factory: Factory) -> None:
    """Updates write the search indexes' entries at once: a GIN pending list would be read whole by
    every search, and every non-HOT update of a turn added a dozen entries to it."""
    manager = factory.user("PROPERTY_MANAGER")
    turn = factory.turn(factory.property(manager), turn_id="TRN-BACKLOG")
    vendor = factory.vendor(company_name="Backlog Painting")
    assert db.superuser is not None
    with psycopg.connect(db.superuser, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        with conn.transaction():
            conn.execute("SET LOCAL session_replication_role = replica")
            for table, key in (("turns", turn), ("vendors", vendor), ("properties", None)):
                where = sql.SQL("id = {}").format(sql.Literal(key)) if key else sql.SQL("true")
                conn.execute(
                    sql.SQL(
                        "DO $$ BEGIN FOR n IN 1..300 LOOP UPDATE {} SET updated_at = updated_at + interval '1 s'"
                        " WHERE {}; END LOOP; END $$"
                    ).format(sql.Identifier(table), where)
                )
        indexes = PROPERTY_INDEXES | VENDOR_INDEXES | {"idx_turns_search_id", "idx_turns_search_wo"}
        pending = {
            name: conn.execute("SELECT pending_tuples FROM pgstatginindex(%s::regclass)", (name,)).fetchone()
            for name in sorted(indexes)
        }
    assert pending == dict.fromkeys(sorted(indexes), (0,))
