"""The photo jobs, as procrastinate runs them (bound by :mod:`turns.jobs.queue`): the smaller
sizes of a new photo, and the removal of files whose photo is gone. Both act as the system
user and may run again after a crash: each step is safe to repeat."""

from __future__ import annotations

from uuid import UUID

import anyio
from anyio import to_thread
from procrastinate import JobContext
from sqlalchemy import delete, select, update

from turns.auth.transaction import open_transaction
from turns.db.context import system_actor
from turns.db.tables import photo_blobs_gone, photos
from turns.jobs.context import resources_of
from turns.jobs.queue import Task
from turns.kit.logging import get_logger
from turns.photos import images
from turns.photos.service import MAKE_SIZES, file_key
from turns.photos.storage import store_at
from turns.photos.uploads import scratch, upload_folder

log = get_logger("turns.photos")

PURGE = "photos.purge"
_PURGE_BATCH = 500


async def make_sizes(context: JobContext, photo_id: str) -> None:
    """Write the display and thumbnail sizes of a photo, then mark them ready."""
    resources = resources_of(context)
    store = store_at(resources.settings.photo_store_url)
    actor = system_actor("photos")
    async with open_transaction(resources.database, actor) as conn:
        query = select(photos.c.storage_key).where(photos.c.id == UUID(photo_id))
        folder = (await conn.execute(query)).scalar()
    if folder is None:
        return  # removed before its sizes were made
    work = upload_folder(resources.settings.data_dir)
    async with scratch(work) as original:
        async with await anyio.open_file(original, "wb") as file:
            async for chunk in store.read(file_key(folder, "original")):
                await file.write(chunk)
        for size, longest in images.SIZES.items():
            async with scratch(work, ".webp") as made:
                await to_thread.run_sync(images.smaller, original, longest, made)
                await store.put(file_key(folder, size), made)
    async with open_transaction(resources.database, actor) as conn:
        await conn.execute(update(photos).where(photos.c.id == UUID(photo_id)).values(sizes_ready=True))


async def purge(context: JobContext, timestamp: int) -> None:
    """Delete from the store the files of photos that were removed (every ten minutes)."""
    resources = resources_of(context)
    store = store_at(resources.settings.photo_store_url)
    actor = system_actor("photos")
    while True:
        async with open_transaction(resources.database, actor) as conn:
            query = select(photo_blobs_gone.c.storage_key).limit(_PURGE_BATCH)
            folders: list[str] = list((await conn.execute(query)).scalars())
        for folder in folders:
            for size in ("original", *images.SIZES):
                await store.delete(file_key(folder, size))
        if not folders:
            return
        async with open_transaction(resources.database, actor) as conn:
            await conn.execute(delete(photo_blobs_gone).where(photo_blobs_gone.c.storage_key.in_(folders)))
        log.info("photo_files_purged", count=len(folders))


TASKS = [
    Task(MAKE_SIZES, make_sizes),
    Task(PURGE, purge, cron="*/10 * * * *", periodic_id="every-ten-minutes"),
]
