"""Inspection templates: the areas and items an inspection walks, read by everyone signed in,
written by admins (RLS of migration 0020 says the same)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import Response
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.actions import WRITES_INSPECTION_TEMPLATES
from turns.access.identity import CurrentUser
from turns.api.updates import delete_row
from turns.api.versioned import Resource, only
from turns.db.tables import inspection_results, inspection_template_items, inspection_templates
from turns.inspections.schemas import (
    TemplateCreate,
    TemplateItemCreate,
    TemplateItemOut,
    TemplateOut,
    Templates,
)
from turns.kit.errors import Conflict
from turns.kit.records import Edit, get_or_404, insert_row

ADMINS_ONLY = only(WRITES_INSPECTION_TEMPLATES, "only admins change inspection templates")
TEMPLATES = Resource(
    inspection_templates, "/api/v1/inspection-templates", "inspection template", TemplateOut, ("name",)
)
ITEMS = Resource(
    inspection_template_items,
    "/api/v1/inspection-template-items",
    "inspection template item",
    TemplateItemOut,
    ("position",),
)
_ITEM_ORDER = (inspection_template_items.c.position, inspection_template_items.c.area, inspection_template_items.c.item)


async def items_of(conn: AsyncConnection, template_ids: list[UUID]) -> dict[UUID, list[TemplateItemOut]]:
    """Each template's items, in walking order."""
    query = select(inspection_template_items).where(inspection_template_items.c.template_id.in_(template_ids))
    found: dict[UUID, list[TemplateItemOut]] = {t: [] for t in template_ids}
    for row in (await conn.execute(query.order_by(*_ITEM_ORDER))).mappings():
        found[row["template_id"]].append(TemplateItemOut(**row))
    return found


async def list_templates(conn: AsyncConnection, active_only: bool) -> Templates:
    query = select(inspection_templates).order_by(inspection_templates.c.name)
    if active_only:
        query = query.where(inspection_templates.c.is_active)
    rows = (await conn.execute(query)).mappings().all()
    items = await items_of(conn, [r["id"] for r in rows])
    return Templates(items=[TemplateOut(**r, items=items[r["id"]]) for r in rows])


async def get_template(conn: AsyncConnection, template_id: UUID, response: Response | None = None) -> TemplateOut:
    row = await get_or_404(conn, inspection_templates, template_id, inspection_templates.c.keys(), TEMPLATES.what)
    if response is not None:
        response.headers["ETag"] = f'"{row["version"]}"'
    return TemplateOut(**row, items=(await items_of(conn, [template_id]))[template_id])


async def _insert_item(conn: AsyncConnection, template_id: UUID, item: TemplateItemCreate, position: int) -> None:
    values: dict[str, Any] = {"position": position} | item.model_dump(exclude_unset=True)
    await insert_row(conn, inspection_template_items, values | {"template_id": template_id}, ["id"])


async def create_template(
    conn: AsyncConnection, user: CurrentUser, body: TemplateCreate, response: Response
) -> TemplateOut:
    ADMINS_ONLY(user)
    fields = body.model_dump(exclude_unset=True, exclude={"items"})
    row = await insert_row(conn, inspection_templates, fields, ["id"])
    for index, item in enumerate(body.items):
        await _insert_item(conn, row["id"], item, index * 10)
    response.headers["Location"] = f"{TEMPLATES.path}/{row['id']}"
    return await get_template(conn, row["id"], response)


async def update_template(
    conn: AsyncConnection, user: CurrentUser, template_id: UUID, edit: Edit, response: Response
) -> TemplateOut:
    await TEMPLATES.update(conn, user, template_id, edit, ADMINS_ONLY)
    return await get_template(conn, template_id, response)


async def add_item(
    conn: AsyncConnection, user: CurrentUser, template_id: UUID, body: TemplateItemCreate, response: Response
) -> TemplateItemOut:
    await get_or_404(conn, inspection_templates, template_id, ["id"], TEMPLATES.what)
    ADMINS_ONLY(user)
    last = select(func.coalesce(func.max(inspection_template_items.c.position) + 10, 0)).where(
        inspection_template_items.c.template_id == template_id
    )
    after = min(int((await conn.execute(last)).scalar_one()), 10000)
    values = {"position": after} | body.model_dump(exclude_unset=True) | {"template_id": template_id}
    return await ITEMS.create(conn, user, values, response)


async def update_item(
    conn: AsyncConnection, user: CurrentUser, item_id: UUID, edit: Edit, response: Response
) -> TemplateItemOut:
    return await ITEMS.update(conn, user, item_id, edit, ADMINS_ONLY, response)


async def remove_item(conn: AsyncConnection, user: CurrentUser, item_id: UUID, edit: Edit) -> None:
    """An item no inspection has recorded goes; one recorded stays, so past inspections keep
    what they walked (make a new template instead)."""
    await get_or_404(conn, inspection_template_items, item_id, ["id"], ITEMS.what)
    ADMINS_ONLY(user)
    used = select(inspection_results.c.id).where(inspection_results.c.template_item_id == item_id).limit(1)
    if (await conn.execute(used)).first() is not None:
        raise Conflict("inspections have recorded this item; deactivate the template and make a new one instead")
    options: dict[str, Any] = {"role": user.role, "what": ITEMS.what, "from_header": edit.from_header}
    await delete_row(conn, inspection_template_items, item_id, edit.version, ITEMS.columns(user), **options)
