"""Photos of a turn: adding one, listing and reading them, removing one.

The row in ``photos`` decides who sees the file (RLS reads it as its turn is read); the file
is in the photo store (:mod:`turns.photos.storage`). An added photo is kept as
:mod:`turns.photos.images` rewrites it; its row and the job that makes its smaller sizes are
written first and the file stored last, so a refusal or failure before the commit leaves
nothing (only a commit that fails after the file is stored leaves a file no row names). Until
the job has run, the original stands in for the smaller sizes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from anyio import to_thread
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.actions import ADDS_PHOTOS, is_vendor
from turns.access.columns import visible
from turns.access.identity import CurrentUser
from turns.db.tables import photos, turns
from turns.jobs.enqueue import enqueue
from turns.kit.errors import Forbidden, NotFound, TooLarge, Unprocessable, UnsupportedMediaType
from turns.photos import images
from turns.photos.idempotency import UploadKey, claim
from turns.photos.images import PhotoRefused
from turns.photos.schemas import PhotoDetails, Size
from turns.photos.storage import PhotoStore
from turns.photos.uploads import scratch

MAKE_SIZES = "photos.make_sizes"
_REFUSALS = {413: TooLarge, 415: UnsupportedMediaType, 422: Unprocessable}


def file_key(folder: str, size: str) -> str:
    return f"{folder}/{size}"


def files(photo_id: UUID) -> dict[str, str]:
    base = f"/api/v1/photos/{photo_id}/file"
    return {"original": f"{base}?size=original", "display": f"{base}?size=display", "thumb": f"{base}?size=thumb"}


def _shown(row: Any, role: str) -> dict[str, Any]:
    found = visible("photos", role, dict(row))
    found["files"] = files(row["id"])
    return found


async def add(
    conn: AsyncConnection,
    store: PhotoStore,
    user: CurrentUser,
    turn_id: UUID,
    upload: Path,
    declared_type: str | None,
    details: PhotoDetails,
    key: UploadKey | None = None,
) -> tuple[dict[str, Any], bool]:
    """Keep the photo received in ``upload`` for the turn, as ``user``; and whether it is the
    photo an earlier upload under the same ``key`` added (then nothing new is kept)."""
    if user.role not in ADDS_PHOTOS:
        raise Forbidden("approvers look at photos; the people who work on a turn add them")
    if details.subject == "inspection" and is_vendor(user.role):
        raise Forbidden("inspection photos are taken by the inspector, the property's managers or an admin")
    turn = (await conn.execute(select(turns.c.property_id).where(turns.c.id == turn_id))).first()
    if turn is None:
        raise NotFound("no turn with this id is visible to you")
    photo_id = uuid4()
    earlier = await claim(conn, user.id, key, photo_id) if key else None
    if earlier is not None:
        photo = await get(conn, user.role, earlier)
        if photo["turn_id"] != turn_id:
            raise Unprocessable("this Idempotency-Key was sent for a photo of another turn", fields=["Idempotency-Key"])
        return photo, True
    async with scratch(upload.parent) as target:
        try:
            kept = await to_thread.run_sync(images.keep, upload, declared_type, target)
        except PhotoRefused as exc:
            raise _REFUSALS[exc.status](str(exc)) from None
        folder = f"photos/{turn_id}/{photo_id}"
        values = {
            "id": photo_id,
            "turn_id": turn_id,
            "property_id": turn.property_id,
            **details.model_dump(),
            "content_type": kept.content_type,
            "uploaded_type": kept.uploaded_type,
            "byte_size": kept.byte_size,
            "width": kept.width,
            "height": kept.height,
            "storage_key": folder,
            "sizes_ready": False,
            "created_by": user.id,
        }
        row = (await conn.execute(insert(photos).values(values).returning(*photos.c))).mappings().one()
        await enqueue(conn, MAKE_SIZES, photo_id=str(photo_id))
        # Last: whatever fails before this rolls the row back with nothing stored.
        await store.put(file_key(folder, "original"), kept.path)
    return _shown(row, user.role), False


async def list_for_turn(conn: AsyncConnection, role: str, turn_id: UUID) -> list[dict[str, Any]]:
    if (await conn.execute(select(turns.c.id).where(turns.c.id == turn_id))).first() is None:
        raise NotFound("no turn with this id is visible to you")
    query = select(*photos.c).where(photos.c.turn_id == turn_id).order_by(photos.c.created_at, photos.c.id)
    return [_shown(row, role) for row in (await conn.execute(query)).mappings()]


async def get(conn: AsyncConnection, role: str, photo_id: UUID) -> dict[str, Any]:
    row = (await conn.execute(select(*photos.c).where(photos.c.id == photo_id))).mappings().first()
    if row is None:
        raise NotFound("no photo with this id is visible to you")
    return _shown(row, role)


def stored_file(photo: dict[str, Any], size: Size) -> tuple[str, str]:
    """The store key and media type of ``size`` of ``photo`` (the original until sizes are made)."""
    if size == "original" or not photo["sizes_ready"]:
        return file_key(photo["storage_key"], "original"), photo["content_type"]
    return file_key(photo["storage_key"], size), images.SIZE_TYPE


async def remove(conn: AsyncConnection, user: CurrentUser, photo_id: UUID) -> None:
    """Remove the photo (its files follow, by the purge job); only its uploader or an admin may."""
    await get(conn, user.role, photo_id)
    gone = await conn.execute(delete(photos).where(photos.c.id == photo_id).returning(photos.c.id))
    if gone.first() is None:
        raise Forbidden("only whoever added a photo, or an admin, removes it")
