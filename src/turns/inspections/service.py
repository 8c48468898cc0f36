"""A turn's move-out inspection: start one (one in progress per turn), record each item's
condition, finish it, which proposes a scope line for every item marked for work.

Rows stay RLS's decision (migration 0020): a manager sees and writes the inspections of their
properties' turns only, a vendor user none. These rules come on top: approvers look, they do
not inspect."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from fastapi import Response
from fastapi.encoders import jsonable_encoder
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.actions import INSPECTS_TURNS, is_vendor
from turns.access.identity import CurrentUser
from turns.api.versioned import Resource, only
from turns.db.tables import inspection_results, inspection_template_items, inspection_templates, inspections, users
from turns.inspections.schemas import (
    FOR_WORK,
    Finished,
    InspectionDetail,
    InspectionOut,
    Inspections,
    InspectionStart,
    ResultCreate,
    ResultOut,
)
from turns.inspections.templates import get_template
from turns.kit.errors import Conflict, Forbidden, Unprocessable
from turns.kit.records import Edit, Row, get_or_404
from turns.scope import service as scope
from turns.workflow.service import load_turn

INSPECTORS_ONLY = only(INSPECTS_TURNS, "only inspectors, admins and the property's managers inspect a turn")
INSPECTIONS = Resource(inspections, "/api/v1/inspections", "inspection", InspectionOut, ("started_at",))
RESULTS = Resource(inspection_results, "/api/v1/inspection-results", "inspection result", ResultOut, ("created_at",))
RECORDED = ("condition", "note", "quantity")


def _no_vendors(user: CurrentUser) -> None:
    if is_vendor(user.role):
        raise Forbidden("vendor users read no inspections; the scope shows your company's lines")


async def list_for_turn(conn: AsyncConnection, user: CurrentUser, turn_id: UUID) -> Inspections:
    """The turn's inspections, the latest first."""
    await load_turn(conn, turn_id)
    _no_vendors(user)
    query = select(inspections).where(inspections.c.turn_id == turn_id).order_by(inspections.c.started_at.desc())
    return Inspections(items=[InspectionOut(**r) for r in (await conn.execute(query)).mappings()])


async def _template_to_walk(conn: AsyncConnection, template_id: UUID | None) -> UUID:
    query = select(inspection_templates.c.id).where(inspection_templates.c.is_active)
    if template_id is None:
        query = query.order_by((inspection_templates.c.kind != "SINGLE_FAMILY"), inspection_templates.c.name)
    else:
        query = query.where(inspection_templates.c.id == template_id)
    found = (await conn.execute(query.limit(1))).scalar_one_or_none()
    if found is None:
        raise Unprocessable("no active inspection template with this id; pick one of the list", fields=["template_id"])
    return UUID(str(found))


async def _in_progress(conn: AsyncConnection, turn_id: UUID) -> Row | None:
    query = select(inspections).where(inspections.c.turn_id == turn_id, inspections.c.status == "IN_PROGRESS")
    return (await conn.execute(query)).mappings().first()


async def start(
    conn: AsyncConnection, user: CurrentUser, turn_id: UUID, body: InspectionStart, response: Response
) -> InspectionOut:
    """A new inspection of the turn by ``user``; refused while another is in progress."""
    await load_turn(conn, turn_id)
    INSPECTORS_ONLY(user)
    open_one = await _in_progress(conn, turn_id)
    if open_one is not None:
        name = func.concat_ws(" ", users.c.first_name, users.c.last_name)
        who = (await conn.execute(select(name).where(users.c.id == open_one["inspector_id"]))).scalar_one_or_none()
        started = f"{open_one['started_at']:%b %d} by {who or 'another user'}"
        raise Conflict(
            f"an inspection of this turn is in progress (started {started}); continue it",
            current=jsonable_encoder(InspectionOut(**open_one)),
        )
    values = {
        "turn_id": turn_id,
        "template_id": await _template_to_walk(conn, body.template_id),
        "inspector_id": user.id,
    }
    return await INSPECTIONS.create(conn, user, values, response)


async def detail(conn: AsyncConnection, user: CurrentUser, inspection_id: UUID, response: Response) -> InspectionDetail:
    _no_vendors(user)
    row = await get_or_404(conn, inspections, inspection_id, inspections.c.keys(), INSPECTIONS.what)
    query = select(inspection_results).where(inspection_results.c.inspection_id == inspection_id)
    results = [ResultOut(**r) for r in (await conn.execute(query.order_by(inspection_results.c.created_at))).mappings()]
    response.headers["ETag"] = f'"{row["version"]}"'
    return InspectionDetail(**row, template=await get_template(conn, row["template_id"]), results=results)


async def _open_inspection(conn: AsyncConnection, user: CurrentUser, inspection_id: UUID) -> Row:
    _no_vendors(user)
    row = await get_or_404(conn, inspections, inspection_id, inspections.c.keys(), INSPECTIONS.what)
    INSPECTORS_ONLY(user)
    if row["status"] != "IN_PROGRESS":
        raise Conflict("the inspection is finished; its results no longer change", current=jsonable_encoder(row))
    return row


async def record(
    conn: AsyncConnection, user: CurrentUser, inspection_id: UUID, body: ResultCreate, response: Response
) -> ResultOut:
    """The item's result, created (201); the same result again is answered as it is (200), so a
    queue replayed from a device adds nothing; a different one is a conflict naming the current."""
    inspection = await _open_inspection(conn, user, inspection_id)
    item = select(inspection_template_items.c.id).where(
        inspection_template_items.c.id == body.template_item_id,
        inspection_template_items.c.template_id == inspection["template_id"],
    )
    if (await conn.execute(item)).first() is None:
        raise Unprocessable("the item is not on this inspection's template", fields=["template_item_id"])
    existing = select(inspection_results).where(
        inspection_results.c.inspection_id == inspection_id,
        inspection_results.c.template_item_id == body.template_item_id,
    )
    current = (await conn.execute(existing.with_for_update())).mappings().first()
    if current is None:
        values: dict[str, Any] = body.model_dump(exclude_unset=True) | {"inspection_id": inspection_id}
        return await RESULTS.create(conn, user, values, response)
    wanted = body.model_dump(exclude_unset=True)
    if any(current[name] != wanted[name] for name in RECORDED if name in wanted):
        raise Conflict(
            "this item already has a result; change it with its version", current=jsonable_encoder(ResultOut(**current))
        )
    response.status_code = 200
    return RESULTS.model(user, current, response)


async def update_result(
    conn: AsyncConnection, user: CurrentUser, result_id: UUID, edit: Edit, response: Response
) -> ResultOut:
    """``edit`` applied to a result of an inspection still in progress."""
    _no_vendors(user)
    current = await get_or_404(conn, inspection_results, result_id, ["inspection_id"], RESULTS.what)
    await _open_inspection(conn, user, current["inspection_id"])
    if "condition" in edit.changes and edit.changes["condition"] is None:
        raise Unprocessable("condition cannot be empty", fields=["condition"])
    if "quantity" in edit.changes and edit.changes["quantity"] is None:
        raise Unprocessable("quantity cannot be empty", fields=["quantity"])
    return await RESULTS.update(conn, user, result_id, edit, INSPECTORS_ONLY, response)


def _description(area: str, item: str, note: str | None) -> str:
    text = f"{area}: {item}" + (f" — {note.strip()}" if note and note.strip() else "")
    return text[:500]


async def finish(conn: AsyncConnection, user: CurrentUser, inspection_id: UUID, edit: Edit) -> Finished:
    """The inspection finished, and a scope line proposed for every item marked for work, in
    the template's order, in the same transaction."""
    inspection = await _open_inspection(conn, user, inspection_id)
    edit = Edit(edit.version, edit.from_header, {"status": "FINISHED", "finished_at": datetime.now(UTC)})
    finished = await INSPECTIONS.update(conn, user, inspection_id, edit, INSPECTORS_ONLY)
    items = inspection_template_items
    query = (
        select(
            items.c.area,
            items.c.item,
            items.c.trade,
            items.c.unit,
            inspection_results.c.note,
            inspection_results.c.quantity,
        )
        .join(items, items.c.id == inspection_results.c.template_item_id)
        .where(inspection_results.c.inspection_id == inspection_id, inspection_results.c.condition.in_(FOR_WORK))
        .order_by(items.c.position, items.c.area, items.c.item)
    )
    proposals = [
        {
            "trade": r["trade"],
            "description": _description(r["area"], r["item"], r["note"]),
            "quantity": r["quantity"],
            "unit": r["unit"],
        }
        for r in (await conn.execute(query)).mappings()
    ]
    lines = await scope.propose_lines(conn, user, inspection["turn_id"], proposals)
    return Finished(inspection=finished, lines=lines)
