"""Bulk benchmark data: many properties with ten years of turns, loaded with COPY.

``seed_scale`` adds N properties to an empty or demo-seeded database, with their
managers (one property manager per 150 homes, one senior manager per six managers),
approvers, vendors (N/10, at most 10,000), about ten turns per property over ten
years (the old ones complete, the recent ones in every stage and approval status the
workflow allows there), one stage-history row per stage each turn entered, and the
audit trail: a CREATE row for every inserted row and a lock-box VIEW row for every
visit after the draft stage (about ten audit rows per turn).

Everything happens in one transaction as the owner role. Per-row triggers are
disabled and FORCEd RLS lifted for the loaded tables only while it runs (COPY is
refused on tables whose RLS applies to the loading role), and the rows the triggers
would have written are written in bulk instead: row metadata (version 1, created and
updated by the system user), stage history, and CREATE audit rows whose values are
``to_jsonb`` of the row with the same redactions, all with context ``bulk-seed``.
Secondary indexes and foreign keys of the large tables are dropped before the load and
re-created (and so re-validated) before the commit; triggers and FORCE are restored
then too, so a failure anywhere rolls all of it back.

The same seed, size and date give the same rows, ids included.
"""

from __future__ import annotations

import math
import queue
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import psycopg
from psycopg import sql

from turns.db.context import SET_CONTEXT_SQL, SYSTEM_USER_ID, system_actor
from turns.seed.demo import FIRST, LAST, MARKETS, STREETS, SUFFIXES, SeedError

CONTEXT = "bulk-seed"
DOMAIN = "scale.turns.dev"
PROPERTIES_PER_MANAGER = 150
MANAGERS_PER_SENIOR = 6
PROPERTIES_PER_DFO_APPROVER = 5_000
PROPERTIES_PER_HO_APPROVER = 20_000
MAX_VENDORS = 10_000
FIRST_TURN_NUMBER = 1_000_001
CHUNK_PROPERTIES = 500
ACTIVE_EVERY = 10  # one property in ten has a turn under way
APPROVALS = ("PENDING", "DFO_APPROVAL_NEEDED", "DFO_APPROVED", "HO_APPROVAL_NEEDED", "HO_APPROVED", "REJECTED")
# Stage (by position) of the turn under way, cycling over the properties that have one.
ACTIVE_STAGE_CYCLE = (0, 1, 1, 1, 2, 2, 2, 3)
STAGE_COUNT = 5
# Who opens the lock box on entering each stage after the draft: manager or senior manager.
VISITOR_IS_SENIOR = (False, False, False, True, False)
# Tables written here: triggers off and RLS not forced while loading.
LOADED = ("users", "vendors", "utility_providers", "properties", "turns", "turn_stage_history", "audit_logs")
# Large tables whose secondary indexes and foreign keys are re-created after the load.
REBUILT = ("properties", "turns", "turn_stage_history", "audit_logs")
# Columns the audit trigger never copies in clear (see audit_row_change()).
SECRETS = ("password_hash", "token_hash", "primary_lock_box_code")
# Per table, the audit_logs context columns the trigger fills: (property_id, turn_id, vendor_id).
AUDIT_CONTEXT: dict[str, tuple[str, str, str]] = {
    "turns": ("r.property_id", "r.id", "r.vendor_id"),
    "properties": ("r.id", "NULL", "NULL"),
    "vendors": ("NULL", "NULL", "r.id"),
    "turn_stage_history": ("r.property_id", "r.turn_id", "NULL"),
    "users": ("NULL", "NULL", "NULL"),
    "utility_providers": ("NULL", "NULL", "NULL"),
}
N = "\\N"
SYSTEM = str(SYSTEM_USER_ID)
META_COLUMNS = ("version", "created_at", "updated_at", "created_by", "updated_by")

USER_COLUMNS = ("id", "email", "first_name", "last_name", "phone", "role", "is_active", "email_verified", *META_COLUMNS)
VENDOR_COLUMNS = (
    "id",
    "company_name",
    "contact_name",
    "email",
    "phone",
    "street_address",
    "city",
    "state",
    "zip_code",
    "license_number",
    "insurance_expiry",
    "is_active",
    "is_approved",
    "average_rating",
    "total_jobs",
    *META_COLUMNS,
)
PROVIDER_COLUMNS = ("id", "name", "utility_type", "phone", "market", "state", "is_active", *META_COLUMNS)
PROPERTY_COLUMNS = (
    "id",
    "property_id",
    "name",
    "street_address",
    "city",
    "state",
    "zip_code",
    "county",
    "year_built",
    "market",
    "area_sqft",
    "bedrooms",
    "bathrooms",
    "is_active",
    "is_section_8",
    "has_insurance",
    "ownership_status",
    "property_manager_id",
    "sr_property_manager_id",
    "move_in_date",
    "move_out_date",
    *META_COLUMNS,
)
TURN_COLUMNS = (
    "id",
    "turn_id",
    "property_id",
    "stage_id",
    "wo_number",
    "move_out_date",
    "trash_out_needed",
    "turn_amount",
    "approved_turn_amount",
    "vendor_id",
    "flooring_vendor_id",
    "expected_completion_date",
    "scope_approved_date",
    "turn_assignment_date",
    "final_walk_date",
    "sent_to_leasing_date",
    "turn_completion_date",
    "power_status",
    "water_status",
    "gas_status",
    "power_provider_id",
    "water_provider_id",
    "gas_provider_id",
    "scope_approval_status",
    "scope_submitted_by",
    "scope_submitted_at",
    "dfo_approval_user_id",
    "dfo_approval_datetime",
    "ho_approval_user_id",
    "ho_approval_datetime",
    "reject_user_id",
    "reject_datetime",
    "reject_reason",
    "approval_requested_at",
    "appliances_needed",
    "is_active",
    "lock_box_location",
    "primary_lock_box_code",
    *META_COLUMNS,
)
HISTORY_COLUMNS = (
    "id",
    "turn_id",
    "property_id",
    "from_stage_id",
    "to_stage_id",
    "changed_by",
    "changed_at",
    *META_COLUMNS,
)
VIEW_COLUMNS = (
    "id",
    "table_name",
    "record_id",
    "action",
    "user_id",
    "user_email",
    "user_name",
    "user_role",
    "property_id",
    "turn_id",
    "vendor_id",
    "context",
    "metadata",
    "created_at",
)
VIEW_METADATA = '{"field": "primary_lock_box_code"}'
REJECT_REASONS = (
    "Scope exceeds market budget",
    "Duplicate line items",
    "Missing photos of damage",
    "Flooring quote too high",
    "Paint scope should be touch-up only",
)
VENDOR_WORDS = (
    "Make-Ready",
    "Turn Pros",
    "Renovations",
    "Paint & Floor",
    "Restoration",
    "Property Services",
    "Flooring",
    "Handyman",
    "Property Works",
    "Home Repair",
)
LOCK_BOX_PLACES = ("Front door", "Back door", "Garage keypad", "Side gate", "Hose bib")


@dataclass(frozen=True)
class Phase:
    """One step of the load: what it wrote and how long it took."""

    name: str
    rows: int
    seconds: float


@dataclass(frozen=True)
class ScaleResult:
    properties: int
    turns: int
    history: int
    audit: int
    phases: list[Phase]
    seconds: float


@dataclass(frozen=True)
class _Person:
    id: str
    email: str
    first: str
    last: str
    role: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass
class _Chunk:
    properties: list[str]
    turns: list[str]
    history: list[str]
    views: list[str]


def _uuid(rng: random.Random) -> str:
    """A version-4 UUID drawn from ``rng`` (so the same seed gives the same ids)."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def _ts(value: datetime) -> str:
    return value.isoformat(" ") + "+00"


def _opt(value: object) -> str:
    return N if value is None else str(value)


def _bool(value: bool) -> str:
    return "t" if value else "f"


def _row(values: tuple[str, ...] | list[str]) -> str:
    return "\t".join(values) + "\n"


def sizes(properties: int) -> dict[str, int]:
    """How many users and vendors go with ``properties`` generated properties."""
    managers = max(1, math.ceil(properties / PROPERTIES_PER_MANAGER))
    return {
        "managers": managers,
        "seniors": max(1, math.ceil(managers / MANAGERS_PER_SENIOR)),
        "dfo_approvers": max(1, math.ceil(properties / PROPERTIES_PER_DFO_APPROVER)),
        "ho_approvers": max(1, math.ceil(properties / PROPERTIES_PER_HO_APPROVER)),
        "vendors": max(1, min(MAX_VENDORS, properties // 10)),
    }


class _Generator:
    """Builds the COPY text of every row; property ``i`` depends only on (seed, i)."""

    def __init__(
        self,
        *,
        seed: int,
        today: date,
        count: int,
        first_number: int,
        stages: list[str],
        threshold: int,
        providers: dict[tuple[str, str], str],
    ) -> None:
        self.seed = seed
        self.count = count
        self.first_number = first_number
        self.stages = stages
        self.threshold = threshold
        self.providers = providers
        self.now = datetime(today.year, today.month, today.day)
        self.markets = list(MARKETS)
        self.next_turn = FIRST_TURN_NUMBER
        rng = random.Random(f"scale-people-{seed}")
        n = sizes(count)
        self.managers = [self._person(rng, f"pm{k + 1:05d}", "PROPERTY_MANAGER") for k in range(n["managers"])]
        self.seniors = [self._person(rng, f"srpm{k + 1:04d}", "SR_PROPERTY_MANAGER") for k in range(n["seniors"])]
        self.dfo = [self._person(rng, f"dfo{k + 1:03d}", "DFO_APPROVER") for k in range(n["dfo_approvers"])]
        self.ho = [self._person(rng, f"ho{k + 1:03d}", "HO_APPROVER") for k in range(n["ho_approvers"])]
        self.vendor_ids = [_uuid(rng) for _ in range(n["vendors"])]
        self.vendor_seed = rng.getrandbits(64)

    @staticmethod
    def _person(rng: random.Random, local: str, role: str) -> _Person:
        return _Person(_uuid(rng), f"{local}@{DOMAIN}", rng.choice(FIRST), rng.choice(LAST), role)

    def people(self) -> list[_Person]:
        return [*self.seniors, *self.managers, *self.dfo, *self.ho]

    def user_rows(self) -> Iterator[str]:
        created = _ts(self.now - timedelta(days=3700))
        for k, p in enumerate(self.people()):
            yield _row(
                (
                    p.id,
                    p.email,
                    p.first,
                    p.last,
                    f"555-{200 + k % 800:03d}-{1000 + k % 9000:04d}",
                    p.role,
                    "t",
                    "t",
                    "1",
                    created,
                    created,
                    SYSTEM,
                    SYSTEM,
                )
            )

    def vendor_rows(self) -> Iterator[str]:
        rng = random.Random(self.vendor_seed)
        for k, vid in enumerate(self.vendor_ids):
            market = self.markets[k % len(self.markets)]
            state, cities = MARKETS[market]
            name = f"{rng.choice(LAST)} {rng.choice(VENDOR_WORDS)} {k + 1}"
            created = _ts(self.now - timedelta(days=rng.randint(30, 3700), minutes=rng.randint(0, 1439)))
            yield _row(
                (
                    vid,
                    name,
                    f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    f"dispatch@vendor{k + 1}.example",
                    f"555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
                    f"{rng.randint(100, 9999)} {rng.choice(STREETS)} {rng.choice(SUFFIXES)}",
                    rng.choice(cities),
                    state,
                    f"{rng.randint(10000, 99999)}",
                    f"LIC-{rng.randint(100000, 999999)}",
                    (self.now.date() + timedelta(days=rng.randint(-60, 700))).isoformat(),
                    _bool(k % 50 != 49),
                    _bool(k % 20 != 19),
                    f"{rng.randint(25, 50) / 10:.2f}",
                    str(rng.randint(0, 900)),
                    "1",
                    created,
                    created,
                    SYSTEM,
                    SYSTEM,
                )
            )

    def _vendor(self, rng: random.Random, market_index: int) -> str:
        per_market = max(1, (len(self.vendor_ids) - market_index + len(self.markets) - 1) // len(self.markets))
        k = market_index + len(self.markets) * rng.randrange(per_market)
        return self.vendor_ids[k if k < len(self.vendor_ids) else rng.randrange(len(self.vendor_ids))]

    def chunk(self, start: int, stop: int) -> _Chunk:
        out = _Chunk([], [], [], [])
        for i in range(start, stop):
            self._property(i, out)
        return out

    def _property(self, i: int, out: _Chunk) -> None:
        rng = random.Random(self.seed * 1_000_003 + i)
        m = i // PROPERTIES_PER_MANAGER
        manager = self.managers[m]
        senior = self.seniors[m // MANAGERS_PER_SENIOR]
        market_index = (m // MANAGERS_PER_SENIOR) % len(self.markets)
        market = self.markets[market_index]
        state, cities = MARKETS[market]
        number = self.first_number + i
        pid = _uuid(rng)
        power, water, gas = (self.providers[(market, t)] for t in ("POWER", "WATER", "GAS"))

        # Move-outs, newest first: the newest is recent (and its turn under way) on one
        # property in ten; the others lie a tenancy apart, back about ten years.
        n_turns = rng.randint(8, 12)
        active = i % ACTIVE_EVERY == ACTIVE_EVERY // 2
        cycle = i // ACTIVE_EVERY
        move_outs: list[datetime] = []
        day = self.now - timedelta(days=rng.randint(60, 420))
        for _ in range(n_turns):
            move_outs.append(day)
            day -= timedelta(days=rng.randint(240, 420))
        move_outs.reverse()
        acquired = move_outs[0] - timedelta(days=rng.randint(30, 400), minutes=rng.randint(0, 1439))
        created = _ts(acquired)

        last_complete: datetime | None = None
        for k, move_out in enumerate(move_outs):
            is_current = active and k == n_turns - 1
            stage = ACTIVE_STAGE_CYCLE[cycle % len(ACTIVE_STAGE_CYCLE)] if is_current else STAGE_COUNT - 1
            approval = APPROVALS[cycle % len(APPROVALS)] if is_current and stage == 1 else None
            done = self._turn(
                rng, out, pid, market_index, manager, senior, move_out, stage, approval, is_current, (power, water, gas)
            )
            if done is not None:
                last_complete = done

        latest = move_outs[-1].date()
        move_in = (last_complete + timedelta(days=rng.randint(3, 30))).date() if last_complete else None
        if move_in is not None and move_in > self.now.date():
            move_in = self.now.date()
        if active:
            move_in = None
        out.properties.append(
            _row(
                (
                    pid,
                    f"P-{number}",
                    f"{market} Home {number}",
                    f"{rng.randint(100, 9999)} {rng.choice(STREETS)} {rng.choice(SUFFIXES)}",
                    rng.choice(cities),
                    state,
                    f"{rng.randint(10000, 99999)}",
                    f"{rng.choice(cities)} County",
                    str(rng.randint(1960, 2022)),
                    market,
                    str(rng.randint(900, 3400)),
                    f"{rng.randint(2, 5)}.0",
                    f"{rng.randint(2, 7) / 2:.1f}",
                    "t",
                    _bool(rng.random() < 0.1),
                    "t",
                    "t",
                    manager.id,
                    senior.id,
                    _opt(move_in and move_in.isoformat()),
                    latest.isoformat(),
                    "1",
                    created,
                    created,
                    SYSTEM,
                    SYSTEM,
                )
            )
        )

    def _turn(
        self,
        rng: random.Random,
        out: _Chunk,
        pid: str,
        market_index: int,
        manager: _Person,
        senior: _Person,
        move_out: datetime,
        stage: int,
        approval: str | None,
        is_current: bool,
        providers: tuple[str, str, str],
    ) -> datetime | None:
        """Append one turn with its history and lock-box visits; returns its completion time if complete."""
        tid = _uuid(rng)
        turn_number = self.next_turn
        self.next_turn += 1
        # The timeline, relative to the move-out; shifted into the recent past for a turn under way.
        t0 = move_out + timedelta(minutes=rng.randint(480, 1080))
        scope_at = t0 + timedelta(days=rng.randint(1, 5), minutes=rng.randint(0, 600))
        submitted_at = scope_at + timedelta(minutes=rng.randint(60, 1800))
        dfo_at = submitted_at + timedelta(minutes=rng.randint(240, 4320))
        ho_at = dfo_at + timedelta(minutes=rng.randint(240, 4320))
        if approval is None:  # a draft is not submitted yet; a turn past approval was approved at some level
            approval = "PENDING" if stage == 0 else "HO_APPROVED" if rng.random() < 0.25 else "DFO_APPROVED"
        high = approval in ("HO_APPROVAL_NEEDED", "HO_APPROVED")
        if approval == "DFO_APPROVED":
            amount = rng.randint(1500, self.threshold)
        elif high:
            amount = rng.randint(self.threshold + 1, self.threshold + 6000)
        else:
            amount = rng.randint(1500, self.threshold + 4000)
        approved_at = ho_at if high else dfo_at
        progress_at = approved_at + timedelta(minutes=rng.randint(120, 2880))
        final_at = progress_at + timedelta(days=rng.randint(5, 25), minutes=rng.randint(0, 600))
        complete_at = final_at + timedelta(days=rng.randint(1, 4), minutes=rng.randint(0, 600))
        entered = [t0, scope_at, progress_at, final_at, complete_at]
        if is_current:
            last = entered[stage]
            if stage == 1 and approval != "PENDING":
                decided = {
                    "DFO_APPROVAL_NEEDED": submitted_at,
                    "HO_APPROVAL_NEEDED": dfo_at,
                    "DFO_APPROVED": dfo_at,
                    "HO_APPROVED": ho_at,
                    "REJECTED": dfo_at,
                }
                last = decided[approval]
            shift = (self.now - timedelta(minutes=rng.randint(60, 4320))) - last
            t0, scope_at, submitted_at, dfo_at, ho_at = (x + shift for x in (t0, scope_at, submitted_at, dfo_at, ho_at))
            progress_at, final_at, complete_at = (x + shift for x in (progress_at, final_at, complete_at))
            entered = [t0, scope_at, progress_at, final_at, complete_at]
        submitted = approval != "PENDING" and stage >= 1
        dfo_decided = approval in ("HO_APPROVAL_NEEDED", "DFO_APPROVED", "HO_APPROVED")
        ho_decided = approval == "HO_APPROVED"
        rejected = approval == "REJECTED"
        requested = None
        if approval in ("DFO_APPROVAL_NEEDED", "DFO_APPROVED", "REJECTED"):
            requested = submitted_at
        elif approval in ("HO_APPROVAL_NEEDED", "HO_APPROVED"):
            requested = dfo_at
        dfo = self.dfo[rng.randrange(len(self.dfo))]
        ho = self.ho[rng.randrange(len(self.ho))]
        vendor = self._vendor(rng, market_index) if stage >= 2 else None
        flooring = self._vendor(rng, market_index) if stage >= 2 and rng.random() < 0.3 else None
        complete = stage == STAGE_COUNT - 1
        created = _ts(t0)
        has_amount = stage >= 1 or rng.random() < 0.4
        power, water, gas = providers
        out.turns.append(
            _row(
                (
                    tid,
                    f"T-{turn_number}",
                    pid,
                    self.stages[stage],
                    f"WO-{rng.randint(100000, 999999)}",
                    move_out.date().isoformat(),
                    _bool(rng.random() < 0.4),
                    f"{amount}.00" if has_amount else N,
                    f"{amount}.00" if approval in ("DFO_APPROVED", "HO_APPROVED") and stage >= 1 else N,
                    _opt(vendor),
                    _opt(flooring),
                    (move_out + timedelta(days=rng.randint(14, 40))).date().isoformat(),
                    approved_at.date().isoformat() if stage >= 1 and approval in ("DFO_APPROVED", "HO_APPROVED") else N,
                    progress_at.date().isoformat() if stage >= 2 else N,
                    final_at.date().isoformat() if stage >= 3 else N,
                    complete_at.date().isoformat() if complete else N,
                    complete_at.date().isoformat() if complete else N,
                    "YES" if complete else rng.choice(("YES", "NO", "PENDING")),
                    "YES" if complete else rng.choice(("YES", "PENDING")),
                    rng.choice(("YES", "NO")) if complete else rng.choice(("YES", "NO", "PENDING")),
                    power,
                    water,
                    gas,
                    approval,
                    manager.id if submitted else N,
                    _ts(submitted_at) if submitted else N,
                    dfo.id if dfo_decided or rejected else N,
                    _ts(dfo_at) if dfo_decided or rejected else N,
                    ho.id if ho_decided else N,
                    _ts(ho_at) if ho_decided else N,
                    dfo.id if rejected else N,
                    _ts(dfo_at) if rejected else N,
                    rng.choice(REJECT_REASONS) if rejected else N,
                    _ts(requested) if requested is not None and stage >= 1 else N,
                    _bool(rng.random() < 0.2),
                    _bool(not complete),
                    rng.choice(LOCK_BOX_PLACES),
                    f"{rng.randint(0, 9999):04d}",
                    "1",
                    created,
                    created,
                    SYSTEM,
                    SYSTEM,
                )
            )
        )
        previous = N
        for s in range(stage + 1):
            at = _ts(entered[s])
            out.history.append(
                _row((_uuid(rng), tid, pid, previous, self.stages[s], SYSTEM, at, "1", at, at, SYSTEM, SYSTEM))
            )
            previous = self.stages[s]
            if s:
                who = senior if VISITOR_IS_SENIOR[s] else manager
                out.views.append(
                    _row(
                        (
                            _uuid(rng),
                            "turns",
                            tid,
                            "VIEW",
                            who.id,
                            who.email,
                            who.name,
                            who.role,
                            pid,
                            tid,
                            vendor if s >= 2 and vendor else N,
                            CONTEXT,
                            VIEW_METADATA,
                            _ts(entered[s] + timedelta(minutes=rng.randint(30, 240))),
                        )
                    )
                )
        return complete_at if complete else None


def _copy(
    cur: psycopg.Cursor[tuple[object, ...]],
    table: str,
    columns: tuple[str, ...],
    rows: list[str] | Iterator[str],
    batch: int = 2000,
) -> int:
    count = 0
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    with cur.copy(statement) as copy:
        buffer: list[str] = []
        for line in rows:
            buffer.append(line)
            if len(buffer) >= batch:
                copy.write("".join(buffer))
                count += len(buffer)
                buffer.clear()
        if buffer:
            copy.write("".join(buffer))
            count += len(buffer)
    return count


@dataclass(frozen=True)
class _Saved:
    """Definitions dropped before the load, re-created after it."""

    indexes: list[str]
    constraints: list[tuple[str, str, str]]  # (table, name, definition)


def _drop_for_load(cur: psycopg.Cursor[tuple[object, ...]]) -> _Saved:
    indexes = [
        (str(name), str(definition))
        for name, definition in cur.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i"
            " WHERE i.indrelid = ANY (%s::regclass[])"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
            " ORDER BY 1",
            (list(REBUILT),),
        ).fetchall()
    ]
    # Foreign keys out of the rebuilt tables, and their primary keys when nothing refers to them.
    constraints = [
        (str(t), str(n), str(d))
        for t, n, d in cur.execute(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c"
            " WHERE c.conrelid = ANY (%s::regclass[]) AND (c.contype = 'f' OR (c.contype = 'p' AND NOT EXISTS"
            "  (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.confrelid = c.conrelid)))"
            " ORDER BY c.contype DESC, 1, 2",
            (list(REBUILT),),
        ).fetchall()
    ]
    for table, name, _ in constraints:
        cur.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(sql.Identifier(table), sql.Identifier(name)))
    for name, _ in indexes:
        cur.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    return _Saved([d for _, d in indexes], constraints)


def _restore_after_load(cur: psycopg.Cursor[tuple[object, ...]], saved: _Saved) -> None:
    # Primary keys first (ordered so by _drop_for_load), then the indexes, then foreign keys.
    primary = [c for c in saved.constraints if c[2].startswith("PRIMARY KEY")]
    foreign = [c for c in saved.constraints if not c[2].startswith("PRIMARY KEY")]
    for table, name, definition in primary:
        cur.execute(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                sql.Identifier(table), sql.Identifier(name), sql.SQL(definition)
            )
        )
    for definition in saved.indexes:
        cur.execute(definition.encode())
    for table, name, definition in foreign:
        cur.execute(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                sql.Identifier(table), sql.Identifier(name), sql.SQL(definition)
            )
        )


def _audit_creates(cur: psycopg.Cursor[tuple[object, ...]], table: str, xid: int) -> int:
    """The CREATE audit rows audit_row_change() would have written for this transaction's rows."""
    columns = {
        str(r[0])
        for r in cur.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
            (table,),
        ).fetchall()
    }
    values = "to_jsonb(r)"
    for secret in SECRETS:
        if secret in columns:
            values = (
                f"CASE WHEN r.{secret} IS NOT NULL THEN jsonb_set({values}, '{{{secret}}}', '\"[redacted]\"')"
                f" ELSE {values} END"
            )
    prop, turn, vendor = AUDIT_CONTEXT[table]
    query = (
        "INSERT INTO audit_logs (id, table_name, record_id, action, user_id, user_email, user_name, user_role,"
        " new_values, changed_fields, property_id, turn_id, vendor_id, context, created_at)"
        f" SELECT md5('{table}:' || r.id::text)::uuid, '{table}', r.id, 'CREATE', a.id, a.email, a.name, a.role,"
        f" {values},"
        " (SELECT array_agg(k.attname::text ORDER BY k.attname::text) FROM pg_attribute k"
        f"   WHERE k.attrelid = '{table}'::regclass AND k.attnum > 0 AND NOT k.attisdropped),"
        f" {prop}, {turn}, {vendor}, %(context)s, r.created_at"
        f" FROM {table} r CROSS JOIN (SELECT u.id, u.email,"
        "   coalesce(nullif(btrim(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, '')), ''), u.email)"
        "   AS name, u.role::text AS role FROM users u WHERE u.id = %(system)s) a"
        " WHERE r.xmin = %(xid)s::text::xid"
    )
    cur.execute(query.encode(), {"context": CONTEXT, "system": SYSTEM_USER_ID, "xid": str(xid)})
    return cur.rowcount


def _producer(gen: _Generator, count: int, out: queue.Queue[_Chunk | BaseException | None]) -> None:
    try:
        for start in range(0, count, CHUNK_PROPERTIES):
            out.put(gen.chunk(start, min(count, start + CHUNK_PROPERTIES)))
        out.put(None)
    except BaseException as exc:  # handed to the loading thread, which raises it
        out.put(exc)


Progress = Callable[[Phase], None]


def seed_scale(
    owner_url: str, properties: int, *, seed: int = 7, today: date | None = None, progress: Progress | None = None
) -> ScaleResult:
    """Add ``properties`` generated properties (with their people, vendors, turns, history and audit)."""
    if properties < 1:
        raise SeedError("the number of properties to generate must be positive")
    began = time.perf_counter()
    phases: list[Phase] = []

    def report(name: str, rows: int, since: float) -> None:
        phase = Phase(name, rows, time.perf_counter() - since)
        phases.append(phase)
        if progress is not None:
            progress(phase)

    with psycopg.connect(owner_url) as conn, conn.cursor() as cur:
        cur.execute(SET_CONTEXT_SQL, system_actor(CONTEXT).params())
        cur.execute("SET LOCAL TimeZone = 'UTC'")
        cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cur.execute("SET LOCAL work_mem = '256MB'")
        if cur.execute("SELECT 1 FROM users WHERE email LIKE %s LIMIT 1", (f"%@{DOMAIN}",)).fetchone():
            raise SeedError("generated data is already loaded (run `turns db reset` first)")
        stages = [
            str(r[0])
            for r in cur.execute("SELECT id FROM turn_stages WHERE is_active ORDER BY display_order").fetchall()
        ]
        if len(stages) < STAGE_COUNT:
            raise SeedError("the default turn stages are missing: run `turns db migrate` first")
        threshold_row = cur.execute("SELECT ho_approval_threshold FROM workflow_settings").fetchone()
        threshold = int(Decimal(str(threshold_row[0]))) if threshold_row else 10000
        existing = cur.execute("SELECT count(*) FROM properties").fetchone()
        first_number = 10001 + int(str(existing[0])) if existing else 10001
        xid_row = cur.execute("SELECT pg_current_xact_id()::text").fetchone()
        assert xid_row is not None
        xid = int(str(xid_row[0])) & 0xFFFFFFFF

        step = time.perf_counter()
        for table in LOADED:
            cur.execute(sql.SQL("ALTER TABLE {} NO FORCE ROW LEVEL SECURITY").format(sql.Identifier(table)))
            cur.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(sql.Identifier(table)))
        saved = _drop_for_load(cur)
        report("prepare (triggers off, indexes and foreign keys dropped)", 0, step)

        providers = {
            (str(m), str(t)): str(i)
            for m, t, i in cur.execute(
                "SELECT DISTINCT ON (market, utility_type) market, utility_type::text, id FROM utility_providers"
                " WHERE is_active ORDER BY market, utility_type, created_at, id"
            ).fetchall()
        }
        step = time.perf_counter()
        rng = random.Random(f"scale-providers-{seed}")
        created = _ts(datetime(2010, 1, 1))
        missing = []
        for market, (state, _cities) in MARKETS.items():
            for utility, company in (("POWER", "Power & Light"), ("WATER", "Water Authority"), ("GAS", "Gas Co")):
                if (market, utility) in providers:
                    continue
                providers[(market, utility)] = _uuid(rng)
                missing.append(
                    _row(
                        (
                            providers[(market, utility)],
                            f"{market} {company}",
                            utility,
                            f"800-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
                            market,
                            state,
                            "t",
                            "1",
                            created,
                            created,
                            SYSTEM,
                            SYSTEM,
                        )
                    )
                )
        report("utility_providers", _copy(cur, "utility_providers", PROVIDER_COLUMNS, missing), step)

        gen = _Generator(
            seed=seed,
            today=today or date.today(),
            count=properties,
            first_number=first_number,
            stages=stages,
            threshold=threshold,
            providers=providers,
        )
        step = time.perf_counter()
        report("users", _copy(cur, "users", USER_COLUMNS, gen.user_rows()), step)
        step = time.perf_counter()
        report("vendors", _copy(cur, "vendors", VENDOR_COLUMNS, gen.vendor_rows()), step)

        # Rows are built in a second thread while this one streams the previous chunk.
        chunks: queue.Queue[_Chunk | BaseException | None] = queue.Queue(maxsize=3)
        worker = threading.Thread(target=_producer, args=(gen, properties, chunks), daemon=True)
        step = time.perf_counter()
        worker.start()
        counts = dict.fromkeys(("properties", "turns", "turn_stage_history", "views"), 0)
        spent = dict.fromkeys(counts, 0.0)
        waited = 0.0
        while True:
            t = time.perf_counter()
            item = chunks.get()
            waited += time.perf_counter() - t
            if item is None:
                break
            if isinstance(item, BaseException):
                raise item
            for key, table, columns, rows in (
                ("properties", "properties", PROPERTY_COLUMNS, item.properties),
                ("turns", "turns", TURN_COLUMNS, item.turns),
                ("turn_stage_history", "turn_stage_history", HISTORY_COLUMNS, item.history),
                ("views", "audit_logs", VIEW_COLUMNS, item.views),
            ):
                t = time.perf_counter()
                counts[key] += _copy(cur, table, columns, rows, batch=len(rows) or 1)
                spent[key] += time.perf_counter() - t
        worker.join()
        for key, label in (
            ("properties", "properties"),
            ("turns", "turns"),
            ("turn_stage_history", "turn_stage_history"),
            ("views", "audit_logs (lock-box VIEW)"),
        ):
            phase = Phase(label, counts[key], spent[key])
            phases.append(phase)
            if progress is not None:
                progress(phase)
        report(f"  (COPY streams, {waited:.1f} s of it waiting for rows)", 0, step)

        audit = counts["views"]
        for table in ("users", "vendors", "utility_providers", "properties", "turns", "turn_stage_history"):
            step = time.perf_counter()
            n = _audit_creates(cur, table, xid)
            audit += n
            report(f"audit_logs (CREATE {table})", n, step)

        step = time.perf_counter()
        _restore_after_load(cur, saved)
        report("indexes and foreign keys re-created", len(saved.indexes) + len(saved.constraints), step)
        for table in LOADED:
            cur.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER USER").format(sql.Identifier(table)))
            cur.execute(sql.SQL("ALTER TABLE {} FORCE ROW LEVEL SECURITY").format(sql.Identifier(table)))
        step = time.perf_counter()
        conn.commit()
        report("commit", 0, step)

    with psycopg.connect(owner_url, autocommit=True) as conn:
        step = time.perf_counter()
        for table in LOADED:
            conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))
        report("ANALYZE", 0, step)
        step = time.perf_counter()
        conn.execute("SELECT refresh_property_summary(false)")
        report("property_summary refreshed", 0, step)

    return ScaleResult(
        properties=counts["properties"],
        turns=counts["turns"],
        history=counts["turn_stage_history"],
        audit=audit,
        phases=phases,
        seconds=time.perf_counter() - began,
    )
