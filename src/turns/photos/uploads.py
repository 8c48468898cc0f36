"""An upload's bytes, received to a file of their own without holding them in memory.

The body is written to a private temporary file as it arrives and counted: past the limit
the upload stops at once (413), and a body that ends early (the client went away) stops
too. Whatever stops it, the file is removed: an upload that fails leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import anyio
from starlette.requests import Request

from turns.kit.errors import TooLarge, Unprocessable
from turns.kit.limits import whole_number


def upload_folder(data_dir: Path) -> Path:
    """Where uploads are received and prepared: beside the data, never in a shared /tmp."""
    folder = data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


@asynccontextmanager
async def scratch(folder: Path, suffix: str = "") -> AsyncIterator[Path]:
    """A new file name in ``folder``, removed on the way out whatever happened."""
    handle, name = tempfile.mkstemp(dir=folder, prefix="photo-", suffix=suffix)
    os.close(handle)
    try:
        yield Path(name)
    finally:
        with suppress(FileNotFoundError):
            os.unlink(name)


async def receive(request: Request, path: Path, limit: int) -> str:
    """Write ``request``'s body to ``path``; returns its SHA-256 (hex), which names the bytes a
    retry must send again. :class:`TooLarge` past ``limit`` (announced or counted),
    :class:`Unprocessable` for an empty body."""
    announced = whole_number(request.headers.get("content-length") or "")
    too_large = TooLarge(f"a photo may be at most {round(limit / 1024 / 1024, 2):g} MB")
    if announced is not None and announced > limit:
        raise too_large
    size = 0
    digest = hashlib.sha256()
    async with await anyio.open_file(path, "wb") as file:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_large
            digest.update(chunk)
            await file.write(chunk)
    if size == 0:
        raise Unprocessable("the request has no photo in its body")
    return digest.hexdigest()
