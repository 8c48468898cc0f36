"""Inspection templates: the areas and items an inspection walks, read by everyone signed in,
written by admins (RLS of migration 0020 says the same)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import Response
from fastapi.encoders import jsonable_encoder
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.actions import WRITES_INSPECTION_TEMPLATES
from turns.access.identity import CurrentUser
from turns.api.updates import delete_row
from turns.api.versioned import Resource, only
from turns.db.tables import inspection_results, inspection_template_items, inspection_templates
from turns.inspections.schemas import (
    Checklist,
    TemplateCreate,
    TemplateItemCreate,
    TemplateItemOut,
    TemplateOut,
    Templates,
)
from turns.kit.errors import Conflict, Unprocessable
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


def _check_list(body: Checklist) -> None:
    """Each item once, each area's item named once: the checklist an inspector walks."""
    named = [i.id for i in body.items if i.id is not None] + [r.id for r in body.removed]
    if len(named) != len(set(named)):
        raise Unprocessable("an item is listed twice; list each item once", fields=["items"])
    seen: set[tuple[str, str]] = set()
    for entry in body.items:
        key = (entry.area.strip().casefold(), entry.item.strip().casefold())
        if key in seen:
            raise Unprocessable(
                f"{entry.area}: {entry.item} is on the list twice; rename or remove one", fields=["items"]
            )
        seen.add(key)
    if any(i.id is not None and i.version is None for i in body.items):
        raise Unprocessable("name the version you read of every item you keep", fields=["items"])


async def save_checklist(
    conn: AsyncConnection, user: CurrentUser, template_id: UUID, body: Checklist, response: Response
) -> TemplateOut:
    """The template's items replaced by ``body`` in one transaction: kept items changed and put
    in the list's order, new ones added, removed ones deleted. The template as it is now comes
    back in a 409 when an item changed, came or went since it was read, and an item an
    inspection recorded is never removed."""
    await get_or_404(conn, inspection_templates, template_id, ["id"], TEMPLATES.what)
    ADMINS_ONLY(user)
    _check_list(body)
    table = inspection_template_items
    query = select(table.c.id, table.c.version, table.c.area, table.c.item).where(table.c.template_id == template_id)
    current = {r["id"]: r for r in (await conn.execute(query.with_for_update())).mappings()}
    read = {i.id: i.version for i in body.items if i.id is not None} | {r.id: r.version for r in body.removed}
    if set(read) - set(current):
        raise Unprocessable("an item listed is not on this template; read the template again", fields=["items"])
    if set(current) - set(read) or any(current[i]["version"] != v for i, v in read.items()):
        raise Conflict(
            "the checklist changed since you read it; here it is as it is now",
            current=jsonable_encoder(await get_template(conn, template_id)),
        )
    removed = [r.id for r in body.removed]
    recorded = select(table.c.area, table.c.item).join(
        inspection_results, inspection_results.c.template_item_id == table.c.id
    )
    used = (await conn.execute(recorded.where(table.c.id.in_(removed)).limit(1))).first()
    if used is not None:
        raise Conflict(
            f"inspections have recorded {used.area}: {used.item}, so it stays; "
            "retire this template and make a copy to change it instead"
        )
    await conn.execute(delete(table).where(table.c.id.in_(removed)))
    for index, entry in enumerate(body.items):
        values = entry.model_dump(exclude={"id", "version"}) | {"position": index * 10}
        if entry.id is None:
            await conn.execute(insert(table).values(**values, template_id=template_id))
        else:
            await conn.execute(update(table).where(table.c.id == entry.id).values(**values))
    return await get_template(conn, template_id, response)
