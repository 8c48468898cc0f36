"""The permission matrix of docs/permissions.md, role by role, through HTTP.

For each of the nine roles one world is built (two portfolios, two vendor companies with
their users, turns in several states, a super admin, a utility provider, another user's
background export; on the assigned turn a scope line, a photo of the turn and one of its
inspection, a bid request with the vendor's bid, a proposed vendor visit) and every action
is tried; the outcome is the status code, or for
reads that show rows how many came back. A refused write must leave the database as it
was: the matrix compares a fingerprint of the row it would change (or the row count of
the table it would add to) and the size of the audit log. A successful write must leave
exactly one audit row for its record: CREATE, UPDATE, VIEW (the lock-box reveal) or
EXPORT (an export, under the id in ``X-Export-Id``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import psycopg
import pytest
from psycopg import sql

from tests.exports.helpers import read_csv
from tests.fixtures.factory import PASSWORD, Factory, User, bearer, login
from tests.fixtures.server import serving
from tests.photos.conftest import photo_bytes
from turns.db.urls import DatabaseUrls

SETTINGS_ID = UUID("00000000-0000-0000-0000-000000000005")  # the single workflow_settings row
SOON = date.today() + timedelta(days=3)
ROLES = (
    "SUPER_ADMIN",
    "ADMIN",
    "PROPERTY_MANAGER",
    "SR_PROPERTY_MANAGER",
    "VENDOR",
    "INSPECTOR",
    "DFO_APPROVER",
    "HO_APPROVER",
    "USER",
)


@dataclass
class World:
    db: psycopg.Connection[tuple[Any, ...]]  # the superuser's, for the checks: it sees every row
    me: User  # the role's user: the manager, the senior manager, the vendor user, or a new one
    manager: User
    senior: User
    other_manager: User
    vendor_user: User
    vendor: UUID
    mine: UUID  # property of manager + senior
    theirs: UUID  # property of other_manager
    vacant: UUID  # property of manager + senior with no turn: one may be opened on it
    my_turn: UUID  # on mine, assigned to vendor
    their_turn: UUID  # on theirs, no vendor
    ready_turn: UUID  # on mine, vendor and amount set: may enter Scope Approval
    waiting_turn: UUID  # on mine, waiting for a DFO decision, submitted by manager
    other_vendor_user: User
    other_vendor: UUID  # the company of other_vendor_user, assigned to no turn
    chief: User  # a super admin
    scope_stage: UUID  # the second stage, Scope Approval
    last_but_one_stage: UUID  # the fourth stage, Final Walk
    provider: UUID  # a utility provider
    their_export: UUID  # a background export other_manager asked for
    line: UUID  # a scope line of ready_turn, vendor's, with a charge-back
    photo: UUID  # a photo of my_turn, added by manager
    inspection: UUID  # an inspection of my_turn in progress, with an inspection photo
    template_item: UUID  # an item of the inspection's template
    bid_request: UUID  # an open request for quotes on line, vendor invited
    bid: UUID  # vendor's bid on bid_request
    visit: UUID  # a visit of vendor to my_turn, proposed by manager

    def query(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self.db.execute(statement, params).fetchall()


def _photo(db: psycopg.Connection[tuple[Any, ...]], turn: UUID, by: User, **subject: Any) -> UUID:
    """A photo's row as ``by`` added it (as the superuser: the factory writes as the system)."""
    photo = uuid4()
    values = {"id": photo, "turn_id": turn, "created_by": by.id, "storage_key": f"photos/{turn}/{photo}"} | subject
    values |= {"content_type": "image/jpeg", "uploaded_type": "image/jpeg", "byte_size": 900, "width": 4, "height": 3}
    query = sql.SQL("INSERT INTO photos ({}) VALUES ({})").format(
        sql.SQL(", ").join(map(sql.Identifier, values)), sql.SQL(", ").join(sql.Placeholder() * len(values))
    )
    db.execute(query, list(values.values()))
    return photo


def build_world(factory: Factory, db: psycopg.Connection[tuple[Any, ...]], role: str) -> World:
    manager, senior, other = (
        factory.user("PROPERTY_MANAGER"),
        factory.user("SR_PROPERTY_MANAGER"),
        factory.user("PROPERTY_MANAGER"),
    )
    vendor = factory.vendor()
    vendor_user, other_vendor_user = factory.user("VENDOR", vendor_id=vendor), factory.user("VENDOR")
    mine, theirs = factory.property(manager, senior), factory.property(other)
    cast = {"PROPERTY_MANAGER": manager, "SR_PROPERTY_MANAGER": senior, "VENDOR": vendor_user}
    (their_export,) = db.execute(
        "INSERT INTO export_jobs (requested_by, resource, format) VALUES (%s, 'turns', 'csv') RETURNING id",
        (other.id,),
    ).fetchall()[0]
    assert other_vendor_user.vendor_id is not None
    my_turn, ready_turn = factory.turn(mine, vendor_id=vendor), factory.turn(mine, vendor_id=vendor)
    line = factory.insert(
        "scope_lines", turn_id=ready_turn, trade="PAINT", description="Walls", quantity=2, unit_cost=50,
        vendor_id=vendor, chargeback=True, chargeback_amount=20,
    )  # fmt: skip
    [(template_item, template)] = db.execute(
        "SELECT id, template_id FROM inspection_template_items ORDER BY position, id LIMIT 1"
    ).fetchall()
    inspection = factory.insert("inspections", turn_id=my_turn, template_id=template, inspector_id=manager.id)
    _photo(db, my_turn, manager, subject="inspection", subject_id=inspection)
    bid_request = factory.insert("bid_requests", turn_id=ready_turn, requested_by=manager.id, due_date=SOON)
    factory.insert("bid_request_lines", request_id=bid_request, scope_line_id=line)
    visit_days = {"starts_on": SOON + timedelta(days=4), "ends_on": SOON + timedelta(days=5)}
    return World(
        db=db,
        me=cast.get(role) or factory.user(role),
        manager=manager,
        senior=senior,
        other_manager=other,
        vendor_user=vendor_user,
        vendor=vendor,
        mine=mine,
        theirs=theirs,
        vacant=factory.property(manager, senior),
        my_turn=my_turn,
        their_turn=factory.turn(theirs),
        ready_turn=ready_turn,
        waiting_turn=factory.turn(
            mine,
            scope_approval_status="DFO_APPROVAL_NEEDED",
            scope_submitted_by=manager.id,
            scope_submitted_at="2026-01-01T00:00:00Z",
        ),
        other_vendor_user=other_vendor_user,
        other_vendor=other_vendor_user.vendor_id,
        chief=factory.user("SUPER_ADMIN"),
        scope_stage=factory.stage_id(2),
        last_but_one_stage=factory.stage_id(4),
        provider=factory.insert("utility_providers", name="Matrix Power", utility_type="POWER"),
        their_export=their_export,
        line=line,
        photo=_photo(db, my_turn, manager),
        inspection=inspection,
        template_item=template_item,
        bid_request=bid_request,
        bid=factory.insert("bids", request_id=bid_request, vendor_id=vendor),
        visit=factory.insert("vendor_visits", turn_id=my_turn, vendor_id=vendor, created_by=manager.id, **visit_days),
    )


PHOTO = photo_bytes(size=(64, 48))
Call = Callable[[httpx.Client, World], httpx.Response]
Measure = Callable[[httpx.Response], int]


def _items(response: httpx.Response) -> int:
    body = response.json()
    return len(body["items"] if isinstance(body, dict) else body)


def _csv_rows(response: httpx.Response) -> int:
    return len(read_csv(response.content)) - 1  # the header


def _pipeline(response: httpx.Response) -> int:
    return int(response.json()["overall"]["total"])


def _waiting(response: httpx.Response) -> int:
    """Active turns now in each stage, summed."""
    return sum(stage["waiting"] for stage in response.json()["stages"])


@dataclass(frozen=True)
class Action:
    """A request and what it may change.

    ``measure``: for a read, how many rows a 200 shows (the outcome is then that count).
    ``table``: the table a write changes; ``record``: the row it changes (none: it adds
    one, whose id is in the response); ``audit``: the audit action a success leaves for
    that record (none: it only queues a job).
    """

    call: Call
    measure: Measure | None = None
    table: str | None = None
    record: Callable[[World], UUID] | None = None
    audit: str | None = "UPDATE"


def version(world: World, table: str, record: UUID) -> int:
    """The current version, so each write action stands on its own."""
    return int(world.query(f"SELECT version FROM {table} WHERE id = %s", (record,))[0][0])


def _audits(world: World, record: UUID, action: str) -> int:
    query = "SELECT count(*) FROM audit_logs WHERE record_id = %s AND action = %s"
    return int(world.query(query, (record, action))[0][0])


def _fingerprint(world: World, action: Action) -> list[tuple[Any, ...]]:
    """The size of the audit log, and the row the action changes or the size of its table."""
    audit = "(SELECT count(*) FROM audit_logs)"
    if action.record is None:
        return world.query(f"SELECT {audit}, count(*) FROM {action.table}")
    query = f"SELECT {audit}, version, updated_at FROM {action.table} WHERE id = %s"
    return world.query(query, (action.record(world),))


def _written(response: httpx.Response) -> UUID:
    """The record a successful write added: a created row, or an export's audit record."""
    return UUID(response.headers.get("x-export-id") or response.json()["id"])


ACTIONS: dict[str, Action] = {
    "list properties": Action(lambda c, w: c.get("/api/v1/properties"), _items),
    "read other portfolio's property": Action(lambda c, w: c.get(f"/api/v1/properties/{w.theirs}")),
    "create property": Action(
        lambda c, w: c.post(
            "/api/v1/properties", json={"property_id": "P-MATRIX", "name": "Matrix", "street_address": "1 Grid Rd"}
        ),
        table="properties",
        audit="CREATE",
    ),
    "rename own-portfolio property": Action(
        lambda c, w: c.patch(
            f"/api/v1/properties/{w.mine}", json={"name": "Renamed", "version": version(w, "properties", w.mine)}
        ),
        table="properties",
        record=lambda w: w.mine,
    ),
    "deactivate property": Action(
        lambda c, w: c.post(f"/api/v1/properties/{w.theirs}/deactivate", json={"version": 1}),
        table="properties",
        record=lambda w: w.theirs,
    ),
    "list turns": Action(lambda c, w: c.get("/api/v1/turns"), _items),
    "read other portfolio's turn": Action(lambda c, w: c.get(f"/api/v1/turns/{w.their_turn}")),
    "open turn on own portfolio": Action(
        lambda c, w: c.post("/api/v1/turns", json={"turn_id": "T-MATRIX", "property_id": str(w.vacant)}),
        table="turns",
        audit="CREATE",
    ),
    "edit work order of assigned turn": Action(
        lambda c, w: c.patch(
            f"/api/v1/turns/{w.my_turn}", json={"wo_number": "WO-M", "version": version(w, "turns", w.my_turn)}
        ),
        table="turns",
        record=lambda w: w.my_turn,
    ),
    "edit status of assigned turn": Action(
        lambda c, w: c.patch(
            f"/api/v1/turns/{w.ready_turn}", json={"status": "Started", "version": version(w, "turns", w.ready_turn)}
        ),
        table="turns",
        record=lambda w: w.ready_turn,
    ),
    "move turn to next stage": Action(
        lambda c, w: c.post(
            f"/api/v1/turns/{w.my_turn}/transition",
            json={"to_stage_id": str(w.scope_stage), "version": version(w, "turns", w.my_turn)},
        ),
        table="turns",
        record=lambda w: w.my_turn,
    ),
    "submit scope": Action(
        lambda c, w: c.post(
            f"/api/v1/turns/{w.ready_turn}/scope/submit", json={"version": version(w, "turns", w.ready_turn)}
        ),
        table="turns",
        record=lambda w: w.ready_turn,
    ),
    "approvals queue": Action(lambda c, w: c.get("/api/v1/approvals/queue"), _items),
    "approve waiting scope": Action(
        lambda c, w: c.post(f"/api/v1/turns/{w.waiting_turn}/scope/approve", json={"version": 1}),
        table="turns",
        record=lambda w: w.waiting_turn,
    ),
    "reveal lock box of assigned turn": Action(
        lambda c, w: c.post(f"/api/v1/turns/{w.my_turn}/lock-box/reveal"),
        table="turns",
        record=lambda w: w.my_turn,
        audit="VIEW",
    ),
    "read workflow settings": Action(lambda c, w: c.get("/api/v1/workflow/settings")),
    "change workflow settings": Action(
        lambda c, w: c.patch("/api/v1/workflow/settings", json={"allow_self_approval": True, "version": 1}),
        table="workflow_settings",
        record=lambda w: SETTINGS_ID,
    ),
    "list own notifications": Action(lambda c, w: c.get("/api/v1/notifications"), _items),
    # Users: the directory (a vendor user sees only itself); admins administer, everyone
    # edits their own name and phone; only a super admin touches a super admin.
    "list users": Action(lambda c, w: c.get("/api/v1/users"), _items),
    "create user": Action(
        lambda c, w: c.post("/api/v1/users", json={"email": "matrix@example.com", "password": PASSWORD}),
        table="users",
        audit="CREATE",
    ),
    "edit own phone": Action(
        lambda c, w: c.patch(
            f"/api/v1/users/{w.me.id}", json={"phone": "555-0100", "version": version(w, "users", w.me.id)}
        ),
        table="users",
        record=lambda w: w.me.id,
    ),
    "rename the super admin": Action(
        lambda c, w: c.patch(
            f"/api/v1/users/{w.chief.id}", json={"first_name": "Chief", "version": version(w, "users", w.chief.id)}
        ),
        table="users",
        record=lambda w: w.chief.id,
    ),
    "deactivate a vendor user": Action(
        lambda c, w: c.post(
            f"/api/v1/users/{w.other_vendor_user.id}/deactivate",
            json={"version": version(w, "users", w.other_vendor_user.id)},
        ),
        table="users",
        record=lambda w: w.other_vendor_user.id,
    ),
    # Vendors: staff read all, a vendor user its own company and only its contact fields.
    "list vendors": Action(lambda c, w: c.get("/api/v1/vendors"), _items),
    "add vendor": Action(
        lambda c, w: c.post("/api/v1/vendors", json={"company_name": "Matrix Co"}), table="vendors", audit="CREATE"
    ),
    "edit contact of assigned vendor": Action(
        lambda c, w: c.patch(
            f"/api/v1/vendors/{w.vendor}", json={"contact_name": "Pat", "version": version(w, "vendors", w.vendor)}
        ),
        table="vendors",
        record=lambda w: w.vendor,
    ),
    "edit licence of assigned vendor": Action(
        lambda c, w: c.patch(
            f"/api/v1/vendors/{w.vendor}", json={"license_number": "L-1", "version": version(w, "vendors", w.vendor)}
        ),
        table="vendors",
        record=lambda w: w.vendor,
    ),
    "deactivate other vendor": Action(
        lambda c, w: c.post(
            f"/api/v1/vendors/{w.other_vendor}/deactivate", json={"version": version(w, "vendors", w.other_vendor)}
        ),
        table="vendors",
        record=lambda w: w.other_vendor,
    ),
    # Reference data: everyone reads, admins write.
    "list utility providers": Action(lambda c, w: c.get("/api/v1/utility-providers"), _items),
    "add utility provider": Action(
        lambda c, w: c.post("/api/v1/utility-providers", json={"name": "Matrix Water", "utility_type": "WATER"}),
        table="utility_providers",
        audit="CREATE",
    ),
    "rename utility provider": Action(
        lambda c, w: c.patch(
            f"/api/v1/utility-providers/{w.provider}",
            json={"name": "Grid Power", "version": version(w, "utility_providers", w.provider)},
        ),
        table="utility_providers",
        record=lambda w: w.provider,
    ),
    "list turn stages": Action(lambda c, w: c.get("/api/v1/turn-stages"), _items),
    "recolour a turn stage": Action(
        lambda c, w: c.patch(
            f"/api/v1/turn-stages/{w.last_but_one_stage}",
            json={"color": "#123456", "version": version(w, "turn_stages", w.last_but_one_stage)},
        ),
        table="turn_stages",
        record=lambda w: w.last_but_one_stage,
    ),
    # Audit viewer: admins all; staff but vendors the trail of what they can see; all their own actions.
    "audit trail of other portfolio's turn": Action(
        lambda c, w: c.get(f"/api/v1/audit?turn_id={w.their_turn}"), _items
    ),
    "audit trail of a colleague's account": Action(
        lambda c, w: c.get(f"/api/v1/audit?record_id={w.other_manager.id}"), _items
    ),
    # Own actions on users: signing in (it sets last_login), the own phone, and what admins did.
    "audit of own actions on users": Action(
        lambda c, w: c.get(f"/api/v1/audit?user_id={w.me.id}&table_name=users"), _items
    ),
    # Reports: aggregates of the visible turns; 403 when built on a column the role may not read.
    "stage dwell report: turns waiting": Action(lambda c, w: c.get("/api/v1/reports/stage-dwell"), _waiting),
    "pipeline report: active turns": Action(lambda c, w: c.get("/api/v1/reports/pipeline"), _pipeline),
    "refresh property summary": Action(
        lambda c, w: c.post("/api/v1/reports/property-summary/refresh"), table="jobs.procrastinate_jobs", audit=None
    ),
    # Exports: the rows and columns the role reads, each export audited.
    "export properties": Action(
        lambda c, w: c.get("/api/v1/exports/properties.csv"), _csv_rows, table="audit_logs", audit="EXPORT"
    ),
    "export turns waiting for the DFO": Action(
        lambda c, w: c.get("/api/v1/exports/turns.csv?approval_status=DFO_APPROVAL_NEEDED"),
        _csv_rows,
        table="audit_logs",
        audit="EXPORT",
    ),
    "read another user's export": Action(lambda c, w: c.get(f"/api/v1/exports/jobs/{w.their_export}")),
    # Monitoring: admins only; Prometheus metrics need a token only when one is configured.
    "monitor connections": Action(lambda c, w: c.get("/api/v1/admin/monitor/connections")),
    "metrics": Action(lambda c, w: c.get("/metrics")),
    # Scope lines: read as the turn (a vendor user its own lines, not the approved amounts);
    # managers and admins write, a vendor user only marks its lines done.
    "list scope lines of ready turn": Action(lambda c, w: c.get(f"/api/v1/turns/{w.ready_turn}/scope-lines"), _items),
    "scope changes of ready turn": Action(lambda c, w: c.get(f"/api/v1/turns/{w.ready_turn}/scope-changes")),
    "add scope line": Action(
        lambda c, w: c.post(
            f"/api/v1/turns/{w.ready_turn}/scope-lines",
            json={"trade": "HVAC", "description": "Service", "quantity": "1", "unit_cost": "90"},
        ),
        table="scope_lines",
        audit="CREATE",
    ),
    "price scope line": Action(
        lambda c, w: c.patch(
            f"/api/v1/scope-lines/{w.line}", json={"unit_cost": "60", "version": version(w, "scope_lines", w.line)}
        ),
        table="scope_lines",
        record=lambda w: w.line,
    ),
    "mark scope line done": Action(
        lambda c, w: c.patch(
            f"/api/v1/scope-lines/{w.line}", json={"status": "DONE", "version": version(w, "scope_lines", w.line)}
        ),
        table="scope_lines",
        record=lambda w: w.line,
    ),
    # Photos: read as the turn (inspection photos not by vendor users); added by those who work
    # on it; removed by whoever added one, or an admin.
    "list photos of assigned turn": Action(lambda c, w: c.get(f"/api/v1/turns/{w.my_turn}/photos"), _items),
    "add photo to assigned turn": Action(
        lambda c, w: c.post(f"/api/v1/turns/{w.my_turn}/photos", content=PHOTO, headers={"Content-Type": "image/jpeg"}),
        table="photos",
        audit="CREATE",
    ),
    "remove manager's photo": Action(
        lambda c, w: c.delete(f"/api/v1/photos/{w.photo}"), table="photos", record=lambda w: w.photo, audit="DELETE"
    ),
    # Inspections: templates read by all, written by admins; inspections read as the turn (not
    # by vendor users), walked by inspectors, admins and the property's managers.
    "list inspection templates": Action(lambda c, w: c.get("/api/v1/inspection-templates"), _items),
    "add inspection template": Action(
        lambda c, w: c.post("/api/v1/inspection-templates", json={"name": "Matrix walk", "kind": "OTHER"}),
        table="inspection_templates",
        audit="CREATE",
    ),
    "list inspections of assigned turn": Action(lambda c, w: c.get(f"/api/v1/turns/{w.my_turn}/inspections"), _items),
    "start inspection of ready turn": Action(
        lambda c, w: c.post(f"/api/v1/turns/{w.ready_turn}/inspections"), table="inspections", audit="CREATE"
    ),
    "record inspection result": Action(
        lambda c, w: c.post(
            f"/api/v1/inspections/{w.inspection}/results",
            json={"template_item_id": str(w.template_item), "condition": "REPAIR"},
        ),
        table="inspection_results",
        audit="CREATE",
    ),
    # Bids: managers and admins ask and decide, approvers compare, the invited vendor prices.
    "bid requests of ready turn": Action(lambda c, w: c.get(f"/api/v1/turns/{w.ready_turn}/bid-requests"), _items),
    "own bid requests": Action(lambda c, w: c.get("/api/v1/bids"), _items),
    "ask for bids": Action(
        lambda c, w: c.post(
            f"/api/v1/turns/{w.ready_turn}/bid-requests",
            json={"line_ids": [str(w.line)], "vendor_ids": [str(w.vendor)], "due_date": SOON.isoformat()},
        ),
        table="bid_requests",
        audit="CREATE",
    ),
    "price vendor's bid": Action(
        lambda c, w: c.post(
            f"/api/v1/bids/{w.bid}/submit",
            json={"prices": [{"scope_line_id": str(w.line), "unit_cost": "45"}], "version": version(w, "bids", w.bid)},
        ),
        table="bids",
        record=lambda w: w.bid,
    ),
    "cancel bid request": Action(
        lambda c, w: c.post(
            f"/api/v1/bid-requests/{w.bid_request}/cancel",
            json={"version": version(w, "bid_requests", w.bid_request)},
        ),
        table="bid_requests",
        record=lambda w: w.bid_request,
    ),
    # Vendor visits: read as the turn (a vendor user its own); managers and admins propose,
    # the vendor's users answer.
    "vendor visits of assigned turn": Action(lambda c, w: c.get(f"/api/v1/turns/{w.my_turn}/vendor-visits"), _items),
    "propose a vendor visit": Action(
        lambda c, w: c.post(
            f"/api/v1/turns/{w.my_turn}/vendor-visits",
            json={"vendor_id": str(w.vendor), "starts_on": SOON.isoformat(), "ends_on": SOON.isoformat()},
        ),
        table="vendor_visits",
        audit="CREATE",
    ),
    "accept proposed visit": Action(
        lambda c, w: c.post(
            f"/api/v1/vendor-visits/{w.visit}/accept", json={"version": version(w, "vendor_visits", w.visit)}
        ),
        table="vendor_visits",
        record=lambda w: w.visit,
    ),
}

A, PM, V, IN, AP, U = "admin", "manager", "vendor", "inspector", "approver", "user"
GROUP = {
    "SUPER_ADMIN": A,
    "ADMIN": A,
    "PROPERTY_MANAGER": PM,
    "SR_PROPERTY_MANAGER": PM,
    "VENDOR": V,
    "INSPECTOR": IN,
    "DFO_APPROVER": AP,
    "HO_APPROVER": AP,
    "USER": U,
}

# Expected outcome by role group; per-role exceptions below. Reads that show rows give counts.
EXPECTED: dict[str, dict[str, int | str]] = {
    "list properties": {A: 3, PM: 2, V: 1, IN: 3, AP: 3, U: 0},
    "read other portfolio's property": {A: 200, PM: 404, V: 404, IN: 200, AP: 200, U: 404},
    "create property": {A: 201, PM: 403, V: 403, IN: 403, AP: 403, U: 403},
    "rename own-portfolio property": {A: 200, PM: 200, V: 403, IN: 403, AP: 403, U: 404},
    "deactivate property": {A: 200, PM: 404, V: 404, IN: 403, AP: 403, U: 404},
    "list turns": {A: 4, PM: 3, V: 2, IN: 4, AP: 4, U: 0},
    "read other portfolio's turn": {A: 200, PM: 404, V: 404, IN: 200, AP: 200, U: 404},
    "open turn on own portfolio": {A: 201, PM: 201, V: 403, IN: 403, AP: 403, U: 403},
    "edit work order of assigned turn": {A: 200, PM: 200, V: 403, IN: 403, AP: 403, U: 404},
    "edit status of assigned turn": {A: 200, PM: 200, V: 200, IN: 200, AP: 403, U: 404},
    "move turn to next stage": {A: 200, PM: 200, V: 403, IN: 403, AP: 403, U: 404},
    "submit scope": {A: 200, PM: 200, V: 403, IN: 403, AP: 403, U: 404},
    "approve waiting scope": {A: 403, PM: 403, V: 404, IN: 403, AP: 403, U: 404},
    "approvals queue": {A: 2, PM: "status 403", V: "status 403", IN: "status 403", AP: 0, U: "status 403"},
    "reveal lock box of assigned turn": {A: 200, PM: 200, V: 200, IN: 200, AP: 403, U: 404},
    "read workflow settings": {A: 200, PM: 200, V: 200, IN: 200, AP: 200, U: 200},
    "change workflow settings": {A: 200, PM: 403, V: 403, IN: 403, AP: 403, U: 403},
    # The world's visit was announced to the vendor's users and the property's managers, its bid
    # request to the vendor's users.
    "list own notifications": {A: 0, PM: 1, V: 2, IN: 0, AP: 0, U: 0},
    "list users": {A: 8, PM: 7, V: 1, IN: 8, AP: 8, U: 8},
    "create user": {A: 201, PM: 403, V: 403, IN: 403, AP: 403, U: 403},
    "edit own phone": {A: 200, PM: 200, V: 200, IN: 200, AP: 200, U: 200},
    "rename the super admin": {A: 200, PM: 403, V: 404, IN: 403, AP: 403, U: 403},
    "deactivate a vendor user": {A: 200, PM: 403, V: 404, IN: 403, AP: 403, U: 403},
    "list vendors": {A: 2, PM: 2, V: 1, IN: 2, AP: 2, U: 2},
    "add vendor": {A: 201, PM: 403, V: 403, IN: 403, AP: 403, U: 403},
    "edit contact of assigned vendor": {A: 200, PM: 403, V: 200, IN: 403, AP: 403, U: 403},
    "edit licence of assigned vendor": {A: 200, PM: 403, V: 403, IN: 403, AP: 403, U: 403},
    "deactivate other vendor": {A: 200, PM: 403, V: 404, IN: 403, AP: 403, U: 403},
    "list utility providers": {A: 1, PM: 1, V: 1, IN: 1, AP: 1, U: 1},
    "add utility provider": {A: 201, PM: 403, V: 403, IN: 403, AP: 403, U: 403},
    "rename utility provider": {A: 200, PM: 403, V: 403, IN: 403, AP: 403, U: 403},
    "list turn stages": {A: 5, PM: 5, V: 5, IN: 5, AP: 5, U: 5},
    "recolour a turn stage": {A: 200, PM: 403, V: 403, IN: 403, AP: 403, U: 403},
    "audit trail of other portfolio's turn": {A: 2, PM: 0, V: 0, IN: 2, AP: 2, U: 0},
    "audit trail of a colleague's account": {A: 1, PM: 0, V: 0, IN: 0, AP: 0, U: 0},
    "audit of own actions on users": {A: 4, PM: 2, V: 2, IN: 2, AP: 2, U: 2},
    "stage dwell report: turns waiting": {A: 5, PM: 4, V: 2, IN: 4, AP: 4, U: 0},
    "pipeline report: active turns": {A: 5, PM: 4, V: "status 403", IN: 4, AP: 4, U: 0},
    "refresh property summary": {A: 202, PM: 403, V: 403, IN: 403, AP: 403, U: 403},
    "export properties": {A: 4, PM: 2, V: 1, IN: 3, AP: 3, U: 0},
    "export turns waiting for the DFO": {A: 2, PM: 2, V: "status 403", IN: 1, AP: 1, U: 0},
    "read another user's export": {A: 404, PM: 404, V: 404, IN: 404, AP: 404, U: 404},
    "monitor connections": {A: 200, PM: 403, V: 403, IN: 403, AP: 403, U: 403},
    "metrics": {A: 200, PM: 200, V: 200, IN: 200, AP: 200, U: 200},
    "list scope lines of ready turn": {A: 1, PM: 1, V: 1, IN: 1, AP: 1, U: "status 404"},
    "scope changes of ready turn": {A: 200, PM: 200, V: 403, IN: 200, AP: 200, U: 404},
    "add scope line": {A: 201, PM: 201, V: 403, IN: 403, AP: 403, U: 404},
    "price scope line": {A: 200, PM: 200, V: 403, IN: 403, AP: 403, U: 404},
    "mark scope line done": {A: 200, PM: 200, V: 200, IN: 403, AP: 403, U: 404},
    "list photos of assigned turn": {A: 2, PM: 2, V: 1, IN: 2, AP: 2, U: "status 404"},
    "add photo to assigned turn": {A: 201, PM: 201, V: 201, IN: 201, AP: 403, U: 403},
    "remove manager's photo": {A: 204, PM: 204, V: 403, IN: 403, AP: 403, U: 404},
    "list inspection templates": {A: 2, PM: 2, V: 2, IN: 2, AP: 2, U: 2},
    "add inspection template": {A: 201, PM: 403, V: 403, IN: 403, AP: 403, U: 403},
    "list inspections of assigned turn": {A: 1, PM: 1, V: "status 403", IN: 1, AP: 1, U: "status 404"},
    "start inspection of ready turn": {A: 201, PM: 201, V: 403, IN: 201, AP: 403, U: 404},
    "record inspection result": {A: 201, PM: 201, V: 403, IN: 201, AP: 403, U: 404},
    "bid requests of ready turn": {A: 1, PM: 1, V: "status 403", IN: "status 403", AP: 1, U: "status 404"},
    "own bid requests": {A: "status 403", PM: "status 403", V: 1, IN: "status 403", AP: "status 403", U: "status 403"},
    "ask for bids": {A: 201, PM: 201, V: 403, IN: 403, AP: 403, U: 404},
    "price vendor's bid": {A: 403, PM: 403, V: 200, IN: 404, AP: 403, U: 404},
    "cancel bid request": {A: 200, PM: 200, V: 403, IN: 404, AP: 403, U: 404},
    "vendor visits of assigned turn": {A: 1, PM: 1, V: 1, IN: 1, AP: 1, U: "status 404"},
    "propose a vendor visit": {A: 201, PM: 201, V: 403, IN: 403, AP: 403, U: 404},
    "accept proposed visit": {A: 403, PM: 403, V: 200, IN: 403, AP: 403, U: 404},
}
EXCEPTIONS: dict[tuple[str, str], int | str] = {
    # The DFO approver decides the waiting scope (submitted by the manager) and sees it queued.
    ("DFO_APPROVER", "approve waiting scope"): 200,
    ("DFO_APPROVER", "approvals queue"): 1,
    ("DFO_APPROVER", "export turns waiting for the DFO"): 0,
    # Only a super admin changes a super admin; that write is in the super admin's own trail.
    ("ADMIN", "rename the super admin"): 403,
    ("SUPER_ADMIN", "audit of own actions on users"): 5,
    # A photo is removed by whoever added it (the manager) or an admin, not by the senior manager.
    ("SR_PROPERTY_MANAGER", "remove manager's photo"): 403,
}


def expected(role: str, action: str) -> int | str:
    return EXCEPTIONS.get((role, action), EXPECTED[action][GROUP[role]])


@pytest.fixture
def client(db: DatabaseUrls, tmp_path: Path) -> Iterator[httpx.Client]:
    """The API with a data directory of its own: the photos the matrix adds leave no file behind."""
    with serving(db, data_dir=tmp_path / "data") as http:
        yield http


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(
    role: str, client: httpx.Client, factory: Factory, superuser: psycopg.Connection[tuple[Any, ...]]
) -> None:
    world = build_world(factory, superuser, role)
    client.headers.update(bearer(login(client, world.me)))
    client.cookies.clear()
    outcome: dict[str, int | str] = {}
    untouched: list[str] = []
    unaudited: list[str] = []
    for name, action in ACTIONS.items():
        before = _fingerprint(world, action) if action.table else None
        record = action.record(world) if action.record else None
        audits = _audits(world, record, action.audit) if record and action.audit else 0
        response = action.call(client, world)
        status = response.status_code
        assert status < 500, (name, response.text)
        if action.measure is None:
            outcome[name] = status
        else:
            outcome[name] = action.measure(response) if status == 200 else f"status {status}"
        if status >= 400:
            assert response.headers["content-type"].startswith("application/problem+json"), name
            if action.table and _fingerprint(world, action) != before:
                untouched.append(name)
        elif action.table and action.audit and _audits(world, record or _written(response), action.audit) != audits + 1:
            unaudited.append(name)
    assert outcome == {name: expected(role, name) for name in ACTIONS}
    assert untouched == [], "refused writes changed the database"
    assert unaudited == [], "each write leaves exactly one audit row for its record"
