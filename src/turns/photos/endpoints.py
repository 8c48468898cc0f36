"""``/api/v1/turns/{id}/photos`` and ``/api/v1/photos/{id}``: photos of a turn.

An upload is the photo itself as the request body (``Content-Type: image/jpeg``, ``image/png``,
``image/webp`` or ``image/heic``), with what it shows as query parameters. The body is
received to a file before the database is touched, so a slow phone upload holds no
connection, and an interrupted one leaves nothing. An upload sent again under its
``Idempotency-Key`` (:mod:`turns.photos.idempotency`) is answered with the photo it added.
Files are served through the API to whoever may read the photo's turn.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from turns.access.identity import CurrentUser
from turns.auth.dependencies import current_user
from turns.auth.transaction import ReadTransaction, Transaction, open_transaction, user_actor
from turns.config import Settings
from turns.kit.errors import PROBLEM_RESPONSES, NotFound
from turns.photos import service
from turns.photos.idempotency import upload_key
from turns.photos.schemas import PhotoDetails, PhotoOut, Size
from turns.photos.storage import store_at
from turns.photos.uploads import receive, scratch, upload_folder

router = APIRouter(tags=["photos"], responses=PROBLEM_RESPONSES)
User = Annotated[CurrentUser, Depends(current_user)]
IMMUTABLE = "private, max-age=31536000, immutable"
"""A photo's file never changes under its address: a new photo is a new address."""

IDEMPOTENCY = (
    "Any key of yours for this upload (e.g. a UUID): sent again with the same bytes, the answer is the "
    "photo it added (200) and nothing new is kept; with other bytes, a 422"
)
UPLOAD_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic")
_UPLOAD_BODY = {
    "required": True,
    "content": {media: {"schema": {"type": "string", "format": "binary"}} for media in UPLOAD_TYPES},
}


@router.post(
    "/api/v1/turns/{turn_id}/photos",
    status_code=status.HTTP_201_CREATED,
    response_model=PhotoOut,
    summary="Add a photo to a turn (the image is the request body, at most 25 MB)",
    openapi_extra={"requestBody": _UPLOAD_BODY},
)
async def add_photo(
    request: Request,
    response: Response,
    turn_id: UUID,
    user: User,
    details: Annotated[PhotoDetails, Query()],
    idempotency_key: Annotated[str | None, Header(description=IDEMPOTENCY)] = None,
) -> dict[str, Any]:
    settings: Settings = request.app.state.settings
    async with scratch(upload_folder(settings.data_dir)) as upload:
        digest = await receive(request, upload, settings.photo_max_bytes)
        key = upload_key(idempotency_key, digest)
        async with open_transaction(request.app.state.database, user_actor(request, user)) as conn:
            store = store_at(settings.photo_store_url)
            declared = request.headers.get("content-type")
            photo, again = await service.add(conn, store, user, turn_id, upload, declared, details, key)
    if again:
        response.status_code = status.HTTP_200_OK
    return photo


@router.get("/api/v1/turns/{turn_id}/photos", response_model=list[PhotoOut], summary="A turn's photos, oldest first")
async def list_photos(turn_id: UUID, conn: ReadTransaction, user: User) -> list[dict[str, Any]]:
    return await service.list_for_turn(conn, user.role, turn_id)


@router.get("/api/v1/photos/{photo_id}", response_model=PhotoOut, summary="One photo")
async def get_photo(photo_id: UUID, conn: ReadTransaction, user: User) -> dict[str, Any]:
    return await service.get(conn, user.role, photo_id)


@router.get(
    "/api/v1/photos/{photo_id}/file",
    summary="A photo's image: the original (metadata removed) or a smaller size",
    responses={200: {"description": "The image", "content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}},
)
async def photo_file(
    request: Request, photo_id: UUID, conn: ReadTransaction, user: User, size: Size = "display"
) -> Response:
    photo = await service.get(conn, user.role, photo_id)
    key, media_type = service.stored_file(photo, size)
    chunks = store_at(request.app.state.settings.photo_store_url).read(key)
    try:
        first = await anext(chunks)
    except (FileNotFoundError, StopAsyncIteration):
        raise NotFound("the photo's file is missing from the photo store") from None

    async def body() -> AsyncIterator[bytes]:
        yield first
        async for chunk in chunks:
            yield chunk

    headers = {"Cache-Control": IMMUTABLE, "X-Content-Type-Options": "nosniff", "Content-Disposition": "inline"}
    return StreamingResponse(body(), media_type=media_type, headers=headers)


@router.delete("/api/v1/photos/{photo_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove a photo")
async def remove_photo(photo_id: UUID, conn: Transaction, user: User) -> Response:
    await service.remove(conn, user, photo_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
