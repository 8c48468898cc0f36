"""``/api/v1/inspection-templates`` (read by everyone, written by admins) and a turn's move-out
inspections: ``/api/v1/turns/{id}/inspections``, ``/api/v1/inspections/{id}`` with its results
and ``/finish``, which proposes scope lines from the items marked for work."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from turns.api.versioned import IfMatch, User
from turns.auth.transaction import Transaction
from turns.inspections import service, templates
from turns.inspections.schemas import (
    Checklist,
    Finished,
    InspectionDetail,
    InspectionOut,
    Inspections,
    InspectionStart,
    ResultCreate,
    ResultOut,
    ResultUpdate,
    TemplateCreate,
    TemplateItemCreate,
    TemplateItemOut,
    TemplateItemUpdate,
    TemplateOut,
    Templates,
    TemplateUpdate,
)
from turns.kit.errors import PROBLEM_RESPONSES
from turns.kit.records import Edit, VersionOnly

router = APIRouter(prefix="/api/v1", tags=["inspections"], responses=PROBLEM_RESPONSES)


@router.get("/inspection-templates", response_model=Templates, summary="Inspection templates with their items")
async def list_templates(conn: Transaction, user: User, active: bool = Query(default=False)) -> Templates:
    return await templates.list_templates(conn, active)


@router.post(
    "/inspection-templates",
    response_model=TemplateOut,
    status_code=status.HTTP_201_CREATED,
    summary="Add an inspection template with its items (admins)",
)
async def create_template(body: TemplateCreate, conn: Transaction, user: User, response: Response) -> TemplateOut:
    return await templates.create_template(conn, user, body, response)


@router.get("/inspection-templates/{template_id}", response_model=TemplateOut, summary="A template with its items")
async def get_template(template_id: UUID, conn: Transaction, user: User, response: Response) -> TemplateOut:
    return await templates.get_template(conn, template_id, response)


@router.patch(
    "/inspection-templates/{template_id}",
    response_model=TemplateOut,
    summary="Rename, change the kind of or (de)activate a template (admins; name the version you read)",
)
async def update_template(
    template_id: UUID, body: TemplateUpdate, conn: Transaction, user: User, response: Response, if_match: IfMatch = None
) -> TemplateOut:
    return await templates.update_template(conn, user, template_id, Edit.of(body, if_match), response)


@router.put(
    "/inspection-templates/{template_id}/items",
    response_model=TemplateOut,
    summary="Save a template's whole checklist in walking order (admins; name each item's version read)",
)
async def save_checklist(
    template_id: UUID, body: Checklist, conn: Transaction, user: User, response: Response
) -> TemplateOut:
    return await templates.save_checklist(conn, user, template_id, body, response)


@router.post(
    "/inspection-templates/{template_id}/items",
    response_model=TemplateItemOut,
    status_code=status.HTTP_201_CREATED,
    summary="Add an item to a template (admins)",
)
async def add_template_item(
    template_id: UUID, body: TemplateItemCreate, conn: Transaction, user: User, response: Response
) -> TemplateItemOut:
    return await templates.add_item(conn, user, template_id, body, response)


@router.patch(
    "/inspection-template-items/{item_id}",
    response_model=TemplateItemOut,
    summary="Change a template item (admins; name the version you read)",
)
async def update_template_item(
    item_id: UUID, body: TemplateItemUpdate, conn: Transaction, user: User, response: Response, if_match: IfMatch = None
) -> TemplateItemOut:
    return await templates.update_item(conn, user, item_id, Edit.of(body, if_match), response)


@router.delete(
    "/inspection-template-items/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a template item no inspection recorded (admins; name the version you read)",
)
async def delete_template_item(
    item_id: UUID, conn: Transaction, user: User, version: int | None = Query(default=None), if_match: IfMatch = None
) -> Response:
    await templates.remove_item(conn, user, item_id, Edit.of(VersionOnly(version=version), if_match))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/turns/{turn_id}/inspections", response_model=Inspections, summary="A turn's inspections, latest first")
async def list_inspections(turn_id: UUID, conn: Transaction, user: User) -> Inspections:
    return await service.list_for_turn(conn, user, turn_id)


@router.post(
    "/turns/{turn_id}/inspections",
    response_model=InspectionOut,
    status_code=status.HTTP_201_CREATED,
    summary="Start a move-out inspection of a turn (409 naming the one in progress, if any)",
)
async def start_inspection(
    turn_id: UUID, conn: Transaction, user: User, response: Response, body: InspectionStart | None = None
) -> InspectionOut:
    return await service.start(conn, user, turn_id, body or InspectionStart(), response)


@router.get(
    "/inspections/{inspection_id}",
    response_model=InspectionDetail,
    summary="An inspection with its template's areas and items and the results recorded",
)
async def get_inspection(inspection_id: UUID, conn: Transaction, user: User, response: Response) -> InspectionDetail:
    return await service.detail(conn, user, inspection_id, response)


@router.post(
    "/inspections/{inspection_id}/results",
    response_model=ResultOut,
    status_code=status.HTTP_201_CREATED,
    summary="Record an item's condition (the same again answers 200 with it; other values: 409 with it)",
)
async def record_result(
    inspection_id: UUID, body: ResultCreate, conn: Transaction, user: User, response: Response
) -> ResultOut:
    return await service.record(conn, user, inspection_id, body, response)


@router.patch(
    "/inspection-results/{result_id}",
    response_model=ResultOut,
    summary="Change an item's result while the inspection is in progress (name the version you read)",
)
async def update_result(
    result_id: UUID, body: ResultUpdate, conn: Transaction, user: User, response: Response, if_match: IfMatch = None
) -> ResultOut:
    return await service.update_result(conn, user, result_id, Edit.of(body, if_match), response)


@router.post(
    "/inspections/{inspection_id}/finish",
    response_model=Finished,
    summary="Finish an inspection: a scope line proposed, unpriced, for each item marked clean, repair or replace",
)
async def finish_inspection(
    inspection_id: UUID, body: VersionOnly, conn: Transaction, user: User, if_match: IfMatch = None
) -> Finished:
    return await service.finish(conn, user, inspection_id, Edit.of(body, if_match))
