"""No column a role may not read leaves the server, whatever the route.

For each of the nine roles, in the permission matrix's world (with a vendor's status change
and lock-box write, logins and a refused stale write behind it), every GET route of the
OpenAPI document is called, every export in every format (readable and raw), the lock-box answer and the
``current`` row of a conflict. Rows are checked by their keys against
:func:`turns.access.readable_columns` of their table (audit rows: their ``old_values`` and
``new_values`` against the audited table); every body, whatever its shape, is searched for
the values planted in columns the role may not read. A new GET route fails here until it is
listed as a row route (with its table) or as another route.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import httpx
import psycopg
import pytest

from tests.api.test_matrix import ROLES, World, build_world
from tests.exports.helpers import read_csv, read_pdf, read_xlsx
from tests.fixtures.factory import Factory, bearer, login
from turns.access.columns import readable_columns
from turns.exports.datasets import RESOURCES

# Row routes: the table whose rows (or page of rows) the answer holds.
ROW_ROUTES = {
    "/api/v1/turns": "turns",
    "/api/v1/turns/{turn_id}": "turns",
    "/api/v1/turns/{turn_id}/scope-lines": "scope_lines",
    "/api/v1/properties": "properties",
    "/api/v1/properties/{property_id}": "properties",
    "/api/v1/users": "users",
    "/api/v1/users/{user_id}": "users",
    "/api/v1/vendors": "vendors",
    "/api/v1/vendors/{vendor_id}": "vendors",
    "/api/v1/utility-providers": "utility_providers",
    "/api/v1/utility-providers/{provider_id}": "utility_providers",
    "/api/v1/turn-stages": "turn_stages",
    "/api/v1/turn-stages/{stage_id}": "turn_stages",
    "/api/v1/notifications": "notifications",
    "/api/v1/audit": "audit_logs",
    "/api/v1/audit/{audit_id}": "audit_logs",
}
EXPORTS = {
    "/api/v1/exports/turns.{fmt}": "turns",
    "/api/v1/exports/properties.{fmt}": "properties",
    "/api/v1/exports/vendors.{fmt}": "vendors",
    "/api/v1/exports/audit.{fmt}": "audit_logs",
}
# A readable export's header names a field; the field's source column is what the role must
# read (a name is shown only for an id the role reads). Headers are mapped back to sources,
# so the rows are checked as strictly as raw ones; an unknown header is a leak.
SOURCES = {
    table: {f.header: f.source for f in RESOURCES[path.split("/")[-1].split(".")[0]].fields}
    for path, table in EXPORTS.items()
}
# Answers that are not rows of one table (aggregates, the caller's own account, health,
# monitoring, files of background exports, sync): only the planted values are looked for.
OTHER_ROUTES = {
    "/api/v1/auth/me",
    "/api/v1/auth/sessions",
    "/api/v1/notifications/unread-count",
    "/api/v1/approvals/queue",
    "/api/v1/turns/{turn_id}/date-history",
    "/api/v1/turns/{turn_id}/scope-changes",
    "/api/v1/turns/{turn_id}/vendor-visits",
    "/api/v1/vendor-visits/{visit_id}",
    "/api/v1/calendar",
    "/api/v1/turns/{turn_id}/bid-requests",
    "/api/v1/turns/{turn_id}/inspections",
    "/api/v1/inspections/{inspection_id}",
    "/api/v1/inspection-templates",
    "/api/v1/inspection-templates/{template_id}",
    "/api/v1/bids",
    "/api/v1/turns/{turn_id}/photos",
    "/api/v1/photos/{photo_id}",
    "/api/v1/photos/{photo_id}/file",
    "/api/v1/workflow/settings",
    "/api/v1/search",
    "/api/v1/reports/cost",
    "/api/v1/reports/cost-by-trade",
    "/api/v1/reports/chargebacks",
    "/api/v1/reports/days-vacant",
    "/api/v1/reports/on-time",
    "/api/v1/reports/pipeline",
    "/api/v1/reports/property-summary",
    "/api/v1/reports/stage-dwell",
    "/api/v1/reports/turn-time",
    "/api/v1/reports/vendors",
    "/api/v1/reports/vendors.{fmt}",
    "/api/v1/exports/jobs/{export_id}",
    "/api/v1/exports/jobs/{export_id}/file",
    "/api/v1/admin/monitor/slow-queries",
    "/api/v1/admin/monitor/sizes",
    "/api/v1/admin/monitor/unused-indexes",
    "/api/v1/admin/monitor/connections",
    "/api/v1/admin/monitor/replicas",
    "/healthz",
    "/readyz",
    "/v1/health",
}
# Query parameters: required ones, and the week of the visit planted below.
QUERIES = {"/api/v1/search": {"q": "Test"}, "/api/v1/calendar": {"week": "2031-05-07"}}
NOT_CALLED = {"/v1/shape"}  # sync: tests/sync/test_authorization.py compares shapes with this rule
FORMATS = ("csv", "xlsx", "pdf")

# Values planted in columns some role may not read: (table, column) -> how they read back.
PLANTED_TURN = {
    "turn_amount": Decimal("13579.24"),
    "change_order_amount": Decimal("2468.13"),
    "approved_turn_amount": Decimal("11223.34"),
    "reject_reason": "planted reject reason",
    "occupancy_check_date": "2031-03-17",
    "sent_to_leasing_date": "2031-04-18",
}
PLANTED_PROPERTY = {"year_built": 1873, "move_in_date": "2032-01-11", "move_out_date": "2032-02-12"}
PLANTED_LINE = {"chargeback_amount": Decimal("86.42"), "approved_amount": Decimal("97.53")}
PLANTED = (
    {("turns", k): str(v) for k, v in PLANTED_TURN.items()}
    | {("properties", k): str(v) for k, v in PLANTED_PROPERTY.items()}
    | {("scope_lines", k): str(v) for k, v in PLANTED_LINE.items()}
)


@dataclass
class Seen:
    """What one role was answered: per place, the rows (with their table) and every scalar."""

    role: str
    rows: list[tuple[str, str, dict[str, Any]]]
    scalars: list[tuple[str, str]]

    def add(self, where: str, table: str | None, rows: list[dict[str, Any]], body: Any) -> None:
        if table is not None:
            self.rows += [(where, table, row) for row in rows]
        self.scalars += [(where, value) for value in _scalars(body)]

    def leaks(self) -> list[str]:
        found: list[str] = []
        for where, table, row in self.rows:
            found += [f"{where}: {table}.{c}" for c in sorted(set(row) - readable_columns(table, self.role))]
            if table == "audit_logs" and row.get("table_name") in ("turns", "properties", "users", "vendors"):
                allowed = readable_columns(row["table_name"], self.role)
                for key in ("old_values", "new_values"):
                    extra = sorted(set(row.get(key) or {}) - allowed)
                    found += [f"{where}: audited {row['table_name']}.{c}" for c in extra]
        hidden = {v: f"{t}.{c}" for (t, c), v in PLANTED.items() if c not in readable_columns(t, self.role)}
        found += [f"{where}: value of {hidden[v]}" for where, v in self.scalars if v in hidden]
        return found


def _scalars(body: Any) -> Iterator[str]:
    """Every leaf value of a JSON body or of file cells, as text; JSON inside a cell is opened."""
    if isinstance(body, dict):
        for value in body.values():
            yield from _scalars(value)
    elif isinstance(body, list | tuple):
        for value in body:
            yield from _scalars(value)
    elif isinstance(body, str) and body[:1] in ("{", "["):
        try:
            yield from _scalars(json.loads(body))
        except ValueError:
            yield body
    elif isinstance(body, datetime):  # a date cell of a workbook reads back as a datetime
        yield body.date().isoformat()
    elif body is not None:
        yield str(Decimal(str(body))) if isinstance(body, float) else str(body)


def _rows(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, dict) and isinstance(body.get("items"), list):
        return list(body["items"])
    return [body] if isinstance(body, dict) else list(body)


def _table_of_file(cells: list[list[Any]], sources: dict[str, str] | None) -> list[dict[str, Any]]:
    """The rows of a file by column; a readable file's headers mapped back to their sources."""
    header, *rows = cells
    if sources is not None:
        header = [sources.get(str(h), f"unknown header {h!r}") for h in header]
    return [
        {
            str(h): (json.loads(v) if isinstance(v, str) and v[:1] == "{" else v)
            for h, v in zip(header, row, strict=True)
        }
        for row in rows
    ]


def _file(seen: Seen, where: str, table: str, fmt: str, raw: bool, response: httpx.Response) -> None:
    if fmt == "pdf":
        _, text = read_pdf(response.content)
        # Readable amounts are written as money ($13,579.24): looked for as plain numbers too.
        seen.scalars += [(where, w) for word in text.split() for w in {word, word.strip("$.,").replace(",", "")}]
        return
    cells = read_csv(response.content) if fmt == "csv" else read_xlsx(response.content)
    rows = _table_of_file(cells, None if raw else SOURCES[table])
    if not raw:
        role = seen.role
        expected = [f.header for f in RESOURCES[where.split("/")[-1].split(".")[0]].readable(role, fmt)]
        assert [str(h) for h in cells[0]] == expected, where
    seen.add(where, table, rows, rows)


def _path_values(world: World, audit_id: UUID) -> dict[str, str]:
    return {
        "turn_id": str(world.my_turn),
        "property_id": str(world.mine),
        "user_id": str(world.manager.id),
        "vendor_id": str(world.vendor),
        "provider_id": str(world.provider),
        "stage_id": str(world.scope_stage),
        "audit_id": str(audit_id),
        "export_id": str(world.their_export),
        "visit_id": str(world.my_turn),  # no such visit: a 404 for every role
        "photo_id": str(world.my_turn),  # no such photo: a 404 for every role
        "inspection_id": str(world.my_turn),  # no such inspection: a 404 for every role
        "template_id": str(world.my_turn),  # no such template: a 404 for every role
    }


def _plant(factory: Factory, world: World) -> None:
    factory.query(
        "UPDATE turns SET turn_amount = %s, change_order_amount = %s, approved_turn_amount = %s, reject_reason = %s,"
        " occupancy_check_date = %s, sent_to_leasing_date = %s WHERE id = %s RETURNING id",
        (*PLANTED_TURN.values(), world.my_turn),
    )
    factory.query(
        "UPDATE properties SET year_built = %s, move_in_date = %s, move_out_date = %s WHERE id = %s RETURNING id",
        (*PLANTED_PROPERTY.values(), world.mine),
    )
    # The vendor's line of the turn, with the charge-back and approved amount it does not read.
    factory.unvetted(
        "INSERT INTO scope_lines (turn_id, property_id, trade, description, quantity, unit_cost, amount, vendor_id,"
        " chargeback, chargeback_amount, approved_amount)"
        " VALUES (%s, %s, 'PAINT', 'Walls', 1, 120, 120, %s, true, %s, %s)",
        (world.my_turn, world.mine, world.vendor, *PLANTED_LINE.values()),
    )
    # The vendor's visit of the turn: the calendar shows the turn and the home beside it.
    factory.insert(
        "vendor_visits", turn_id=world.my_turn, vendor_id=world.vendor, starts_on="2031-05-06", ends_on="2031-05-08"
    )


def _vendor_writes(client: httpx.Client, world: World) -> None:
    """The vendor's own writes, so its audit trail holds whole turn rows."""
    headers = bearer(login(client, world.vendor_user))
    client.cookies.clear()
    version = world.query("SELECT version FROM turns WHERE id = %s", (world.my_turn,))[0][0]
    changed = client.patch(
        f"/api/v1/turns/{world.my_turn}", headers=headers, json={"status": "Painting", "version": version}
    )
    assert changed.status_code == 200, changed.text
    boxed = client.put(
        f"/api/v1/turns/{world.my_turn}/lock-box",
        headers=headers,
        json={"code": "2468", "location": "Back door", "version": changed.json()["version"]},
    )
    assert boxed.status_code == 200, boxed.text


def _writes(client: httpx.Client, world: World, seen: Seen) -> None:
    """The lock-box answer and conflicts: rows written or refused carry only readable columns."""
    version = world.query("SELECT version FROM turns WHERE id = %s", (world.my_turn,))[0][0]
    for name, response in (
        (
            "lock-box",
            client.put(f"/api/v1/turns/{world.my_turn}/lock-box", json={"location": "Shed", "version": version}),
        ),
        (
            "stale lock-box",
            client.put(f"/api/v1/turns/{world.my_turn}/lock-box", json={"location": "Gate", "version": 1}),
        ),
        ("stale turn", client.patch(f"/api/v1/turns/{world.my_turn}", json={"status": "Done", "version": 1})),
    ):
        assert response.status_code < 500, (name, response.text)
        body = response.json()
        if response.status_code == 200:
            seen.add(name, "turns", [body], body)
        elif "current" in body:
            seen.add(name, "turns", [body["current"]], body)
        else:
            seen.add(name, None, [], body)


def _walk(client: httpx.Client, world: World, seen: Seen) -> dict[str, int]:
    """Every GET route; how many rows or files each answered with, for the check that it
    showed something."""
    paths = client.get("/openapi.json").json()["paths"]
    gets = {p for p, ops in paths.items() if "get" in ops}
    assert gets - NOT_CALLED == set(ROW_ROUTES) | set(EXPORTS) | OTHER_ROUTES, "list new GET routes here"
    audit_id = world.query(
        "SELECT id FROM audit_logs WHERE user_id = %s ORDER BY created_at DESC LIMIT 1", (world.me.id,)
    )[0][0]
    values = _path_values(world, audit_id)
    shown: dict[str, int] = {}
    for path in sorted(gets - NOT_CALLED):
        for fmt, raw in [(f, r) for f in FORMATS for r in (False, True)] if "{fmt}" in path else [("", False)]:
            url = path.replace("{fmt}", fmt).format(**values)
            params = {"raw": "true"} if raw else QUERIES.get(path)
            response = client.get(url, params=params)
            assert response.status_code < 500, (url, response.text)
            if response.status_code != 200:
                continue
            if path in EXPORTS:
                _file(seen, url, EXPORTS[path], fmt, raw, response)
                shown[url + ("?raw=true" if raw else "")] = 1
            elif response.headers["content-type"].startswith("application/json"):
                body = response.json()
                rows = _rows(body) if path in ROW_ROUTES else []
                seen.add(url, ROW_ROUTES.get(path), rows, body)
                shown[url] = len(rows)
    return shown


@pytest.mark.parametrize("role", ROLES)
def test_no_unreadable_column_leaves_the_server(
    role: str, client: httpx.Client, factory: Factory, superuser: psycopg.Connection[tuple[Any, ...]]
) -> None:
    world = build_world(factory, superuser, role)
    _plant(factory, world)
    _vendor_writes(client, world)
    client.headers.update(bearer(login(client, world.me)))
    client.cookies.clear()
    seen = Seen(role, [], [])
    _writes(client, world, seen)
    shown = _walk(client, world, seen)
    # Each role is shown rows: its own account, the directory, stages, its audit trail, exports.
    assert shown["/api/v1/turn-stages"] > 0 and shown["/api/v1/audit"] > 0
    assert shown["/api/v1/exports/audit.csv"] == shown["/api/v1/exports/audit.csv?raw=true"] == 1
    assert len(seen.rows) > 20, role
    assert seen.leaks() == []
