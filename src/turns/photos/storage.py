"""Where photo files are kept: one interface, two back-ends, both through ``obstore``.

``TURNS_PHOTO_STORE`` names the store as a URL: ``file:///var/lib/turns/photos`` (the
default: ``<TURNS_DATA_DIR>/photos``, for a laptop or a single server) or
``s3://bucket/prefix`` for any S3-compatible service, configured by the standard ``AWS_*``
variables (``AWS_ENDPOINT``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
``AWS_REGION``, ``AWS_ALLOW_HTTP``) that obstore reads itself.

obstore (Rust's ``object_store``, as used by Apache Arrow and DataFusion) was chosen over
aioboto3 because it is async without a thread pool, streams both ways (multipart uploads
from a file, chunked reads), has a local-filesystem store with the same calls (so the
embedded default is not a second code path), and is one small wheel rather than botocore.

Keys are never shown to clients: a photo is read through the API, as its turn is read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import obstore
from obstore.exceptions import NotFoundError
from obstore.store import LocalStore, ObjectStore, S3Store

READ_CHUNK = 256 * 1024
"""How much of a file a response sends at a time."""


class StoreError(Exception):
    """The photo store is misconfigured or cannot be reached."""


@dataclass(frozen=True)
class PhotoStore:
    """A store of files by key (``photos/<turn>/<photo>/<size>``)."""

    store: ObjectStore
    description: str

    async def put(self, key: str, path: Path) -> None:
        """Store the file at ``path`` under ``key`` (streamed: multipart above 5 MB on S3). Its
        media type is the photo row's: the store holds bytes only."""
        await obstore.put_async(self.store, key, path)

    async def read(self, key: str) -> AsyncIterator[bytes]:
        """The file's bytes in chunks; :class:`FileNotFoundError` when there is no such file."""
        try:
            result = await obstore.get_async(self.store, key)
        except NotFoundError as exc:
            raise FileNotFoundError(key) from exc
        async for chunk in result.stream(min_chunk_size=READ_CHUNK):
            yield bytes(chunk)

    async def delete(self, key: str) -> None:
        """Remove ``key``; a key that is already gone is not an error (deletes are retried)."""
        try:
            await obstore.delete_async(self.store, key)
        except (NotFoundError, FileNotFoundError):
            return


def open_store(url: str, **s3_options: Any) -> PhotoStore:
    """The store named by ``url`` (``file:///dir`` or ``s3://bucket[/prefix]``); ``s3_options``
    override the ``AWS_*`` environment (the tests name their own server this way)."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        folder = Path(parts.path)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return PhotoStore(LocalStore(folder), f"the folder {folder}")
    if parts.scheme == "s3" and parts.netloc:
        prefix = parts.path.strip("/") or None
        return PhotoStore(S3Store(parts.netloc, prefix=prefix, **s3_options), f"the bucket {parts.netloc}")
    raise StoreError(f"TURNS_PHOTO_STORE must be file:///folder or s3://bucket[/prefix], got {url!r}")


@cache
def store_at(url: str) -> PhotoStore:
    """The process's store for ``url`` (``Settings.photo_store_url``), opened once."""
    return open_store(url)
