"""Scope editing through the API against the same statements sent directly.

Each client has a turn of its own with a scope of ``lines`` lines and changes the quantity and
unit cost of one of its lines at random (``PATCH /api/v1/scope-lines/{id}``), or reads the
turn's lines (``GET /api/v1/turns/{id}/scope-lines``). The baseline sends, with psycopg as the
same user (acting user set, RLS on), the statements the endpoint sends after the session is
resolved, compiled from the same SQLAlchemy expressions: the line read as the caller reads it
and its versioned UPDATE, whose triggers do the same work on both paths (the amount, the turn's
new total with the turn's own version and audit, the line's audit row); for a read, the turn
then its lines in order.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

import httpx
import psycopg
from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql.psycopg import dialect

from bench.api import compare, turns_of, user_id_of
from bench.harness import Environment, run_line
from bench.load import run_load
from turns.access.columns import readable_columns
from turns.db.context import SET_CONTEXT_SQL, Actor
from turns.db.tables import scope_lines, turns
from turns.workflow.service import WORKFLOW_COLUMNS

ROLE = "PROPERTY_MANAGER"
TRADES = ("PAINT", "FLOORING", "APPLIANCES", "PLUMBING", "ELECTRICAL", "HVAC", "CLEANING", "GENERAL")
COLUMNS = [scope_lines.c[name] for name in sorted(readable_columns("scope_lines", ROLE))]
"""What ``turns.scope.service.RESOURCE.columns`` reads and returns for a property manager."""
VERSION = [column.name for column in COLUMNS].index("version")


def _sql(statement: Any) -> str:
    return str(statement.compile(dialect=dialect()))  # type: ignore[no-untyped-call]


LINE_SQL = _sql(select(*COLUMNS).where(scope_lines.c.id == bindparam("id")))
UPDATE_SQL = _sql(
    update(scope_lines)
    .where(scope_lines.c.id == bindparam("line_id"), scope_lines.c.version == bindparam("expected"))
    .values(quantity=bindparam("quantity"), unit_cost=bindparam("unit_cost"))
    .returning(*COLUMNS)
)
TURN_SQL = _sql(select(*(turns.c[c] for c in WORKFLOW_COLUMNS)).where(turns.c.id == bindparam("id")))
LINES_SQL = _sql(
    select(*COLUMNS)
    .where(scope_lines.c.turn_id == bindparam("turn_id"), scope_lines.c.removed_at.is_(None))
    .order_by(scope_lines.c.position, scope_lines.c.created_at, scope_lines.c.id)
)


def _actor(user_id: str) -> dict[str, str]:
    return Actor(user_id=None, context="bench").params() | {"user_id": user_id}


def new_scopes(app_url: str, user_id: str, turn_ids: list[str], lines: int) -> None:
    """Each turn's scope replaced by ``lines`` open lines, written as the user (RLS on)."""
    with psycopg.connect(app_url) as conn:
        conn.execute(SET_CONTEXT_SQL, _actor(user_id))
        for turn in turn_ids:
            conn.execute("DELETE FROM scope_lines WHERE turn_id = %s", (turn,))
            conn.cursor().executemany(
                "INSERT INTO scope_lines (turn_id, position, trade, description, quantity, unit, unit_cost)"
                " VALUES (%s, %s, %s, %s, %s, 'each', %s)",
                [(turn, n, TRADES[n % len(TRADES)], f"Item {n + 1}", 1 + n % 5, 25 + n) for n in range(lines)],
            )


def _changes(rng: random.Random) -> dict[str, Decimal]:
    """A new quantity (1 to 50) and unit cost (0 to 900), in cents."""
    return {"quantity": Decimal(rng.randint(100, 5000)) / 100, "unit_cost": Decimal(rng.randint(0, 90000)) / 100}


@dataclass(frozen=True)
class ApiEdit:
    base_url: str
    token: str
    turn_ids: list[str]

    def __call__(self, client: int) -> Callable[[], None]:
        http = httpx.Client(base_url=self.base_url, headers={"Authorization": f"Bearer {self.token}"}, timeout=60)
        turn = self.turn_ids[client % len(self.turn_ids)]
        response = http.get(f"/api/v1/turns/{turn}/scope-lines")
        response.raise_for_status()
        versions = {line["id"]: line["version"] for line in response.json()["items"]}
        rng = random.Random(f"{type(self).__name__}-{client}")  # noqa: S311 (a repeatable load, not a secret)

        def operation() -> None:
            line = rng.choice(list(versions))
            body = {name: str(value) for name, value in _changes(rng).items()} | {"version": versions[line]}
            response = http.patch(f"/api/v1/scope-lines/{line}", json=body)
            response.raise_for_status()
            versions[line] = response.json()["version"]

        return operation


@dataclass(frozen=True)
class DirectEdit:
    app_url: str
    user_id: str
    turn_ids: list[str]

    def __call__(self, client: int) -> Callable[[], None]:
        conn = psycopg.connect(self.app_url, prepare_threshold=None)
        turn, actor = self.turn_ids[client % len(self.turn_ids)], _actor(self.user_id)
        with conn.transaction():
            conn.execute(SET_CONTEXT_SQL, actor)
            rows = conn.execute("SELECT id, version FROM scope_lines WHERE turn_id = %s", (turn,)).fetchall()
        versions = {str(line): int(version) for line, version in rows}
        rng = random.Random(f"{type(self).__name__}-{client}")  # noqa: S311 (a repeatable load, not a secret)

        def operation() -> None:
            line = rng.choice(list(versions))
            with conn.transaction():
                conn.execute(SET_CONTEXT_SQL, actor)
                if conn.execute(LINE_SQL, {"id": line}).fetchone() is None:
                    raise RuntimeError("line not visible")
                params = {"line_id": line, "expected": versions[line], **_changes(rng)}
                written = conn.execute(UPDATE_SQL, params).fetchone()
            if written is None:
                raise RuntimeError("version conflict")
            versions[line] = written[VERSION]

        return operation


@dataclass(frozen=True)
class ApiRead:
    base_url: str
    token: str
    turn_ids: list[str]
    lines: int

    def __call__(self, client: int) -> Callable[[], None]:
        http = httpx.Client(base_url=self.base_url, headers={"Authorization": f"Bearer {self.token}"}, timeout=60)
        turn = self.turn_ids[client % len(self.turn_ids)]

        def operation() -> None:
            response = http.get(f"/api/v1/turns/{turn}/scope-lines")
            response.raise_for_status()
            if len(response.json()["items"]) != self.lines:
                raise RuntimeError("not the whole scope")

        return operation


@dataclass(frozen=True)
class DirectRead:
    app_url: str
    user_id: str
    turn_ids: list[str]
    lines: int

    def __call__(self, client: int) -> Callable[[], None]:
        conn = psycopg.connect(self.app_url, prepare_threshold=None)
        turn, actor = self.turn_ids[client % len(self.turn_ids)], _actor(self.user_id)

        def operation() -> None:
            with conn.transaction():
                conn.execute(SET_CONTEXT_SQL, actor)
                if conn.execute(TURN_SQL, {"id": turn}).fetchone() is None:
                    raise RuntimeError("turn not visible")
                if len(conn.execute(LINES_SQL, {"turn_id": turn}).fetchall()) != self.lines:
                    raise RuntimeError("not the whole scope")

        return operation


def _edited(app_url: str, user_id: str, turn_ids: list[str]) -> tuple[int, int]:
    """Lines changed since they were written (version past 1), and turns whose amount is their lines' sum."""
    with psycopg.connect(app_url) as conn:
        conn.execute(SET_CONTEXT_SQL, _actor(user_id))
        row = conn.execute(
            "SELECT (SELECT count(*) FROM scope_lines WHERE turn_id = ANY(%(t)s::uuid[]) AND version > 1),"
            " (SELECT count(*) FROM turns t WHERE t.id = ANY(%(t)s::uuid[]) AND t.turn_amount ="
            "  (SELECT sum(amount) FROM scope_lines l WHERE l.turn_id = t.id AND l.removed_at IS NULL))",
            {"t": turn_ids},
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def measure(
    base_url: str,
    app_url: str,
    token: str,
    user_id: str,
    turn_ids: list[str],
    *,
    lines: int,
    requests_per_client: int,
    seconds: float,
    processes: int = 2,
) -> dict[str, Any]:
    """Edits and reads of ``lines``-line scopes, one turn per client (clients in ``processes``
    processes), through the API and directly."""
    clients = len(turn_ids)
    load = partial(
        run_load, clients=clients, requests_per_client=requests_per_client, seconds=seconds, processes=processes
    )
    new_scopes(app_url, user_id, turn_ids, lines)
    edit_api = load(ApiEdit(base_url, token, turn_ids))
    edit_direct = load(DirectEdit(app_url, user_id, turn_ids))
    read_api = load(ApiRead(base_url, token, turn_ids, lines))
    read_direct = load(DirectRead(app_url, user_id, turn_ids, lines))
    lines_edited, totals_right = _edited(app_url, user_id, turn_ids)
    return {
        "clients": clients,
        "lines": lines,
        "edit": compare(edit_api, edit_direct),
        "read": compare(read_api, read_direct),
        "lines_edited": lines_edited,
        "turn_totals_right": totals_right,
    }


def run(env: Environment, *, smoke: bool) -> dict[str, Any]:
    clients = 2 if smoke else 10
    manager = env.users[ROLE]
    user_id = user_id_of(env, manager)
    turn_ids = turns_of(env, user_id, clients)
    return measure(
        env.base_url,
        env.urls.app,
        env.token(manager),
        user_id,
        turn_ids,
        lines=5 if smoke else 40,
        requests_per_client=10 if smoke else 400,
        seconds=2.0 if smoke else 30.0,
    )


def render_scope(data: dict[str, Any] | None) -> list[str]:
    if not data:
        return []
    lines = [
        "",
        "### Scope editing",
        "",
        run_line(data),
        "",
        f"{data['clients']} clients, each on a turn of its own with a {data['lines']}-line scope, as a property "
        "manager. Edit: the quantity and unit cost of a line at random (`PATCH /api/v1/scope-lines/{id}`; the "
        "line's amount, the turn's total, version and audit rows follow by trigger). Read: the turn's lines "
        "(`GET /api/v1/turns/{id}/scope-lines`). Direct: the statements the endpoint sends, as the same user.",
        "",
        "| operation | path | p50 ms | p95 ms | per second |",
        "| --- | --- | --- | --- | --- |",
    ]
    for operation in ("edit", "read"):
        for path in ("api", "direct"):
            row = data[operation][path]
            lines.append(f"| {operation} | {path} | {row['p50_ms']} | {row['p95_ms']} | {row['throughput_per_s']} |")
    edit, read = data["edit"], data["read"]
    lines += [
        "",
        f"API / direct: edits {edit['p50_ratio']}x the median latency, {edit['p95_ratio']}x the p95, "
        f"{edit['throughput_ratio']}x the throughput; reads {read['p50_ratio']}x, {read['p95_ratio']}x, "
        f"{read['throughput_ratio']}x. Afterwards {data['lines_edited']} lines had been changed and "
        f"{data['turn_totals_right']} of {data['clients']} turn amounts were the sum of their lines.",
    ]
    return lines
