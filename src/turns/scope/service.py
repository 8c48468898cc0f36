"""A turn's scope lines: who writes them beyond RLS, the amounts a line must respect, and the
difference between the approved and the current scope an approver reads.

The sum of the lines becomes the turn amount and approval keeps each line's approved amount
in the database (migration 0018_scope_lines), so this module never writes a turn.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from fastapi import Response
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.actions import INSPECTS_TURNS, MARKS_OWN_LINES_DONE, WRITES_SCOPE_LINES
from turns.access.columns import readable_columns
from turns.access.identity import CurrentUser
from turns.api.updates import delete_row, update_row
from turns.api.versioned import Resource
from turns.db.tables import scope_lines
from turns.kit.errors import Forbidden, Unprocessable
from turns.kit.records import Edit, Row, get_or_404, insert_row
from turns.scope.schemas import (
    MAX_LINE_AMOUNT,
    LineChange,
    ScopeChanges,
    ScopeLineCreate,
    ScopeLineOut,
    ScopeLines,
)
from turns.workflow.service import load_turn, total

REQUIRED = ("position", "trade", "description", "quantity", "unit", "unit_cost", "chargeback", "status")
CENT = Decimal("0.01")


def line_amount(quantity: Decimal, unit_cost: Decimal) -> Decimal:
    """A line's amount as the database computes it: quantity x unit cost, rounded to cents."""
    return (quantity * unit_cost).quantize(CENT, rounding=ROUND_HALF_UP)


def check_amounts(line: Mapping[str, Any]) -> None:
    """The line as it would be written: an amount within bounds, a charge-back within the amount."""
    missing = [name for name in REQUIRED if name in line and line[name] is None]
    if missing:
        raise Unprocessable(f"{', '.join(missing)} cannot be empty", fields=missing)
    amount = line_amount(Decimal(line["quantity"]), Decimal(line["unit_cost"]))
    if amount > MAX_LINE_AMOUNT:
        raise Unprocessable(
            f"a line's amount (quantity x unit cost) is at most {MAX_LINE_AMOUNT:,}", fields=["quantity", "unit_cost"]
        )
    chargeback = line.get("chargeback_amount")
    if chargeback is not None and Decimal(chargeback) > amount:
        raise Unprocessable(
            f"the charge-back ({chargeback}) cannot exceed the line's amount ({amount})", fields=["chargeback_amount"]
        )


def check_update(user: CurrentUser, current: Row, changes: dict[str, Any]) -> None:
    """Writers change anything; a vendor user only whether its own line (RLS shows it no other) is done."""
    if user.role in WRITES_SCOPE_LINES:
        return
    changed = sorted(k for k, v in changes.items() if current.get(k) != v)
    if user.role not in MARKS_OWN_LINES_DONE:
        if changed:
            raise Forbidden("only admins and the property's managers change a scope")
        return
    refused = [name for name in changed if name not in ("status", "done_at")]
    if refused:
        raise Forbidden(
            f"a vendor marks its lines done and changes nothing else ({', '.join(refused)})", fields=refused
        )


async def _keep_amounts(conn: AsyncConnection, current: Row, changes: Mapping[str, Any]) -> None:
    check_amounts({**current, **changes})


RESOURCE = Resource(
    scope_lines, "/api/v1/scope-lines", "scope line", ScopeLineOut, ("position", "created_at"), _keep_amounts
)


async def list_lines(conn: AsyncConnection, user: CurrentUser, turn_id: UUID) -> ScopeLines:
    """The lines in the turn's scope (not those removed since the last approval), in order."""
    await load_turn(conn, turn_id)
    query = (
        select(*(scope_lines.c[c] for c in RESOURCE.columns(user)))
        .where(scope_lines.c.turn_id == turn_id, scope_lines.c.removed_at.is_(None))
        .order_by(scope_lines.c.position, scope_lines.c.created_at, scope_lines.c.id)
    )
    rows = (await conn.execute(query)).mappings().all()
    return ScopeLines(items=[RESOURCE.model(user, row) for row in rows])


async def create_line(
    conn: AsyncConnection, user: CurrentUser, turn_id: UUID, body: ScopeLineCreate, response: Response
) -> ScopeLineOut:
    await load_turn(conn, turn_id)
    if user.role not in WRITES_SCOPE_LINES:
        raise Forbidden("only admins and the property's managers add scope lines")
    values = body.model_dump(exclude_unset=True) | {"turn_id": turn_id}
    check_amounts(values)
    if "position" not in values:
        values["position"] = await _next_position(conn, turn_id)
    if values.get("status") == "DONE":
        values["done_at"] = datetime.now(UTC)
    return await RESOURCE.create(conn, user, values, response)


async def _next_position(conn: AsyncConnection, turn_id: UUID) -> int:
    last = select(func.coalesce(func.max(scope_lines.c.position) + 1, 0)).where(scope_lines.c.turn_id == turn_id)
    return min(int((await conn.execute(last)).scalar_one()), 10000)


async def propose_lines(
    conn: AsyncConnection, user: CurrentUser, turn_id: UUID, proposals: list[dict[str, Any]]
) -> list[ScopeLineOut]:
    """Lines proposed by an inspection, after the turn's own: unpriced (unit cost 0) and with no
    vendor, for the property's manager to price and assign (policy ``scope_lines_proposed``
    lets an inspector add such lines, and no other)."""
    if user.role not in INSPECTS_TURNS:
        raise Forbidden("only inspectors, admins and the property's managers propose scope lines")
    position = await _next_position(conn, turn_id)
    created = []
    for proposal in proposals:
        values = proposal | {"turn_id": turn_id, "unit_cost": Decimal(0), "position": min(position, 10000)}
        created.append(RESOURCE.model(user, await insert_row(conn, scope_lines, values, RESOURCE.columns(user))))
        position += 1
    return created


async def update_line(
    conn: AsyncConnection, user: CurrentUser, line_id: UUID, edit: Edit, response: Response
) -> ScopeLineOut:
    """``edit`` applied; marking a line done (or open again) records when."""
    status = edit.changes.get("status")
    if status is not None:
        current = await get_or_404(conn, scope_lines, line_id, ["status", "done_at"], RESOURCE.what)
        if status != current["status"]:
            done_at = datetime.now(UTC) if status == "DONE" else None
            edit = Edit(edit.version, edit.from_header, edit.changes | {"done_at": done_at})
    return await RESOURCE.update(conn, user, line_id, edit, check_update, response)


async def remove_line(conn: AsyncConnection, user: CurrentUser, line_id: UUID, edit: Edit) -> None:
    """A line never approved goes; an approved one stays as removed until the next approval,
    so the approver sees it in the change."""
    current = await get_or_404(conn, scope_lines, line_id, ["id", "approved_amount"], RESOURCE.what)
    if user.role not in WRITES_SCOPE_LINES:
        raise Forbidden("only admins and the property's managers remove scope lines")
    options: dict[str, Any] = {"role": user.role, "what": RESOURCE.what, "from_header": edit.from_header}
    if current["approved_amount"] is None:
        await delete_row(conn, scope_lines, line_id, edit.version, RESOURCE.columns(user), **options)
    else:
        removed = {"removed_at": datetime.now(UTC)}
        await update_row(conn, scope_lines, line_id, edit.version, removed, RESOURCE.columns(user), **options)


def _change(line: Row, old: Decimal | None, new: Decimal | None) -> LineChange:
    return LineChange(
        id=line["id"],
        trade=line["trade"],
        description=line["description"],
        old_amount=old,
        new_amount=new,
        difference=(new or Decimal(0)) - (old or Decimal(0)),
    )


async def scope_changes(conn: AsyncConnection, user: CurrentUser, turn_id: UUID) -> ScopeChanges:
    """The current scope against the one last approved: lines added, removed and changed."""
    if "approved_amount" not in readable_columns("scope_lines", user.role):
        raise Forbidden("your role does not read approved amounts")
    turn = await load_turn(conn, turn_id)
    query = (
        select(scope_lines)
        .where(scope_lines.c.turn_id == turn_id)
        .order_by(scope_lines.c.position, scope_lines.c.created_at, scope_lines.c.id)
    )
    lines = (await conn.execute(query)).mappings().all()
    approved = turn["approved_turn_amount"]
    current = total(turn)
    return ScopeChanges(
        approved_total=approved,
        current_total=current,
        difference=current - (approved or Decimal(0)),
        added=[_change(r, None, r["amount"]) for r in lines if r["approved_amount"] is None and not r["removed_at"]],
        removed=[_change(r, r["approved_amount"], None) for r in lines if r["removed_at"]],
        changed=[
            _change(r, r["approved_amount"], r["amount"])
            for r in lines
            if r["approved_amount"] is not None and not r["removed_at"] and r["approved_amount"] != r["amount"]
        ],
    )
