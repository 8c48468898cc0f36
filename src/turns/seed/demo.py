"""Deterministic demo data: users of every role, properties across markets, vendors,
utility providers and turns in every stage and approval status, with stage history.

Rows are written as the system user through the normal triggers, so every one of
them has its audit row. The same seed always yields the same data; only the demo
users' passwords are random, printed once and never stored in clear.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

import psycopg

from turns.auth.passwords import hash_password
from turns.db.context import SET_CONTEXT_SQL, system_actor

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
VENDOR_NAMES = [
    "Peachtree Make-Ready",
    "Desert Turn Pros",
    "Lone Star Renovations",
    "Queen City Paint & Floor",
    "Bay Area Restoration",
    "Silver State Services",
    "Summit Flooring Co",
    "BrightClean Turns",
    "Keystone Handyman",
    "Evergreen Property Works",
]
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


@dataclass(frozen=True)
class Credential:
    email: str
    role: str
    password: str


def _user(
    cur: psycopg.Cursor[tuple[object, ...]],
    email: str,
    role: str,
    first: str,
    last: str,
    password_hash: str | None,
    vendor_id: UUID | None = None,
) -> UUID:
    row = cur.execute(
        "INSERT INTO users (email, password_hash, first_name, last_name, role, vendor_id, email_verified)"
        " VALUES (%s, %s, %s, %s, %s, %s, true) RETURNING id",
        (email, password_hash, first, last, role, vendor_id),
    ).fetchone()
    assert row is not None
    return UUID(str(row[0]))


def demo_loaded(owner_url: str) -> bool:
    with psycopg.connect(owner_url) as conn, conn.cursor() as cur:
        cur.execute(SET_CONTEXT_SQL, system_actor("seed").params())
        row = cur.execute("SELECT count(*) FROM users WHERE email LIKE %s", (f"%@{DEMO_DOMAIN}",)).fetchone()
        return row != (0,)


def seed_demo(owner_url: str, *, properties: int = DEMO_PROPERTIES, seed: int = 7) -> list[Credential]:
    """Load the demo data set; returns the demo users' credentials (shown once)."""
    rng = random.Random(seed)
    credentials: list[Credential] = []
    today = date.today()
    if demo_loaded(owner_url):
        raise SeedError("the demo data is already loaded (run `turns db reset` first)")
    with psycopg.connect(owner_url) as conn, conn.cursor() as cur:
        cur.execute(SET_CONTEXT_SQL, system_actor("seed").params())
        stages = cur.execute("SELECT id, name FROM turn_stages ORDER BY display_order").fetchall()
        cur.execute("ALTER TABLE turn_stage_history NO FORCE ROW LEVEL SECURITY")
        if len(stages) < 5:
            raise SeedError("the default turn stages are missing: run `turns db migrate` first")

        vendor_ids: list[UUID] = []
        for i, name in enumerate(VENDOR_NAMES):
            market = list(MARKETS)[i % len(MARKETS)]
            state, cities = MARKETS[market]
            row = cur.execute(
                "INSERT INTO vendors (company_name, contact_name, email, phone, city, state, is_active, is_approved,"
                " average_rating, total_jobs, license_number, insurance_expiry)"
                " VALUES (%s, %s, %s, %s, %s, %s, true, %s, %s, %s, %s, %s) RETURNING id",
                (
                    name,
                    f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    f"dispatch@{name.lower().replace(' ', '').replace('&', '')}.example",
                    f"555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
                    cities[0],
                    state,
                    i != 9,
                    Decimal(rng.randint(30, 50)) / 10,
                    rng.randint(5, 400),
                    f"LIC-{rng.randint(10000, 99999)}",
                    today + timedelta(days=rng.randint(30, 700)),
                ),
            ).fetchone()
            assert row is not None
            vendor_ids.append(UUID(str(row[0])))

        for market, (state, _cities) in MARKETS.items():
            for utility, company in (("POWER", "Power & Light"), ("WATER", "Water Authority"), ("GAS", "Gas Co")):
                cur.execute(
                    "INSERT INTO utility_providers (name, utility_type, phone, market, state)"
                    " VALUES (%s, %s, %s, %s, %s)",
                    (
                        f"{market} {company}",
                        utility,
                        f"800-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
                        market,
                        state,
                    ),
                )
        providers = cur.execute("SELECT market, utility_type::text, id FROM utility_providers").fetchall()
        provider = {(str(m), str(t)): UUID(str(i)) for m, t, i in providers}

        users: dict[str, UUID] = {}
        for role, local in ROLE_USERS:
            password = secrets.token_urlsafe(12)
            email = f"{local}@{DEMO_DOMAIN}"
            users[role] = _user(
                cur,
                email,
                role,
                rng.choice(FIRST),
                rng.choice(LAST),
                hash_password(password),
                vendor_ids[0] if role == "VENDOR" else None,
            )
            credentials.append(Credential(email, role, password))
        # More managers without a login, so portfolios differ.
        managers = [users["PROPERTY_MANAGER"]] + [
            _user(cur, f"manager{n}@{DEMO_DOMAIN}", "PROPERTY_MANAGER", rng.choice(FIRST), rng.choice(LAST), None)
            for n in range(2, 5)
        ]
        seniors = [
            users["SR_PROPERTY_MANAGER"],
            _user(
                cur, f"senior.manager2@{DEMO_DOMAIN}", "SR_PROPERTY_MANAGER", rng.choice(FIRST), rng.choice(LAST), None
            ),
        ]

        approvals = ["PENDING", "DFO_APPROVAL_NEEDED", "DFO_APPROVED", "HO_APPROVAL_NEEDED", "HO_APPROVED", "REJECTED"]
        for n in range(properties):
            market = list(MARKETS)[n % len(MARKETS)]
            state, cities = MARKETS[market]
            manager = managers[n % len(managers)]
            move_out = today - timedelta(days=rng.randint(3, 90))
            row = cur.execute(
                "INSERT INTO properties (property_id, name, street_address, city, state, zip_code, county,"
                " year_built, market, area_sqft, bedrooms, bathrooms, is_section_8, has_insurance,"
                " property_manager_id, sr_property_manager_id, move_out_date)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, true, %s, %s, %s) RETURNING id",
                (
                    f"P-{10001 + n}",
                    f"{market} Home {n + 1}",
                    f"{rng.randint(100, 9999)} {rng.choice(STREETS)} {rng.choice(SUFFIXES)}",
                    rng.choice(cities),
                    state,
                    f"{rng.randint(10000, 99999)}",
                    f"{rng.choice(cities)} County",
                    rng.randint(1965, 2022),
                    market,
                    rng.randint(900, 3200),
                    Decimal(rng.randint(2, 5)),
                    Decimal(rng.randint(2, 7)) / 2,
                    rng.random() < 0.1,
                    manager,
                    seniors[n % len(seniors)],
                    move_out,
                ),
            ).fetchone()
            assert row is not None
            property_id = UUID(str(row[0]))
            if n % 5 == 4:
                continue  # some homes are occupied: no turn
            stage_index = n % len(stages)
            amount = Decimal(rng.randint(1500, 14000))
            approval = "PENDING" if stage_index == 0 else approvals[n % len(approvals)]
            if stage_index >= 2:
                approval = "HO_APPROVED" if amount > 10000 else "DFO_APPROVED"
            vendor = vendor_ids[n % (len(vendor_ids) - 1)] if stage_index >= 2 or n % 3 == 0 else None
            turn = cur.execute(
                "INSERT INTO turns (turn_id, property_id, stage_id, wo_number, move_out_date, turn_amount,"
                " approved_turn_amount, vendor_id, expected_completion_date, scope_approval_status,"
                " power_status, water_status, gas_status, power_provider_id, water_provider_id, gas_provider_id,"
                " lock_box_location, primary_lock_box_code, trash_out_needed, scope_submitted_by, scope_submitted_at,"
                " approval_requested_at, lock_box_install_date, final_walk_date, final_walk_by, move_in_date)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
                " %s, %s, %s, %s)"
                " RETURNING id",
                (
                    f"T-{20001 + n}",
                    property_id,
                    stages[0][0],
                    f"WO-{rng.randint(100000, 999999)}",
                    move_out,
                    amount if stage_index >= 1 else None,
                    amount if approval in ("DFO_APPROVED", "HO_APPROVED") else None,
                    vendor,
                    move_out + timedelta(days=rng.randint(10, 30)),
                    approval,
                    _on_for_work(stage_index, rng.choice(["YES", "NO", "PENDING"])),
                    _on_for_work(stage_index, rng.choice(["YES", "PENDING"])),
                    _on_for_work(stage_index, rng.choice(["YES", "NO"])),
                    provider[(market, "POWER")],
                    provider[(market, "WATER")],
                    provider[(market, "GAS")],
                    "Front door",
                    f"{rng.randint(0, 9999):04d}",
                    rng.random() < 0.4,
                    managers[n % len(managers)] if approval != "PENDING" else None,
                    None if approval == "PENDING" else move_out + timedelta(days=2),
                    None if approval == "PENDING" else move_out + timedelta(days=2),
                    move_out + timedelta(days=1),
                    # Homes in the final walk or done were walked by their manager; the
                    # finished ones have a resident's move-in date.
                    move_out + timedelta(days=12 + n % 7) if stage_index >= 3 else None,
                    manager if stage_index >= 3 else None,
                    move_out + timedelta(days=35 + n % 10) if stage_index >= 3 else None,
                ),
            ).fetchone()
            assert turn is not None
            # Walk the turn through the stages so its history is real, then date it in the past
            # (history is immutable to everyone: only this owner transaction lifts FORCE for it).
            for step in range(1, stage_index + 1):
                cur.execute("UPDATE turns SET stage_id = %s WHERE id = %s", (stages[step][0], turn[0]))
            cur.execute(
                "UPDATE turn_stage_history h SET changed_at = %s::date + (s.display_order * interval '3 days')"
                " FROM turn_stages s WHERE s.id = h.to_stage_id AND h.turn_id = %s",
                (move_out, turn[0]),
            )
            if stage_index == 4:
                completed = move_out + timedelta(days=rng.randint(8, 35))
                cur.execute(
                    "UPDATE turns SET turn_completion_date = %s, is_active = false WHERE id = %s",
                    (completed, turn[0]),
                )
                if n % 2 == 0:  # half of the finished homes are already with leasing
                    cur.execute(
                        "UPDATE turns SET sent_to_leasing_date = %s, sent_to_leasing_at = %s::date + time '16:30',"
                        " sent_to_leasing_by = %s WHERE id = %s",
                        (completed, completed, manager, turn[0]),
                    )
        cur.execute("ALTER TABLE turn_stage_history FORCE ROW LEVEL SECURITY")
        cur.execute("SELECT refresh_property_summary(false)")
        conn.commit()
    return credentials


def _on_for_work(stage_index: int, status: str) -> str:
    """A utility's status: on for every turn in work or later (the stages that require it)."""
    return "YES" if stage_index >= 2 else status


class SeedError(Exception):
    pass
