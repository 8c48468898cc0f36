"""A photo upload's ``Idempotency-Key``: a phone that lost its connection mid-upload cannot tell
whether the photo arrived, so it sends it again under the same key. The first upload claims the
key for its photo (table ``photo_uploads``, migration 0024_photo_uploads) with the SHA-256 of the
bytes sent; a retry with the same bytes is answered with that photo and stores nothing, the same
key with other bytes is refused. Keys are the user's own: another user's key never matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.db.tables import photo_uploads
from turns.kit.errors import Conflict, Unprocessable

HEADER = "Idempotency-Key"
_KEY = re.compile(r"[!-~]{1,200}")


@dataclass(frozen=True)
class UploadKey:
    """The key an upload was sent under, and the SHA-256 (hex) of its bytes."""

    key: str
    digest: str


def upload_key(header: str | None, digest: str) -> UploadKey | None:
    """The upload's key, if it sent one (1 to 200 visible ASCII characters, e.g. a UUID)."""
    if header is None:
        return None
    if not _KEY.fullmatch(header):
        raise Unprocessable(f"{HEADER} must be 1 to 200 visible ASCII characters, e.g. a UUID", fields=[HEADER])
    return UploadKey(header, digest)


async def claim(conn: AsyncConnection, user_id: UUID, upload: UploadKey, photo_id: UUID) -> UUID | None:
    """Claim ``upload``'s key for the photo ``photo_id`` about to be added: None when claimed now,
    else the photo an earlier upload of the same bytes added. A claim made at the same moment by
    another request is waited for (the primary key), then read."""
    values = {"user_id": user_id, "idempotency_key": upload.key, "digest": upload.digest, "photo_id": photo_id}
    claimed = insert(photo_uploads).values(values).on_conflict_do_nothing().returning(photo_uploads.c.photo_id)
    if (await conn.execute(claimed)).first() is not None:
        return None
    mine = photo_uploads.c.user_id == user_id, photo_uploads.c.idempotency_key == upload.key
    earlier = (await conn.execute(select(photo_uploads.c.digest, photo_uploads.c.photo_id).where(*mine))).first()
    if earlier is None:  # claimed by a request that was rolled back between the two statements
        raise Conflict(f"an upload under this {HEADER} was under way; send it again")
    if earlier.digest != upload.digest:
        raise Unprocessable(
            f"this {HEADER} was sent with another photo: send a new photo under a new key", fields=[HEADER]
        )
    photo: UUID = earlier.photo_id
    return photo
