"""Deterministic demo data: a 60-home portfolio as it stands on the day it is loaded.

Users of every role, vendors, utility providers, properties across six markets, a year of
completed turns and today's open ones in every stage and approval status, with their stage
history, approvals and notifications (the turns are planned in :mod:`turns.seed.demo_turns`).

Every record is written once, in its final state, as the system user with the audit
context :data:`DEMO_CONTEXT`: the audit trail shows one "loaded demo data" entry per record
rather than the steps of building it. The audit trigger is the one every write goes through;
only the stage-history trigger is held off for the load (and the history written as it
happened). The same seed always yields the same data relative to the day of loading; only
ids and the demo users' passwords are random, the passwords printed once and never stored in
clear.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import obstore
import psycopg
from psycopg import sql

from turns.auth.passwords import hash_password
from turns.db.context import SET_CONTEXT_SQL, system_actor
from turns.photos.images import SIZES
from turns.photos.storage import PhotoStore, open_store
from turns.seed import demo_bids, demo_scope
from turns.seed.demo_bids import Bidding, Place, write_bids
from turns.seed.demo_scope import ScopeVendors, Written
from turns.seed.demo_turns import COMPLETE, WALK, Clock, Home, People, PlannedTurn, completed_turn, open_turn

MARKETS: dict[str, tuple[str, list[str]]] = {
    "Atlanta": ("GA", ["Marietta", "Decatur", "Smyrna", "Lawrenceville", "Kennesaw"]),
    "Phoenix": ("AZ", ["Mesa", "Chandler", "Gilbert", "Glendale", "Tempe"]),
    "Dallas": ("TX", ["Plano", "Frisco", "Garland", "Irving", "Mesquite"]),
    "Charlotte": ("NC", ["Concord", "Gastonia", "Matthews", "Huntersville", "Mint Hill"]),
    "Tampa": ("FL", ["Brandon", "Riverview", "Clearwater", "Largo", "Wesley Chapel"]),
    "Las Vegas": ("NV", ["Henderson", "Summerlin", "North Las Vegas", "Enterprise", "Paradise"]),
}
STREETS = [
    "Oak",
    "Maple",
    "Cedar",
    "Pine",
    "Willow",
    "Birch",
    "Magnolia",
    "Juniper",
    "Aspen",
    "Hickory",
    "Sycamore",
    "Laurel",
    "Chestnut",
    "Dogwood",
    "Cypress",
    "Elm",
]
SUFFIXES = ["St", "Ave", "Dr", "Ln", "Ct", "Way", "Trl", "Pl"]
FIRST = [
    "Avery",
    "Jordan",
    "Morgan",
    "Riley",
    "Casey",
    "Quinn",
    "Taylor",
    "Jamie",
    "Rowan",
    "Skyler",
    "Dana",
    "Harper",
    "Logan",
    "Reese",
    "Emerson",
    "Parker",
]
LAST = [
    "Nguyen",
    "Patel",
    "Garcia",
    "Johnson",
    "Okafor",
    "Schmidt",
    "Rossi",
    "Kim",
    "Silva",
    "Cohen",
    "Walker",
    "Moreau",
    "Haddad",
    "Larsen",
    "Ibarra",
    "Chen",
]
# The vendor companies and the trades each does (the names tell most of it).
VENDOR_COMPANIES = [
    ("Peachtree Make-Ready", ["GENERAL", "PAINT", "CLEANING"]),
    ("Desert Turn Pros", ["GENERAL", "PAINT", "FLOORING", "PLUMBING"]),
    ("Lone Star Renovations", ["GENERAL", "PAINT", "FLOORING", "ROOFING", "ELECTRICAL"]),
    ("Queen City Paint & Floor", ["PAINT", "FLOORING"]),
    ("Bay Area Restoration", ["GENERAL", "PAINT", "PLUMBING", "ELECTRICAL", "HVAC"]),
    ("Silver State Services", ["APPLIANCES", "HVAC", "ELECTRICAL"]),
    ("Summit Flooring Co", ["FLOORING"]),
    ("BrightClean Turns", ["CLEANING", "LANDSCAPING"]),
    ("Keystone Handyman", ["GENERAL", "PAINT", "PLUMBING", "APPLIANCES"]),
    ("Evergreen Property Works", ["LANDSCAPING", "ROOFING"]),
]
SERVES = {
    "Peachtree Make-Ready": ["Charlotte", "Tampa"],
    "Desert Turn Pros": ["Las Vegas", "Dallas"],
    "Lone Star Renovations": ["Phoenix"],
    "Queen City Paint & Floor": ["Atlanta", "Tampa"],
    "Bay Area Restoration": ["Atlanta", "Charlotte"],
    "Silver State Services": ["Phoenix"],
    "Summit Flooring Co": ["Charlotte", "Tampa"],
    "BrightClean Turns": ["Las Vegas", "Dallas"],
    "Keystone Handyman": ["Phoenix", "Las Vegas"],
    "Evergreen Property Works": ["Atlanta"],
}
"""The markets a company serves besides the one it is based in (whose turns it is given): where it
may be asked to bid."""
ROLE_USERS = [
    ("SUPER_ADMIN", "superadmin"),
    ("ADMIN", "admin"),
    ("PROPERTY_MANAGER", "manager"),
    ("SR_PROPERTY_MANAGER", "senior.manager"),
    ("VENDOR", "vendor"),
    ("INSPECTOR", "inspector"),
    ("DFO_APPROVER", "dfo"),
    ("HO_APPROVER", "ho"),
    ("USER", "user"),
]
DEMO_DOMAIN = "demo.turns.dev"
DEMO_PROPERTIES = 60
DEMO_CONTEXT = "loaded demo data"
"""The audit context of every row the demo writes; the audit trail shows it as such."""
WRITTEN_BY_TRIGGERS = ("turn_stage_history", "notifications")
WRITTEN_FOR_OTHERS = (*WRITTEN_BY_TRIGGERS, "photos", "bid_prices")
"""Tables whose rows the load writes in other users' names, past the row-level security that
keeps them to their triggers or their authors (a bid's prices to its vendor)."""
SCOPE_TRIGGERS = ("scope_lines_guard", "scope_lines_total_insert")
"""Held off while the lines are loaded: the demo writes each line as it ends up (amount, property,
approved amount), and its turn already has the lines' total."""
VACANT = (0, 3, 7)
"""Homes whose number ends in one of these are between residents today (three in ten)."""


@dataclass(frozen=True)
class Credential:
    email: str
    role: str
    password: str


def insert(cur: psycopg.Cursor[Any], table: str, row: dict[str, Any]) -> UUID:
    """One row, as it ends up: a single INSERT, hence a single audit row."""
    query = sql.SQL("INSERT INTO {} ({}) VALUES ({}) RETURNING id").format(
        sql.Identifier(table),
        sql.SQL(", ").join(map(sql.Identifier, row)),
        sql.SQL(", ").join(sql.Placeholder() * len(row)),
    )
    created = cur.execute(query, list(row.values())).fetchone()
    assert created is not None
    return UUID(str(created[0]))


def _user(
    cur: psycopg.Cursor[Any],
    email: str,
    role: str,
    rng: random.Random,
    password_hash: str | None,
    vendor_id: UUID | None = None,
) -> UUID:
    return insert(
        cur,
        "users",
        {
            "email": email,
            "password_hash": password_hash,
            "first_name": rng.choice(FIRST),
            "last_name": rng.choice(LAST),
            "role": role,
            "vendor_id": vendor_id,
            "email_verified": True,
        },
    )


def demo_loaded(owner_url: str) -> bool:
    with psycopg.connect(owner_url) as conn, conn.cursor() as cur:
        cur.execute(SET_CONTEXT_SQL, system_actor("seed").params())
        row = cur.execute("SELECT count(*) FROM users WHERE email LIKE %s", (f"%@{DEMO_DOMAIN}",)).fetchone()
        return row != (0,)


def _vendors(cur: psycopg.Cursor[Any], rng: random.Random, today: date) -> list[tuple[UUID, str, bool]]:
    """The vendor companies as (id, market, approved)."""
    vendors = []
    for i, (name, trades) in enumerate(VENDOR_COMPANIES):
        market = list(MARKETS)[i % len(MARKETS)]
        state, cities = MARKETS[market]
        approved = i != 9
        row = {
            "company_name": name,
            "contact_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            "email": f"dispatch@{name.lower().replace(' ', '').replace('&', '')}.example",
            "phone": f"555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
            "city": cities[0],
            "state": state,
            "is_active": True,
            "is_approved": approved,
            "average_rating": Decimal(rng.randint(30, 50)) / 10,
            "total_jobs": rng.randint(5, 400),
            "license_number": f"LIC-{rng.randint(10000, 99999)}",
            "insurance_expiry": today + timedelta(days=rng.randint(30, 700)),  # valid until: ahead by nature
            "trades": trades,
            "markets": [market, *SERVES[name]],
        }
        vendors.append((insert(cur, "vendors", row), market, approved))
    return vendors


def _providers(cur: psycopg.Cursor[Any], rng: random.Random) -> dict[str, dict[str, UUID]]:
    """Power, water and gas companies of each market: {market: {utility type: id}}."""
    providers: dict[str, dict[str, UUID]] = {}
    for market, (state, _cities) in MARKETS.items():
        for utility, company in (("POWER", "Power & Light"), ("WATER", "Water Authority"), ("GAS", "Gas Co")):
            row = {
                "name": f"{market} {company}",
                "utility_type": utility,
                "phone": f"800-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
                "market": market,
                "state": state,
            }
            providers.setdefault(market, {})[utility] = insert(cur, "utility_providers", row)
    return providers


@dataclass(frozen=True)
class Staff:
    logins: dict[str, UUID]
    managers: list[UUID]
    seniors: list[UUID]
    credentials: list[Credential]


def _staff(cur: psycopg.Cursor[Any], rng: random.Random, vendor: UUID) -> Staff:
    logins: dict[str, UUID] = {}
    credentials = []
    for role, local in ROLE_USERS:
        password = secrets.token_urlsafe(12)
        email = f"{local}@{DEMO_DOMAIN}"
        company = vendor if role == "VENDOR" else None
        logins[role] = _user(cur, email, role, rng, hash_password(password), company)
        credentials.append(Credential(email, role, password))
    # More managers without a login, so portfolios differ.
    managers = [logins["PROPERTY_MANAGER"]] + [
        _user(cur, f"manager{n}@{DEMO_DOMAIN}", "PROPERTY_MANAGER", rng, None) for n in range(2, 5)
    ]
    seniors = [
        logins["SR_PROPERTY_MANAGER"],
        _user(cur, f"senior.manager2@{DEMO_DOMAIN}", "SR_PROPERTY_MANAGER", rng, None),
    ]
    return Staff(logins, managers, seniors, credentials)


def _plan_home(
    rng: random.Random, home: Home, people: People, clock: Clock, slot: int | None, number: list[int]
) -> list[PlannedTurn]:
    """The turns of one home over the past year, newest first: the open one when it is vacant
    (``slot`` is its place among the open turns), then up to two completed ones."""

    def next_id() -> str:
        number[0] += 1
        return f"T-{20000 + number[0]}"

    planned = []
    ends_by = clock.today - timedelta(days=1)
    if slot is not None:
        planned.append(open_turn(rng, home, people, clock, next_id(), slot))
        ends_by = planned[0].row["move_out_date"] - timedelta(days=1)
    ends_by -= timedelta(days=rng.randint(3, 240))
    year_ago = clock.today - timedelta(days=365)
    for _ in range(2):
        turn = completed_turn(rng, home, people, clock, next_id(), ends_by)
        if turn.row["move_out_date"] < year_ago:
            number[0] -= 1
            break
        planned.append(turn)
        ends_by = turn.row["move_out_date"] - timedelta(days=rng.randint(60, 200))
    return planned


def _home_row(rng: random.Random, home: Home, planned: list[PlannedTurn], clock: Clock) -> dict[str, Any]:
    state, cities = MARKETS[home.market]
    move_ins = [t.move_in for t in planned if t.move_in is not None]
    return {
        "id": home.id,
        "property_id": f"P-{10001 + home.index}",
        "name": home.name,
        "street_address": f"{rng.randint(100, 9999)} {rng.choice(STREETS)} {rng.choice(SUFFIXES)}",
        "city": rng.choice(cities),
        "state": state,
        "zip_code": f"{rng.randint(10000, 99999)}",
        "county": f"{rng.choice(cities)} County",
        "year_built": rng.randint(1965, 2022),
        "market": home.market,
        "area_sqft": rng.randint(900, 3200),
        "bedrooms": Decimal(rng.randint(2, 5)),
        "bathrooms": Decimal(rng.randint(2, 7)) / 2,
        "is_section_8": rng.random() < 0.1,
        "has_insurance": True,
        "property_manager_id": home.manager,
        "sr_property_manager_id": home.senior,
        # The current (or last) resident's move-in, and the last move-out.
        "move_in_date": max(move_ins) if move_ins else clock.today - timedelta(days=rng.randint(400, 1500)),
        "move_out_date": planned[0].row["move_out_date"] if planned else None,
    }


def _write_scope(
    cur: psycopg.Cursor[Any],
    rng: random.Random,
    turn: PlannedTurn,
    turn_id: UUID,
    market: str,
    vendors: ScopeVendors,
    manager: UUID,
    store: PhotoStore | None,
    written: Written,
) -> list[dict[str, Any]]:
    """The turn's scope as lines adding up to its amount (returned, as written), and for some
    turns their photos."""
    row = turn.row
    if not row.get("turn_amount"):
        return []
    stage, entered = turn.history[-1]
    done = stage in (WALK, COMPLETE)
    approved = row.get("scope_approval_status") in ("DFO_APPROVED", "HO_APPROVED")
    written_at = turn.history[0][1] + timedelta(hours=rng.uniform(2, 20))
    lines = demo_scope.plan_lines(rng, Decimal(row["turn_amount"]))
    charged = rng.randrange(demo_scope.CHARGEBACK_EVERY) == 0
    for position, line in enumerate(lines):
        amount = line["quantity"] * line["unit_cost"]
        line |= {
            "id": uuid4(),
            "turn_id": turn_id,
            "property_id": row["property_id"],
            "position": position,
            "amount": amount,
            "vendor_id": vendors.for_trade(line["trade"], row.get("vendor_id"), market),
            "chargeback": charged and position == len(lines) - 1,
            "chargeback_amount": (amount / 2).quantize(demo_scope.CENT)
            if charged and position == len(lines) - 1
            else None,
            "approved_amount": amount if approved else None,
            "status": "DONE" if done else "OPEN",
            "done_at": entered if done else None,
            "created_by": manager,
            "created_at": written_at,
            "updated_at": entered if done else written_at,
        }
        insert(cur, "scope_lines", line)
    written.lines += len(lines)
    if store is None or rng.randrange(demo_scope.PHOTO_EVERY):
        return lines
    for photo, files in demo_scope.photo_rows(turn_id, lines, manager, written_at, done):
        demo_scope.store_files(store, photo["storage_key"], files)
        written.photos.append(photo["storage_key"])
        insert(cur, "photos", photo | {"property_id": row["property_id"]})
    return lines


def _write_turn(cur: psycopg.Cursor[Any], turn: PlannedTurn, stages: list[UUID], manager: UUID, now: datetime) -> UUID:
    row = turn.row | {"stage_id": stages[turn.history[-1][0]]}
    turn_id = insert(cur, "turns", row)
    before = None
    for stage, at in turn.history:
        entry = {
            "turn_id": turn_id,
            "property_id": row["property_id"],
            "from_stage_id": before,
            "to_stage_id": stages[stage],
            "changed_by": manager,
            "changed_at": at,
            "created_at": at,
            "updated_at": at,
        }
        insert(cur, "turn_stage_history", entry)
        before = stages[stage]
    for note in turn.notifications:
        read_at = min(note["created_at"] + timedelta(hours=2), now) if note["is_read"] else None
        extra = {"turn_id": turn_id, "property_id": row["property_id"], "link": f"/turns/{turn_id}"}
        insert(cur, "notifications", note | extra | {"read_at": read_at, "updated_at": read_at or note["created_at"]})
    for visit in turn.visits:
        insert(cur, "vendor_visits", visit | {"turn_id": turn_id, "proposed_by": manager})
    return turn_id


def _served(vendors: list[tuple[UUID, str, bool]]) -> list[tuple[UUID, bool, list[str]]]:
    """Each vendor as (id, approved, the markets it serves)."""
    return [
        (v, ok, [market, *SERVES[name]]) for (v, market, ok), (name, _) in zip(vendors, VENDOR_COMPANIES, strict=True)
    ]


def _bid_triggers(cur: psycopg.Cursor[Any], action: str) -> None:
    for table, trigger in demo_bids.TRIGGERS:
        query = sql.SQL("ALTER TABLE {} {} TRIGGER {}")
        cur.execute(query.format(sql.Identifier(table), sql.SQL(action), sql.Identifier(trigger)))


def seed_demo(
    owner_url: str,
    *,
    properties: int = DEMO_PROPERTIES,
    seed: int = 7,
    now: datetime | None = None,
    photo_store: str | None = None,
) -> list[Credential]:
    """Load the demo data set as of ``now`` (the present by default); returns the demo users'
    credentials (shown once). With ``photo_store`` (a photo store URL), some scopes get photos,
    their files put there; files of a load that fails are removed again."""
    rng = random.Random(seed)
    scope_rng = random.Random(seed + 1)  # the turns stay the same whether or not scopes are drawn
    bid_rng = random.Random(seed + 2)  # and the scopes whether or not bids are
    store = open_store(photo_store) if photo_store else None
    written = Written()
    try:
        clock = Clock(now or datetime.now().astimezone())
        return _load(owner_url, properties, (rng, scope_rng, bid_rng), clock, store, written)
    except BaseException:
        for key in written.photos if store else ():
            for size in ("original", *SIZES):
                obstore.delete(store.store, f"{key}/{size}")  # type: ignore[union-attr]
        raise


def _load(
    owner_url: str,
    properties: int,
    rngs: tuple[random.Random, random.Random, random.Random],
    clock: Clock,
    store: PhotoStore | None,
    written: Written,
) -> list[Credential]:
    rng, scope_rng, bid_rng = rngs
    if demo_loaded(owner_url):
        raise SeedError("the demo data is already loaded (run `turns db reset` first)")
    with psycopg.connect(owner_url) as conn, conn.cursor() as cur:
        cur.execute(SET_CONTEXT_SQL, system_actor(DEMO_CONTEXT).params())
        stages = [UUID(str(r[0])) for r in cur.execute("SELECT id FROM turn_stages ORDER BY display_order")]
        if len(stages) < 5:
            raise SeedError("the default turn stages are missing: run `turns db migrate` first")
        threshold = cur.execute("SELECT ho_approval_threshold FROM workflow_settings").fetchone()
        assert threshold is not None
        # The history is written as it happened, with each turn (the trigger would add a row dated
        # now), and so are the notifications of other users, which RLS keeps for the workflow's
        # triggers, and the photos in the names of those who took them. Only this transaction
        # sees these changes: they are undone before it commits.
        cur.execute("ALTER TABLE turns DISABLE TRIGGER record_turns_stage_change")
        for trigger in SCOPE_TRIGGERS:
            cur.execute(sql.SQL("ALTER TABLE scope_lines DISABLE TRIGGER {}").format(sql.Identifier(trigger)))
        cur.execute("ALTER TABLE vendor_visits DISABLE TRIGGER vendor_visits_events_insert")  # agreed long ago
        _bid_triggers(cur, "DISABLE")
        for table in WRITTEN_FOR_OTHERS:
            cur.execute(sql.SQL("ALTER TABLE {} NO FORCE ROW LEVEL SECURITY").format(sql.Identifier(table)))

        vendors = _vendors(cur, rng, clock.today)
        providers = _providers(cur, rng)
        staff = _staff(cur, rng, vendors[0][0])
        people = People(
            dfo=staff.logins["DFO_APPROVER"],
            ho=staff.logins["HO_APPROVER"],
            vendors_by_market={m: [v for v, market, ok in vendors if market == m and ok] for m in MARKETS},
            ho_threshold=Decimal(threshold[0]),
        )
        scope_vendors = ScopeVendors(
            trades={v: trades for (v, _, _), (_, trades) in zip(vendors, VENDOR_COMPANIES, strict=True)},
            by_market=people.vendors_by_market,
            serving={m: [v for v, ok, served in _served(vendors) if ok and m in served] for m in MARKETS},
        )
        bidding = Bidding(
            scope_vendors,
            names={v: name for (v, _, _), (name, _) in zip(vendors, VENDOR_COMPANIES, strict=True)},
            logins={vendors[0][0]: staff.logins["VENDOR"]},
            favoured=vendors[0][0],
            now=clock.now,
        )
        number = [0]
        open_slots = iter(range(properties))  # the place of each vacant home among them
        for n in range(properties):
            market = list(MARKETS)[n % len(MARKETS)]
            slot = next(open_slots) if n % 10 in VACANT else None
            # The vacant homes are dealt to the managers in turn, so each has a turn in every open stage.
            manager = staff.managers[(n if slot is None else slot) % len(staff.managers)]
            home = Home(uuid4(), n, f"{market} Home {n + 1}", market, manager, staff.seniors[n % 2], providers[market])
            planned = _plan_home(rng, home, people, clock, slot, number)
            home_row = _home_row(rng, home, planned, clock)
            insert(cur, "properties", home_row)
            address = ", ".join(home_row[k] for k in ("street_address", "city", "state"))
            for turn in sorted(planned, key=lambda t: t.history[0][1]):
                turn_id = _write_turn(cur, turn, stages, manager, clock.now)
                lines = _write_scope(cur, scope_rng, turn, turn_id, market, scope_vendors, manager, store, written)
                write_bids(cur, bid_rng, turn, Place(turn_id, home, address), lines, bidding)

        for table in WRITTEN_FOR_OTHERS:
            cur.execute(sql.SQL("ALTER TABLE {} FORCE ROW LEVEL SECURITY").format(sql.Identifier(table)))
        cur.execute("ALTER TABLE turns ENABLE TRIGGER record_turns_stage_change")
        for trigger in SCOPE_TRIGGERS:
            cur.execute(sql.SQL("ALTER TABLE scope_lines ENABLE TRIGGER {}").format(sql.Identifier(trigger)))
        cur.execute("ALTER TABLE vendor_visits ENABLE TRIGGER vendor_visits_events_insert")
        _bid_triggers(cur, "ENABLE")
        cur.execute("SELECT refresh_property_summary(false)")
        conn.commit()
    return staff.credentials


class SeedError(Exception):
    pass
